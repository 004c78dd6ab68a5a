/**
 * Kill -9 in the middle of a run, restart on the same data dir: every job completes, and no job whose completion was
 * committed before the crash runs again (at-least-once, not at-least-twice).
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo, Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const ROOT = resolve(__dirname, '../../..');
const JOBS = 150;

interface ChildHandle {
  proc: ChildProcess;
  lines: string[];
  waitFor(predicate: (lines: string[]) => boolean, timeoutMs: number): Promise<void>;
}

function startChild(dataDir: string, url: string, mode: 'push' | 'resume'): ChildHandle {
  const proc = spawn(process.execPath, [join(ROOT, 'bin/run-ts.js'), join(__dirname, 'crash-child.ts'), dataDir, url, mode, String(JOBS)], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const lines: string[] = [];
  const listeners = new Set<() => void>();
  let buffer = '';
  proc.stdout!.on('data', (chunk: Buffer) => {
    buffer += chunk.toString('utf8');
    const parts = buffer.split('\n');
    buffer = parts.pop()!;
    lines.push(...parts);
    listeners.forEach((l) => l());
  });
  return {
    proc,
    lines,
    waitFor: (predicate, timeoutMs) =>
      new Promise<void>((resolvePromise, reject) => {
        const check = () => {
          if (!predicate(lines)) return;
          listeners.delete(check);
          clearTimeout(timer);
          resolvePromise();
        };
        const timer = setTimeout(() => {
          listeners.delete(check);
          reject(new Error(`child (${mode}) timed out; last lines: ${lines.slice(-5).join(' | ')}`));
        }, timeoutMs);
        listeners.add(check);
        check();
      }),
  };
}

const doneNames = (lines: string[]): string[] => lines.filter((l) => l.startsWith('done ')).map((l) => l.slice(5));

describe('durable queue survives kill -9', () => {
  let server: Server;
  let url: string;
  let dataDir: string;
  let phase = 1;
  const requests: { phase: number; name: string; status: number; at: number }[] = [];
  const children: ChildProcess[] = [];

  beforeAll(async () => {
    const attempts = new Map<string, number>();
    server = createServer((req, res) => {
      const name = decodeURIComponent((req.url ?? '').replace('/job/', ''));
      const n = (attempts.get(name) ?? 0) + 1;
      attempts.set(name, n);
      // Each job's first call gets 503, so every job needs a retry; answers are a little slow to keep jobs in flight.
      const status = n === 1 ? 503 : 200;
      requests.push({ phase, name, status, at: Date.now() });
      setTimeout(() => res.writeHead(status).end(), 10);
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    dataDir = mkdtempSync(join(tmpdir(), 'queue-crash-'));
  });

  afterAll(async () => {
    children.forEach((c) => c.kill('SIGKILL'));
    await new Promise((r) => server.close(r));
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('re-runs interrupted jobs after restart and never re-runs completed ones', async () => {
    const first = startChild(dataDir, url, 'push');
    children.push(first.proc);
    await first.waitFor((lines) => lines.includes('pushed') && doneNames(lines).length >= 30, 20_000);
    const exited = new Promise((r) => first.proc.once('exit', r));
    first.proc.kill('SIGKILL');
    await exited;
    phase = 2;
    const doneBefore = new Set(doneNames(first.lines));
    expect(doneBefore.size).toBeLessThan(JOBS); // the crash really was mid-way

    const restartedAt = Date.now();
    const second = startChild(dataDir, url, 'resume');
    children.push(second.proc);
    await second.waitFor((lines) => lines.includes('empty'), 30_000);
    second.proc.kill('SIGKILL');

    // `done` lines seen before the kill are a subset of the jobs committed then (the pipe may lose the last few).
    const doneAfter = new Set(doneNames(second.lines));
    expect([...doneBefore].filter((n) => doneAfter.has(n))).toEqual([]);
    // No job confirmed done before the crash called the receiver again after it.
    const rerunCalls = requests.filter((r) => r.phase === 2 && doneBefore.has(r.name));
    expect(rerunCalls).toEqual([]);
    // Every job got through to the receiver.
    const succeeded = new Set(requests.filter((r) => r.status === 200).map((r) => r.name));
    expect(succeeded.size).toBe(JOBS);
    // Interrupted work resumes promptly after start (spawn + tsx startup included).
    const firstResumed = requests.find((r) => r.phase === 2);
    expect(firstResumed).toBeDefined();
    expect(firstResumed!.at - restartedAt).toBeLessThan(5_000);
  }, 60_000);
});
