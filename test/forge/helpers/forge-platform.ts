/**
 * The Forge platform edge, faked in one place so the app's own Forge code runs unchanged on top:
 *
 * - `global.__forge_fetch__` is the hook every @forge/* client calls (node_modules/@forge/api/out/api/fetch.js
 *   `__fetchProduct`, node_modules/@forge/kvs/out). It is served here by target:
 *     `{ type: 'kvs' }`                                       → the in-memory KVS of test/fakes/forge-kvs.ts
 *     `{ type: 'fpp', remote: 'bitbucket', provider: 'app' | 'user' }` → scripted Bitbucket REST answers
 *     `{ type: 'fpp', remote: 'stargate', provider: 'app' }`  → @forge/events `Queue.push` (test/fakes/forge-events.ts)
 *   Every storage op is recorded with the keys it names, as it arrives, so tests count real round trips.
 * - `globalThis.fetch` is what @forge/api's egress `fetch` wraps (captured when @forge/api loads), so
 *   this module replaces it on import: import it before anything that loads @forge/api, and load the
 *   app with `loadForgeEntry()` (fresh module registry: a cold Forge container).
 * - Queue jobs are delivered to the consumer the way Forge does, `{ body, jobId, retryContext }`, and a
 *   returned `InvocationError` (`{ _retry, retryOptions: { retryAfter } }`) is honoured by redelivering
 *   after advancing the (fake) clock by `retryAfter`.
 * - Every function gets the documented second argument, `{ installContext, principal?, workspaceId? }`
 *   (https://developer.atlassian.com/platform/forge/function-reference/arguments/#context-schema), with
 *   the Bitbucket installation's ARI `ari:cloud:bitbucket::workspace/<uuid>`; `global.__forge_runtime__`
 *   (read by @forge/api, node_modules/@forge/api/out/api/runtime.js `__getRuntime`) holds the same
 *   installation's `appContext` and `contextAri`, as the runtime sets them per invocation.
 * - `webTrigger.getUrl` reaches `{ type: 'fpp', remote: 'stargate' }` `/graphql` with the
 *   `createWebTriggerUrl` mutation (node_modules/@forge/api/out/webTrigger.js); the fake answers a URL
 *   per `input.contextId`, so each installation has its own.
 * - Resolver calls carry what the page sends: for the repository settings page, an extension of `type`,
 *   `repository.uuid` and `location`, no workspace
 *   (https://developer.atlassian.com/platform/forge/manifest-reference/modules/bitbucket-repository-settings-menu-page/),
 *   and `workspaceId` in the context (https://developer.atlassian.com/platform/forge/runtime-reference/forge-resolver/).
 */
import { forgeEventsFake, type PushedRequest } from '../../fakes/forge-events';
import { installForgeKvsFake, type ForgeKvsFake } from '../../fakes/forge-kvs';

// ---------- egress (global fetch) ----------

export interface EgressRequest {
  url: string;
  method: string;
  headers: Record<string, string>;
  body: string;
  json: any;
}
export type EgressReply = { status: number; body?: string; headers?: Record<string, string> };

let egressHandler: ((req: EgressRequest) => EgressReply) | null = null;
const originalFetch = globalThis.fetch;
globalThis.fetch = (async (input: unknown, init?: { method?: string; headers?: Record<string, string>; body?: string }) => {
  if (!egressHandler) throw new Error('egress fetch called with no platform installed');
  const body = typeof init?.body === 'string' ? init.body : '';
  let json: unknown = null;
  try {
    json = JSON.parse(body);
  } catch {
    /* not JSON */
  }
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(init?.headers ?? {})) headers[k.toLowerCase()] = String(v);
  const reply = egressHandler({ url: String(input), method: init?.method ?? 'GET', headers, body, json });
  return new Response(reply.body ?? '', { status: reply.status, headers: { 'content-type': 'application/json', ...(reply.headers ?? {}) } });
}) as typeof fetch;

// ---------- the platform ----------

export type StorageOp = { op: string; keys: string[] };
/** `headers`: e.g. `forge-proxy-error: NEEDS_AUTHENTICATION_ERR`, what Forge's proxy answers for a user who has not consented (node_modules/@forge/api/out/api/fetch.js `handleProxyResponseErrors`). */
export type BitbucketReply = { status: number; body?: unknown; headers?: Record<string, string> };
export interface BitbucketCall {
  provider: 'app' | 'user';
  path: string;
}
export interface QueuedJob {
  body: Record<string, unknown>;
  jobId: string;
  retryCount: number;
  delayInSeconds?: number;
}

/** The documented function context (second handler argument) of one installation. */
export interface ForgeFunctionContext {
  installContext: string;
  principal?: { accountId: string };
  workspaceId?: string;
}

export interface ForgePlatform {
  kvs: ForgeKvsFake;
  /** The installation whose invocations run now (`useInstallation` switches, as a warm process does). */
  workspaceUuid: string;
  /** The function context of the current installation. */
  context: ForgeFunctionContext;
  useInstallation(workspaceUuid: string): void;
  /** Web trigger URLs handed out, by context ARI. */
  webTriggerUrls: Map<string, string>;
  /** Every storage op that reached the platform, in order. */
  storage: StorageOp[];
  bitbucket: {
    calls: BitbucketCall[];
    /** Answers a Bitbucket REST call; default 404. */
    answer: (call: BitbucketCall) => BitbucketReply;
  };
  egress: {
    requests: EgressRequest[];
    /** Scripted replies for the next requests, then `fallback`. */
    script: EgressReply[];
    fallback: EgressReply;
  };
  queue: {
    pushes: PushedRequest[];
    /** Statuses the next pushes are refused with (429: RateLimitError). */
    refuse: number[];
    pending: QueuedJob[];
    /** Jobs handed to the consumer, with what it returned. */
    delivered: { job: QueuedJob; result: unknown }[];
  };
  uninstall(): void;
}

const WRITE_OPS = new Set(['set', 'batch/set', 'delete', 'transaction', 'secret/set', 'secret/delete']);
export const isWrite = (op: StorageOp): boolean => WRITE_OPS.has(op.op);

function keysOf(op: string, body: any): string[] {
  if (Array.isArray(body)) return body.map((i: { key: string }) => i.key);
  if (op === 'query') return (body?.where ?? []).map((w: { values: unknown[] }) => `${String(w.values?.[0])}*`);
  if (op === 'transaction') return [...(body?.set ?? []), ...(body?.delete ?? [])].map((i: { key: string }) => i.key);
  return body?.key !== undefined ? [String(body.key)] : [];
}

export const DEFAULT_WORKSPACE_UUID = '{4c16a397-8e48-479c-8ca2-442e46c90570}';
export const workspaceAri = (workspaceUuid: string): string => `ari:cloud:bitbucket::workspace/${workspaceUuid.replace(/[{}]/g, '')}`;

const noMetrics = { counter: () => ({ incr: () => undefined }), timing: () => ({ measure: () => ({ stop: () => undefined }) }) };

export function installForgePlatform(options: { workspaceUuid?: string } = {}): ForgePlatform {
  type Hook = (target: any, path: string, init: any) => Promise<Response>;
  const g = globalThis as { __forge_fetch__?: Hook; __forge_runtime__?: unknown };
  // Forge KVS is per installation: each installation gets its own store, routed by the current one.
  const stores = new Map<string, { kvs: ForgeKvsFake; hook: Hook }>();
  const storeFor = (workspaceUuid: string) => {
    let entry = stores.get(workspaceUuid);
    if (!entry) {
      const router = g.__forge_fetch__;
      const fake = installForgeKvsFake({ now: () => Date.now() });
      entry = { kvs: fake, hook: g.__forge_fetch__! };
      if (router) g.__forge_fetch__ = router;
      stores.set(workspaceUuid, entry);
    }
    return entry;
  };
  const first = storeFor(options.workspaceUuid ?? DEFAULT_WORKSPACE_UUID);
  const kvs = first.kvs;
  const kvsFetch: Hook = (target, path, init) => storeFor(platform.workspaceUuid).hook(target, path, init);
  const events = forgeEventsFake();
  let jobSeq = 0;

  const platform: ForgePlatform = {
    kvs,
    workspaceUuid: '',
    context: { installContext: '' },
    useInstallation(workspaceUuid: string) {
      platform.kvs = storeFor(workspaceUuid).kvs;
      platform.workspaceUuid = workspaceUuid;
      platform.context = { installContext: workspaceAri(workspaceUuid) };
      g.__forge_runtime__ = {
        appContext: { appId: '00000000-0000-0000-0000-000000000000', environmentId: 'env-development', environmentType: 'DEVELOPMENT', installationId: `inst-${workspaceUuid.replace(/[{}]/g, '')}`, invocationId: 'inv' },
        contextAri: workspaceAri(workspaceUuid),
        metrics: noMetrics,
        lambdaContext: {},
      };
    },
    webTriggerUrls: new Map(),
    storage: [],
    bitbucket: { calls: [], answer: () => ({ status: 404, body: { type: 'error', error: { message: 'not found' } } }) },
    egress: { requests: [], script: [], fallback: { status: 200, body: '{"ok":true}' } },
    queue: { pushes: events.pushes, refuse: events.refuse, pending: [], delivered: [] },
    uninstall() {
      egressHandler = null;
      for (const { kvs: store } of stores.values()) store.uninstall();
    },
  };

  g.__forge_fetch__ = async (target, path, init) => {
    if (target?.type === 'kvs') {
      const op = path.replace(/^\/api\/v1\//, '');
      let body: unknown = null;
      try {
        body = JSON.parse(init?.body ?? 'null');
      } catch {
        /* the fake answers malformed bodies itself */
      }
      platform.storage.push({ op, keys: keysOf(op, body) });
      return kvsFetch(target, path, init);
    }
    if (target?.type === 'fpp' && target.remote === 'bitbucket') {
      const call: BitbucketCall = { provider: target.provider === 'user' ? 'user' : 'app', path };
      platform.bitbucket.calls.push(call);
      const reply = platform.bitbucket.answer(call);
      return new Response(reply.body === undefined ? null : JSON.stringify(reply.body), { status: reply.status, headers: { 'content-type': 'application/json', ...(reply.headers ?? {}) } });
    }
    if (target?.type === 'fpp' && target.remote === 'stargate' && path === '/graphql') {
      const body = JSON.parse(init?.body ?? '{}') as { query?: string; variables?: { input?: { contextId?: string; triggerKey?: string } } };
      const input = body.variables?.input;
      if (!body.query?.includes('createWebTriggerUrl') || !input?.contextId) return new Response('{"errors":[{"message":"unexpected query"}]}', { status: 400 });
      let url = platform.webTriggerUrls.get(input.contextId);
      if (!url) {
        url = `https://${platform.webTriggerUrls.size + 1}a2b3c4d.hello.atlassian-dev.net/x1/wt-${input.contextId.split('/').pop()}-${input.triggerKey}`;
        platform.webTriggerUrls.set(input.contextId, url);
      }
      return new Response(JSON.stringify({ data: { createWebTriggerUrl: { url } } }), { status: 200, headers: { 'content-type': 'application/json' } });
    }
    if (target?.type === 'fpp' && target.remote === 'stargate' && path.startsWith('/webhook/queue/publish/')) {
      const before = events.pushes.length;
      const res = await events.apiClient(path, init);
      if (events.pushes.length === before) return res as unknown as Response;
      const push = events.pushes[events.pushes.length - 1]!;
      for (const e of push.payload) {
        platform.queue.pending.push({ body: e.body, jobId: `job-${++jobSeq}`, retryCount: 0, ...(e.delayInSeconds ? { delayInSeconds: e.delayInSeconds } : {}) });
      }
      return res as unknown as Response;
    }
    return new Response(JSON.stringify({ message: `no fake for ${target?.type}/${target?.remote} ${path}` }), { status: 404 });
  };

  egressHandler = (req) => {
    platform.egress.requests.push(req);
    return platform.egress.script.shift() ?? platform.egress.fallback;
  };
  platform.useInstallation(options.workspaceUuid ?? DEFAULT_WORKSPACE_UUID);
  return platform;
}

/** The Forge entry (src/index.ts) in a fresh module registry: a cold container with its own App instance. */
export type ForgeEntry = typeof import('../../../src/index');
export function loadForgeEntry(options: { declaredHosts?: string[] } = {}): ForgeEntry {
  let entry: ForgeEntry | undefined;
  jest.isolateModules(() => {
    // A team whose generic webhook receiver is on its own host declares it in manifest.yml; the fresh
    // module instance of the egress list stands for that team's manifest.
    const hosts = require('../../../src/shared/egress-hosts').FORGE_EGRESS_HOSTS as string[];
    hosts.push(...(options.declaredHosts ?? []));
    entry = require('../../../src/index') as ForgeEntry;
  });
  return entry!;
}

type InvocationRetry = { _retry?: boolean; retryOptions?: { retryAfter?: number } };

/**
 * Runs queued jobs through the consumer until the queue is empty, as Forge would: one job at a time,
 * `retryContext` on redeliveries, a returned InvocationError puts the job back after `retryAfter`
 * seconds (the fake clock moves on). A job's push delay moves the clock too. Bounded, so a retry loop fails the test.
 */
export async function drainQueue(platform: ForgePlatform, entry: ForgeEntry, options: { maxSteps?: number } = {}): Promise<void> {
  const max = options.maxSteps ?? 200;
  for (let step = 0; platform.queue.pending.length > 0; step++) {
    if (step >= max) throw new Error(`queue did not drain in ${max} steps; pending: ${JSON.stringify(platform.queue.pending.map((j) => j.body.type))}`);
    const job = platform.queue.pending.shift()!;
    if (job.delayInSeconds) jest.setSystemTime(Date.now() + job.delayInSeconds * 1000);
    const event = {
      body: job.body,
      jobId: job.jobId,
      ...(job.retryCount > 0 ? { retryContext: { retryCount: job.retryCount, retryReason: 'FUNCTION_RETRY_REQUEST' } } : {}),
    };
    const result = (await entry.onQueueJob(event as never, platform.context)) as InvocationRetry | void;
    platform.queue.delivered.push({ job, result });
    if (result && result._retry) {
      const { delayInSeconds: _d, ...rest } = job;
      platform.queue.pending.push({ ...rest, retryCount: job.retryCount + 1, delayInSeconds: result.retryOptions?.retryAfter ?? 1 });
    }
  }
}

/** Restores the real global fetch (for files that need it after this platform). */
export function restoreGlobalFetch(): void {
  globalThis.fetch = originalFetch;
}

/** The extension the repository settings page sends: `type`, `repository.uuid`, `location`; no workspace. */
export function repoPageExtension(repositoryUuid: string): Record<string, unknown> {
  return {
    type: 'bitbucket:repoSettingsMenuPage',
    repository: { uuid: repositoryUuid },
    location: `https://bitbucket.org/acme/widgets/admin/forge/00000000-0000-0000-0000-000000000000/repo-settings`,
  };
}
/** The workspace settings page's extension: its type and location. */
export const workspacePageExtension = (): Record<string, unknown> => ({
  type: 'bitbucket:workspaceSettingsMenuPage',
  location: 'https://bitbucket.org/acme/workspace/settings/forge/00000000-0000-0000-0000-000000000000/workspace-settings',
});

/**
 * Calls the `resolver` export as Forge does: the page's call and context (its extension, and the
 * `workspaceId` of the installation), plus the platform's runtime payload (principal, installContext).
 */
export function callResolver(
  entry: ForgeEntry,
  functionKey: string,
  payload: unknown,
  extension: Record<string, unknown>,
  accountId: string,
  platform?: Pick<ForgePlatform, 'context' | 'workspaceUuid'>,
): Promise<any> {
  const resolver = entry.resolver as unknown as (request: unknown, runtime: unknown) => Promise<unknown>;
  const installContext = platform?.context.installContext ?? workspaceAri(DEFAULT_WORKSPACE_UUID);
  const workspaceId = platform?.workspaceUuid ?? DEFAULT_WORKSPACE_UUID;
  return resolver({ call: { functionKey, payload }, context: { extension, workspaceId } }, { principal: { accountId }, installContext }) as Promise<any>;
}
