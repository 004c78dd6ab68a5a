import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { openLocalStore } from '../../../src/adapters/local/store/lmdb-store';

const ROOT = resolve(__dirname, '../../..');

describe('local LMDB store: lifecycle and durability', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'lmdb-store-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('keeps data and secrets across close and reopen', async () => {
    const a = openLocalStore(dir);
    await a.set('rules:r1', { yaml: 'rules: []' });
    await a.setSecret('channel-secret:c1', { url: 'https://hooks.slack.com/services/T/B/X' });
    await a.close();
    const b = openLocalStore(dir);
    expect(await b.get('rules:r1')).toEqual({ yaml: 'rules: []' });
    expect(await b.getSecret('channel-secret:c1')).toEqual({ url: 'https://hooks.slack.com/services/T/B/X' });
    await b.close();
    await expect(b.get('rules:r1')).rejects.toThrow(/closed/);
  });

  it('sweeps expired entries from disk and leaves live ones', async () => {
    let now = 1_000_000;
    const store = openLocalStore(dir, { clock: { now: () => now } });
    await store.set('seen:a', 1, { ttlSeconds: 10 });
    await store.set('seen:b', 2, { ttlSeconds: 100 });
    await store.set('seen:c', 3);
    now += 11_000;
    expect(await store.sweepExpired()).toBe(1);
    expect(await store.sweepExpired()).toBe(0);
    now += 100_000;
    expect(await store.sweepExpired()).toBe(1);
    expect((await store.query({ beginsWith: 'seen:' })).results).toEqual([{ key: 'seen:c', value: 3 }]);
    await store.close();
  });

  it('a cursor from one query is refused by another', async () => {
    const store = openLocalStore(dir);
    await store.setMany(Array.from({ length: 5 }, (_, i) => ({ key: `a:${i}`, value: i })));
    const page = await store.query({ beginsWith: 'a:', limit: 2 });
    await expect(store.query({ beginsWith: 'b:', limit: 2, cursor: page.nextCursor! })).rejects.toThrow(/cursor/);
    await expect(store.query({ beginsWith: 'a:', limit: 2, cursor: 'garbage' })).rejects.toThrow(/cursor/);
    await store.close();
  });

  it('every acknowledged write survives kill -9 of the writer', async () => {
    const child = spawn(process.execPath, [join(ROOT, 'bin/run-ts.js'), join(__dirname, 'store-writer-child.ts'), dir], {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let lastAck = -1;
    let buffer = '';
    await new Promise<void>((resolvePromise, reject) => {
      const timer = setTimeout(() => reject(new Error('writer produced too few acks')), 20_000);
      child.stdout!.on('data', (chunk: Buffer) => {
        buffer += chunk.toString('utf8');
        const lines = buffer.split('\n');
        buffer = lines.pop()!;
        for (const line of lines) if (line.startsWith('ack ')) lastAck = Number(line.slice(4));
        if (lastAck >= 300) {
          clearTimeout(timer);
          child.kill('SIGKILL');
          resolvePromise();
        }
      });
    });
    await new Promise((r) => child.once('exit', r));
    const store = openLocalStore(dir);
    const keys = Array.from({ length: lastAck + 1 }, (_, i) => `ack:${String(i).padStart(6, '0')}`);
    for (let i = 0; i < keys.length; i += 100) {
      const got = await store.getMany(keys.slice(i, i + 100));
      expect(got.size).toBe(Math.min(100, keys.length - i));
    }
    await store.close();
  }, 30_000);
});
