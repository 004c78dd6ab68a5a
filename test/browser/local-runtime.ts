/**
 * Spawns the local runtime exactly as a user would (`node bin/build-alerts.js serve`) on a free port
 * with a throwaway data directory, and waits until GET /healthz answers.
 */
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';

export const REPO_ROOT = path.resolve(__dirname, '../..');

export interface RunningRuntime {
  url: string;
  dataDir: string;
  output(): string;
  post(pathname: string, body: unknown): Promise<{ status: number; json: unknown }>;
  stop(): Promise<void>;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

/** Builds static/settings when its build is missing or older than its sources (scripts/setup-ui.js). */
export function ensureUiBuilt(): void {
  const setup = path.join(REPO_ROOT, 'scripts/setup-ui.js');
  if (existsSync(setup)) execFileSync(process.execPath, [setup], { cwd: REPO_ROOT, stdio: 'inherit' });
  if (!existsSync(path.join(REPO_ROOT, 'static/settings/build/index.html'))) {
    throw new Error('static/settings/build is missing: run `npm run build` in static/settings');
  }
}

export async function startLocalRuntime(env: Record<string, string> = {}): Promise<RunningRuntime> {
  const port = await freePort();
  const dataDir = mkdtempSync(path.join(tmpdir(), 'build-alerts-browser-'));
  let out = '';
  const child: ChildProcess = spawn(
    process.execPath,
    [path.join(REPO_ROOT, 'bin/build-alerts.js'), 'serve', '--port', String(port), '--data-dir', dataDir],
    { cwd: REPO_ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  child.stdout?.on('data', (c: Buffer) => (out += c.toString()));
  child.stderr?.on('data', (c: Buffer) => (out += c.toString()));
  const url = `http://127.0.0.1:${port}`;

  const deadline = Date.now() + 30_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`build-alerts serve exited with ${child.exitCode}:\n${out}`);
    try {
      const res = await fetch(`${url}/healthz`);
      if (res.ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`build-alerts serve did not answer /healthz within 30 s:\n${out}`);
    }
    await new Promise((r) => setTimeout(r, 150));
  }

  return {
    url,
    dataDir,
    output: () => out,
    async post(pathname, body) {
      const res = await fetch(url + pathname, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
      const text = await res.text();
      let json: unknown = text;
      try {
        json = JSON.parse(text);
      } catch {
        // keep text
      }
      return { status: res.status, json };
    },
    async stop() {
      if (child.exitCode === null) {
        const exited = new Promise((r) => child.once('exit', r));
        child.kill('SIGTERM');
        await Promise.race([exited, new Promise((r) => setTimeout(r, 5000))]);
        if (child.exitCode === null) child.kill('SIGKILL');
      }
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
