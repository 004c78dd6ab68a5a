/**
 * Issue 4: a crash (SIGKILL) of the real CLI (`build-alerts serve`) loses no alert and sends none
 * twice. The process is killed mid-delivery, restarted on the same data directory, and a loopback
 * receiver counts what arrives. BUILD_ALERTS_RETRY_SCALE shortens the backoff (the Forge consumer
 * still rounds a retry up to whole seconds, so the first retry comes after about 1 s).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { DeliveryLogEntry } from '../../src/shared/contract';
import { loadFixture } from '../helpers/fixtures';
import { startReceiver, type Receiver } from '../helpers/receiver';

jest.setTimeout(40_000);

const CLI = resolve(__dirname, '../../bin/build-alerts.js');
const forgeFailed = loadFixture('forge-build-status-created-failed.atlassian-docs.json') as any;
const REPO = { uuid: forgeFailed.repository.uuid as string };

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as { port: number }).port;
  await new Promise<void>((r) => server.close(() => r()));
  return port;
}

interface Serve {
  child: ChildProcess;
  url: string;
  output: () => string;
}

const running = new Set<ChildProcess>();

/** Starts `build-alerts serve` and resolves once /healthz answers. */
async function serve(dataDir: string): Promise<Serve> {
  const port = await freePort();
  const child = spawn(process.execPath, [CLI, 'serve', '--port', String(port), '--data-dir', dataDir], {
    env: { ...process.env, BUILD_ALERTS_RETRY_SCALE: '0.2', LOG_LEVEL: 'info' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  running.add(child);
  child.on('exit', () => running.delete(child));
  let out = '';
  child.stdout!.on('data', (c: Buffer) => { out += c.toString(); });
  child.stderr!.on('data', (c: Buffer) => { out += c.toString(); });
  const url = `http://127.0.0.1:${port}`;
  const until = Date.now() + 20_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`serve exited with ${child.exitCode}:\n${out}`);
    const ok = await fetch(`${url}/healthz`).then((r) => r.ok, () => false);
    if (ok) return { child, url, output: () => out };
    if (Date.now() > until) throw new Error(`serve did not come up:\n${out}`);
    await sleep(50);
  }
}

async function kill9(s: Serve): Promise<void> {
  if (s.child.exitCode !== null) return;
  const exited = new Promise<void>((r) => s.child.once('exit', () => r()));
  s.child.kill('SIGKILL');
  await exited;
}

async function resolver(s: Serve, name: string, payload: unknown): Promise<any> {
  const res = await fetch(`${s.url}/api/resolvers/${name}`, {
    method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ payload, extension: { repository: REPO } }),
  });
  return res.json();
}

async function deliveryLog(s: Serve): Promise<DeliveryLogEntry[]> {
  const res = await resolver(s, 'getDeliveryLog', { limit: 100 });
  expect(res.ok).toBe(true);
  return res.data.entries;
}

async function configure(s: Serve, receiver: Receiver): Promise<void> {
  expect((await resolver(s, 'saveChannel', { channel: { name: 'ops', type: 'webhook', url: `${receiver.url}/hook` } })).ok).toBe(true);
  expect((await resolver(s, 'saveRules', { rules: [{ name: 'main', on: ['failed', 'fixed'], branches: ['main'], channels: ['ops'] }] })).ok).toBe(true);
}

async function postFailure(s: Serve): Promise<void> {
  const res = await fetch(`${s.url}/forge/events`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(forgeFailed) });
  expect(res.status).toBe(202);
}

let dataDir: string;
let receiver: Receiver;

beforeEach(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'build-alerts-crash-'));
  receiver = await startReceiver();
});

afterEach(async () => {
  for (const child of running) child.kill('SIGKILL');
  await receiver.close();
  rmSync(dataDir, { recursive: true, force: true });
});

test('killed while a delivery waits for its retry: delivered exactly once within 5 s of the restart', async () => {
  receiver.fallback = { status: 503, body: '{"error":"maintenance"}' };
  const first = await serve(dataDir);
  await configure(first, receiver);
  await postFailure(first);
  const [refused] = await receiver.waitFor(1, 5000);
  await kill9(first);

  receiver.fallback = { status: 200, body: '{"ok":true}' };
  const before = receiver.received.length;
  expect(before).toBe(1);
  const restartedAt = Date.now();
  const second = await serve(dataDir);
  const got = await receiver.waitFor(before + 1, 5000);
  const delivered = got[before]!;
  expect(delivered.at - restartedAt).toBeLessThan(5000);
  expect((delivered.json as any).type).toBe('build.failed');
  expect(delivered.headers['webhook-id']).toBe(refused!.headers['webhook-id']);

  const log = await (async () => {
    for (let i = 0; i < 100; i++) {
      const entries = await deliveryLog(second);
      if (entries.some((e) => e.outcome === 'delivered')) return entries;
      await sleep(20);
    }
    throw new Error('no delivered entry in the log');
  })();
  await sleep(1000); // a duplicate would come within the scaled backoff
  expect(receiver.received).toHaveLength(before + 1);
  expect(log.filter((e) => e.outcome === 'delivered')).toHaveLength(1);
  await kill9(second);
});

test('killed right after the 2xx was recorded: no second POST after the restart', async () => {
  const first = await serve(dataDir);
  await configure(first, receiver);
  await postFailure(first);
  await receiver.waitFor(1, 5000);
  // Kill the moment the app has taken note of the 2xx (the queue job may not be deleted yet).
  for (;;) {
    const entries = await deliveryLog(first);
    if (entries.some((e) => e.outcome === 'delivered')) break;
  }
  await kill9(first);

  const second = await serve(dataDir);
  await sleep(1500); // the job, if it survived, runs at once on start
  expect(receiver.received).toHaveLength(1);
  const log = await deliveryLog(second);
  expect(log.map((e) => e.outcome)).toEqual(['delivered']);

  // The restarted runtime still works: the fix goes out.
  const fixedAt = '2025-01-31T01:00:00.000Z';
  await fetch(`${second.url}/forge/events`, {
    method: 'POST', headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ ...forgeFailed, eventType: 'avi:bitbucket:updated:build-status', buildStatus: { ...forgeFailed.buildStatus, state: 'SUCCESSFUL', updatedOn: fixedAt } }),
  });
  const [, fixed] = await receiver.waitFor(2, 5000);
  expect((fixed!.json as any).type).toBe('build.fixed');
  await kill9(second);
});
