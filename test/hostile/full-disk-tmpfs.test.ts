/**
 * Inbound trust, task 4, on a real filesystem: `build-alerts serve` with its data dir on a 3 MiB tmpfs
 * that fills up. Needs root (mount); skipped with a message otherwise.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync, statfsSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { loadFixture } from '../helpers/fixtures';
import { startReceiver, type Receiver } from '../helpers/receiver';

const forgeFailed = loadFixture('forge-build-status-created-failed.atlassian-docs.json') as any;
const REPO = { uuid: forgeFailed.repository.uuid as string };
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function buildStatus(state: string, at: string) {
  return { ...forgeFailed, eventType: 'avi:bitbucket:updated:build-status', timestamp: at, buildStatus: { ...forgeFailed.buildStatus, state, createdOn: at, updatedOn: at } };
}

async function until(what: string, check: () => Promise<boolean> | boolean, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(20);
  }
}

const TMPFS = join(tmpdir(), `ba-tmpfs-${process.pid}`);
function mountTmpfs(): string | null {
  if (process.platform !== 'linux' || process.getuid?.() !== 0) return 'not root on Linux';
  mkdirSync(TMPFS, { recursive: true });
  const r = spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=3m', 'tmpfs', TMPFS], { encoding: 'utf8' });
  return r.status === 0 ? null : `mount -t tmpfs failed: ${(r.stderr || r.error?.message || '').trim()}`;
}
const cannotMount = mountTmpfs();
if (cannotMount) console.warn(`skipped the real full-disk test: ${cannotMount} (it needs a 3 MiB tmpfs)`);
const describeTmpfs = cannotMount ? describe.skip : describe;

describeTmpfs('serve on a tmpfs that fills up', () => {
  const CLI = resolve(__dirname, '../../bin/build-alerts.js');
  let child: ChildProcess;
  let receiver: Receiver;
  let url: string;
  let out = '';
  const exited: { code: number | null } = { code: null };

  beforeAll(async () => {
    receiver = await startReceiver();
    const srv = createServer();
    await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
    const port = (srv.address() as { port: number }).port;
    await new Promise<void>((r) => srv.close(() => r()));
    url = `http://127.0.0.1:${port}`;
    child = spawn(process.execPath, [CLI, 'serve', '--port', String(port), '--data-dir', join(TMPFS, 'data')], {
      env: { ...process.env, BUILD_ALERTS_ALLOW_PRIVATE_EGRESS: '1', LOG_LEVEL: 'warn' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout!.on('data', (c: Buffer) => (out += c.toString()));
    child.stderr!.on('data', (c: Buffer) => (out += c.toString()));
    child.on('exit', (code) => (exited.code = code ?? -1));
    await until('serve to start', () => fetch(`${url}/healthz`).then((r) => r.ok, () => false), 20_000);
  }, 30_000);
  afterAll(async () => {
    if (child && child.exitCode === null) {
      child.kill('SIGKILL');
      await new Promise((r) => child.once('exit', r));
    }
    await receiver?.close();
    spawnSync('umount', ['-l', TMPFS]);
    rmSync(TMPFS, { recursive: true, force: true });
  });

  const post = (path: string, body: unknown) => fetch(url + path, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  const resolver = async (name: string, payload: unknown) => (await post(`/api/resolvers/${name}`, { payload, extension: { repository: REPO } })).json() as Promise<any>;

  test('the process survives, answers 503 while full, and delivers once after space is freed', async () => {
    expect((await resolver('saveChannel', { channel: { name: 'audit', type: 'webhook', url: `${receiver.url}/hook` } })).ok).toBe(true);
    expect((await resolver('saveRules', { rules: [{ name: 'all', on: ['failed', 'fixed'], channels: ['audit'] }] })).ok).toBe(true);
    // Fill the filesystem, leaving nothing for LMDB to grow into.
    const filler = join(TMPFS, 'filler');
    const { bavail, bsize } = statfsSync(TMPFS);
    try {
      writeFileSync(filler, Buffer.alloc(Number(bavail) * Number(bsize)));
    } catch {
      // ENOSPC at the very end: full is what we want
    }
    // Big events make LMDB need fresh pages at once.
    let refused: Response | null = null;
    for (let i = 0; i < 60 && !refused; i++) {
      const res = await post('/forge/events', { ...buildStatus('FAILED', `2025-02-01T12:${String(i).padStart(2, '0')}:00.000Z`), padding: 'x'.repeat(60_000) });
      if (res.status === 503) refused = res;
      else expect(res.status).toBeLessThan(500);
    }
    expect(refused).not.toBeNull();
    expect(((await refused!.json()) as any).error).toMatch(/storage is failing \(ENOSPC/);
    const health = await fetch(`${url}/healthz`);
    expect(health.status).toBe(503);
    expect(((await health.json()) as any).storage.code).toBe('ENOSPC');
    expect(exited.code).toBeNull(); // still running

    rmSync(filler);
    await until('healthz ok', () => fetch(`${url}/healthz`).then((r) => r.status === 200), 10_000);
    expect(exited.code).toBeNull();
    const fail = await post('/forge/events', buildStatus('FAILED', '2025-02-01T13:00:00.000Z'));
    expect(fail.status).toBe(202);
    await until('the failure alert', () => receiver.received.some((r) => (r.json as any).type === 'build.failed'), 10_000).catch((e) => {
      throw new Error(`${e.message}\n${out.slice(-3000)}`);
    });
    expect((await post('/forge/events', buildStatus('SUCCESSFUL', '2025-02-01T13:30:00.000Z'))).status).toBe(202);
    await until('the recovery alert', () => receiver.received.some((r) => (r.json as any).type === 'build.fixed'), 10_000);
    await sleep(300);
    const types = receiver.received.map((r) => (r.json as any).type);
    // One incident, alerted once when it opened and once when it closed: nothing sent twice.
    expect(types.filter((t) => t === 'build.failed')).toHaveLength(1);
    expect(types.filter((t) => t === 'build.fixed')).toHaveLength(1);
    expect(out).not.toMatch(/unexpected error|Unhandled/i);
  }, 30_000);
});
