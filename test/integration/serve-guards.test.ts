/**
 * `build-alerts serve` refuses to start when it would be unsafe: off loopback without tokens, and on a
 * data dir another serve holds (one process per data dir). Run as users run it: a child process.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { hostname, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { startTestRuntime } from '../helpers/runtime';

const CLI = resolve(__dirname, '../../bin/build-alerts.js');
const running = new Set<ChildProcess>();

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as { port: number }).port;
  await new Promise<void>((r) => server.close(() => r()));
  return port;
}

interface Run {
  child: ChildProcess;
  out: () => string;
  err: () => string;
  exited: Promise<number | null>;
}

function serve(args: string[], env: Record<string, string> = {}): Run {
  const clean = { ...process.env };
  for (const k of ['BUILD_ALERTS_ADMIN_TOKEN', 'BUILD_ALERTS_INGEST_TOKEN', 'BUILD_ALERTS_PUBLIC_URL']) delete clean[k];
  const child = spawn(process.execPath, [CLI, 'serve', ...args], { env: { ...clean, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  running.add(child);
  let out = '';
  let err = '';
  child.stdout!.on('data', (c: Buffer) => (out += c.toString()));
  child.stderr!.on('data', (c: Buffer) => (err += c.toString()));
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => (running.delete(child), r(code))));
  return { child, out: () => out, err: () => err, exited };
}

async function untilUp(run: Run, port: number): Promise<void> {
  const until = Date.now() + 20_000;
  for (;;) {
    if (run.child.exitCode !== null) throw new Error(`serve exited with ${run.child.exitCode}: ${run.err()}`);
    if (await fetch(`http://127.0.0.1:${port}/healthz`).then((r) => r.ok, () => false)) return;
    if (Date.now() > until) throw new Error(`serve did not come up: ${run.err()}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('serve refuses unsafe starts', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'ba-guards-'));
  });
  afterAll(async () => {
    for (const c of running) c.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  });

  // Child processes take about 2 s to start (tsx): the two CLI tests run side by side.
  test.concurrent('off loopback without tokens: exit 1, one line naming what is missing', async () => {
    const [bare, short] = [
      serve(['--host', '0.0.0.0', '--port', '0', '--data-dir', join(dir, 'wide')]),
      serve(['--host', '0.0.0.0', '--port', '0', '--data-dir', join(dir, 'wide2')], { BUILD_ALERTS_ADMIN_TOKEN: 'too-short', BUILD_ALERTS_INGEST_TOKEN: 'x' }),
    ];
    expect(await bare.exited).toBe(1);
    expect(bare.err().trim().split('\n')).toHaveLength(1);
    expect(bare.err()).toMatch(/BUILD_ALERTS_ADMIN_TOKEN \(at least 32 characters\) and BUILD_ALERTS_INGEST_TOKEN/);
    expect(bare.err()).toMatch(/0\.0\.0\.0/);
    expect(bare.out()).toBe('');
    expect(await short.exited).toBe(1);
    expect(short.err().trim().split('\n')).toHaveLength(1);
    expect(short.err()).toMatch(/BUILD_ALERTS_ADMIN_TOKEN \(9 characters; at least 32\)/);
  });

  test.concurrent('a second serve on the same data dir exits non-zero naming the lock and the pid; the lock goes on a clean stop', async () => {
    const data = join(dir, 'shared');
    const port = await freePort();
    const first = serve(['--port', String(port), '--data-dir', data]);
    await untilUp(first, port);
    const lock = join(data, 'serve.lock');
    expect(JSON.parse(readFileSync(lock, 'utf8')).pid).toBe(first.child.pid);

    const second = serve(['--port', String(await freePort()), '--data-dir', data]);
    expect(await second.exited).not.toBe(0);
    expect(second.err().trim().split('\n')).toHaveLength(1);
    expect(second.err()).toContain(`pid ${first.child.pid}`);
    expect(second.err()).toContain(lock);
    expect(await fetch(`http://127.0.0.1:${port}/healthz`).then((r) => r.status)).toBe(200); // the first one is untouched

    first.child.kill('SIGTERM');
    expect(await first.exited).toBe(0);
    expect(existsSync(lock)).toBe(false);
  });

  test('a lock left by a process that is gone (crash, kill -9) is taken over', async () => {
    const data = join(dir, 'stale');
    mkdirSync(data, { recursive: true });
    // A pid that cannot be running: past the kernel's pid_max.
    writeFileSync(join(data, 'serve.lock'), JSON.stringify({ pid: 2 ** 22 + 1, host: hostname(), token: 'old', since: '2020-01-01' }));
    const rt = await startTestRuntime({ dataDir: data });
    try {
      expect(JSON.parse(readFileSync(join(data, 'serve.lock'), 'utf8')).pid).toBe(process.pid);
    } finally {
      await rt.stop();
    }
    // A live process on another host (a shared volume) is never taken over.
    writeFileSync(join(data, 'serve.lock'), JSON.stringify({ pid: 1, host: 'other-host', token: 'theirs', since: '2020-01-01' }));
    await expect(startTestRuntime({ dataDir: data })).rejects.toThrow(/pid 1 on host other-host/);
  });

  test('two runtimes in one process on one data dir: the second is refused', async () => {
    const data = join(dir, 'in-process');
    const rt = await startTestRuntime({ dataDir: data });
    try {
      await expect(startTestRuntime({ dataDir: data })).rejects.toThrow(/in use by another build-alerts serve \(pid \d+; lock file .*serve\.lock\)/);
    } finally {
      await rt.stop();
    }
    const again = await startTestRuntime({ dataDir: data });
    await again.stop();
  });
});
