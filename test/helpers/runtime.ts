/** Starts the local runtime in-process on a free port with a temp data dir, for integration tests. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startRuntime, type Runtime, type RuntimeOptions } from '../../src/adapters/local/runtime';
import type { ResolverName } from '../../src/shared/contract';

export interface TestRuntime extends Runtime {
  dataDir: string;
  post(path: string, body: unknown, headers?: Record<string, string>): Promise<{ status: number; json: any }>;
  resolver<T = any>(name: ResolverName, payload: unknown, extension: unknown, accountId?: string): Promise<T>;
  /** Waits until the queue has nothing due or running. */
  settle(): Promise<void>;
  stop(): Promise<void>;
}

export const silentLog = { debug() {}, info() {}, warn() {}, error() {} };

export async function startTestRuntime(
  options: { webhookSecret?: string; dataDir?: string; log?: typeof silentLog; runtime?: Partial<RuntimeOptions> } = {},
): Promise<TestRuntime> {
  const dataDir = options.dataDir ?? mkdtempSync(join(tmpdir(), 'build-alerts-it-'));
  const runtime = await startRuntime({ host: '127.0.0.1', port: 0, dataDir, webhookSecret: options.webhookSecret ?? null, log: options.log ?? silentLog, ...options.runtime });
  const post = async (path: string, body: unknown, headers: Record<string, string> = {}) => {
    const res = await fetch(runtime.url + path, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body: typeof body === 'string' || Buffer.isBuffer(body) ? (body as string) : JSON.stringify(body),
    });
    const text = await res.text();
    let json: any = null;
    try { json = JSON.parse(text); } catch { json = text; }
    return { status: res.status, json };
  };
  return {
    ...runtime,
    dataDir,
    post,
    async resolver(name, payload, extension, accountId) {
      const res = await post(`/api/resolvers/${name}`, { payload, extension }, accountId ? { 'x-local-account-id': accountId } : {});
      return res.json;
    },
    settle: () => runtime.queue.idle(),
    async stop() {
      await runtime.close();
      if (!options.dataDir) rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
