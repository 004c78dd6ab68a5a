/** Starts a benchmark child process (a .ts file under tsx) with an IPC channel, and talks to it. */
import { fork, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { REPO_ROOT } from './events';

export interface Child {
  proc: ChildProcess;
  /** Resolves with the next message that has `field`. */
  next<T = Record<string, unknown>>(field: string, timeoutMs?: number): Promise<T>;
  request<T = Record<string, unknown>>(message: unknown, replyField: string, timeoutMs?: number): Promise<T>;
  kill(): void;
}

export function forkTs(file: string, args: string[], execArgv: string[] = []): Child {
  const proc = fork(join(REPO_ROOT, 'bin/run-ts.js'), [join(REPO_ROOT, file), ...args], {
    execArgv,
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const waiting: { field: string; resolve: (m: any) => void; reject: (e: Error) => void }[] = [];
  proc.on('message', (msg: Record<string, unknown>) => {
    if (typeof msg?.error === 'string') {
      for (const w of waiting.splice(0)) w.reject(new Error(`${file}: ${msg.error}`));
      return;
    }
    const i = waiting.findIndex((w) => w.field in msg);
    if (i >= 0) waiting.splice(i, 1)[0]!.resolve(msg);
  });
  proc.on('exit', (code) => {
    for (const w of waiting.splice(0)) w.reject(new Error(`${file} exited with code ${code}`));
  });
  const next = <T>(field: string, timeoutMs = 300_000): Promise<T> =>
    new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`${file}: no "${field}" message within ${timeoutMs} ms`)), timeoutMs);
      waiting.push({
        field,
        resolve: (m) => { clearTimeout(timer); resolve(m as T); },
        reject: (e) => { clearTimeout(timer); reject(e); },
      });
    });
  return {
    proc,
    next,
    request: <T>(message: unknown, replyField: string, timeoutMs?: number) => {
      const reply = next<T>(replyField, timeoutMs);
      proc.send(message as never);
      return reply;
    },
    kill: () => {
      if (proc.exitCode === null) proc.kill('SIGKILL');
    },
  };
}
