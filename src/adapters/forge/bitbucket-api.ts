/**
 * BitbucketApi over `api.asApp().requestBitbucket(route`...`)`
 * (https://developer.atlassian.com/platform/forge/apis-reference/fetch-api-product.requestbitbucket/).
 * Every call degrades to null / [] on any failure (non-2xx, timeout, malformed body): enrichment and
 * reconciliation are best effort, an alert without a commit message beats no alert.
 *
 * `repo` is what the app has at hand: "{uuid}", a bare UUID, a repo key (UUID without braces) or
 * "workspace/slug". Paths name the workspace by its UUID, `/2.0/repositories/{workspaceUuid}/{repoUuid}`,
 * as Atlassian's Forge guidance does (https://developer.atlassian.com/platform/forge/call-a-bitbucket-api/;
 * @forge/api has an `InvalidWorkspaceRequestedError` for paths naming another workspace): with only a
 * repository UUID the installation's workspace UUID goes in. `{}` is used only when neither is known.
 *
 * Each call site passes its `route` literal straight to `requestBitbucket(...)`, so @forge/lint's
 * permission linter can read the path and check its scope (docs/deploy.md, "Bitbucket endpoints and scopes").
 * Memory caches live as long as this object: one invocation (app-instance.ts).
 */
import api, { route, type Route } from '@forge/api';
import { bracedUuid } from './invocation';
import type { LogTail } from '../../core/alerts/alert';
import type { Person } from '../../core/events/repo-event';
import { LOG_TAIL_LIMITS, processLogTail, stepDurationSeconds } from '../../core/log-tail';
import type {
  BitbucketApi, CommitDetails, FailedStepDetails, KeyValueStore, Logger, PipelineDetails, RepositoryDetails,
} from '../../core/ports';
import { keys } from '../../core/storage-keys';

export interface BitbucketResponse {
  ok: boolean;
  status: number;
  json(): Promise<unknown>;
  /** Present on real responses (@forge/api `APIResponse`); the log endpoint answers text, not JSON. */
  text?(): Promise<string>;
  headers?: { get(name: string): string | null };
}
export interface BitbucketRequestInit {
  headers?: Record<string, string>;
}
/** What `api.asApp()` and `api.asUser()` return, as far as this adapter uses it. */
export interface BitbucketClient {
  requestBitbucket(path: Route, init?: BitbucketRequestInit): Promise<BitbucketResponse>;
}

export interface ForgeBitbucketApiOptions {
  log: Logger;
  /** Shared cache across instances (KVS, billed: only immutable or slow-changing answers go here). */
  store?: KeyValueStore;
  /** Defaults to `api.asApp()`. */
  asApp?: BitbucketClient;
  now?: () => number;
  timeoutMs?: number;
  /** The installation's workspace UUID (braced), used when a repository is known by UUID only. */
  workspaceUuid?: string | null;
}

const UUID = /^\{?([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})\}?$/i;
const HASH = /^[0-9a-f]{7,40}$/i;
const SEGMENT = /^[A-Za-z0-9._\-{}]+$/;

/**
 * Path segments for a repository reference, or null when it cannot be addressed (e.g. a hashed name key).
 * A bare repository UUID gets `workspaceUuid` as its workspace, or `{}` when that is unknown.
 */
export function repoSegments(repo: string, workspaceUuid?: string | null): { workspace: string; repo: string } | null {
  const trimmed = repo.trim();
  const uuid = UUID.exec(trimmed);
  if (uuid) return { workspace: bracedUuid(workspaceUuid) ?? '{}', repo: `{${uuid[1]!.toLowerCase()}}` };
  const parts = trimmed.split('/');
  if (parts.length !== 2 || !parts[0] || !parts[1]) return null;
  const [ws, slug] = parts as [string, string];
  const norm = (s: string) => (UUID.test(s) ? `{${UUID.exec(s)![1]!.toLowerCase()}}` : s);
  const out = { workspace: norm(ws), repo: norm(slug) };
  return SEGMENT.test(out.workspace) && SEGMENT.test(out.repo) ? out : null;
}

export const braced = (uuid: string): string | null => {
  const m = UUID.exec(uuid.trim());
  return m ? `{${m[1]!.toLowerCase()}}` : null;
};

const MEMORY_TTL_MS = { repository: 5 * 60_000, commit: 60 * 60_000, branches: 2 * 60_000, pipelines: 30_000, step: 60 * 60_000, miss: 60_000 };
/**
 * KVS cache lifetimes (seconds): repository details change rarely; a finished pipeline's steps, its
 * creator and a finished step's log never do (the log tail is stored processed: at most 2 KB).
 */
const KVS_TTL_S = { repository: 3600, step: 86_400, pipeline: 86_400, log: 86_400 };
const MAX_ENTRIES = 500;
/** What a call or a body read settles to when timeoutMs passes first. */
const TIMED_OUT = Symbol('timed out');

const obj = (v: unknown): Record<string, unknown> => (v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : {});
const str = (v: unknown): string | null => (typeof v === 'string' && v.length > 0 ? v : null);

function toRepository(raw: unknown): RepositoryDetails | null {
  const r = obj(raw);
  const fullName = str(r.full_name);
  if (!fullName) return null;
  return {
    uuid: str(r.uuid),
    fullName,
    slug: str(r.slug) ?? fullName.split('/')[1] ?? fullName,
    mainBranch: str(obj(r.mainbranch).name),
    url: str(obj(obj(r.links).html).href),
  };
}

function toCommit(raw: unknown): CommitDetails | null {
  const c = obj(raw);
  const hash = str(c.hash);
  if (!hash) return null;
  const author = obj(c.author);
  const user = obj(author.user);
  const rawAuthor = str(author.raw);
  const email = rawAuthor ? (/<([^>]+)>/.exec(rawAuthor)?.[1] ?? null) : null;
  const name = str(user.display_name) ?? (rawAuthor ? rawAuthor.replace(/\s*<[^>]*>\s*$/, '') : null);
  return {
    hash,
    message: str(c.message),
    author: name || str(user.account_id) ? { name, accountId: str(user.account_id), uuid: str(user.uuid), email } : null,
    url: str(obj(obj(c.links).html).href),
  };
}

function toPerson(raw: unknown): Person | null {
  const a = obj(raw);
  const name = str(a.display_name) ?? str(a.nickname);
  const accountId = str(a.account_id);
  if (!name && !accountId) return null;
  return { name, accountId, uuid: str(a.uuid) };
}

function toFailedStep(body: Record<string, unknown>): FailedStepDetails | null {
  if (!Array.isArray(body.values)) return null;
  const failed = body.values.map(obj).find((s) => ['FAILED', 'ERROR'].includes(str(obj(obj(s.state).result).name) ?? ''));
  if (!failed) return null;
  return { uuid: braced(str(failed.uuid) ?? ''), name: str(failed.name), durationSeconds: stepDurationSeconds(failed) };
}

/** "bytes 1000-17383/17384" → 1000; null when absent or unreadable. */
function rangeStart(contentRange: string | null | undefined): number | null {
  const m = contentRange ? /^bytes\s+(\d+)-\d+\/(?:\d+|\*)$/i.exec(contentRange.trim()) : null;
  return m ? Number(m[1]) : null;
}

const BITBUCKET_HOST = /(^|\.)bitbucket\.org$/i;

/** The last `max` UTF-8 bytes of `text` (a partial character at the cut becomes U+FFFD, on the partial first line that is dropped). */
function lastBytes(text: string, max: number): { text: string; cut: boolean } {
  const bytes = Buffer.from(text, 'utf8');
  if (bytes.length <= max) return { text, cut: false };
  return { text: bytes.subarray(bytes.length - max).toString('utf8'), cut: true };
}

export function createForgeBitbucketApi(options: ForgeBitbucketApiOptions): BitbucketApi {
  const now = options.now ?? Date.now;
  const timeoutMs = options.timeoutMs ?? 8000;
  const app: BitbucketClient = options.asApp ?? (api.asApp() as unknown as BitbucketClient);
  const segments = (repo: string) => repoSegments(repo, options.workspaceUuid);
  const memory = new Map<string, { value: unknown; expires: number }>();

  const remember = (key: string, value: unknown, ttlMs: number) => {
    if (memory.size >= MAX_ENTRIES) memory.delete(memory.keys().next().value as string);
    memory.set(key, { value, expires: now() + ttlMs });
  };
  const recall = (key: string): { value: unknown } | undefined => {
    const hit = memory.get(key);
    if (!hit) return undefined;
    if (hit.expires <= now()) {
      memory.delete(key);
      return undefined;
    }
    return { value: hit.value };
  };

  /**
   * Makes `call` and reads its answer with `read`, the call and the read together within timeoutMs.
   * Null (and a log line) on a timeout of the call or a thrown error. Never throws.
   */
  async function timedCall<R>(
    call: () => Promise<BitbucketResponse>, what: string,
    read: (res: BitbucketResponse, within: <T>(p: Promise<T>) => Promise<T | typeof TIMED_OUT>) => Promise<R | null>,
  ): Promise<R | null> {
    let timer: NodeJS.Timeout | undefined;
    try {
      const timeout = new Promise<typeof TIMED_OUT>((resolve) => {
        timer = setTimeout(() => resolve(TIMED_OUT), timeoutMs);
      });
      const within = <T>(p: Promise<T>) => Promise.race([p, timeout]);
      const res = await within(call());
      if (res === TIMED_OUT) {
        options.log.warn({ call: what, timeoutMs }, 'Bitbucket API call timed out');
        return null;
      }
      return await read(res, within);
    } catch (e) {
      options.log.warn({ call: what, err: (e as Error)?.message }, 'Bitbucket API call failed');
      return null;
    } finally {
      clearTimeout(timer);
    }
  }

  /** Makes `call`; the parsed JSON body on 2xx, null on anything else. Never throws. */
  const getJson = (call: () => Promise<BitbucketResponse>, what: string): Promise<unknown | null> =>
    timedCall(call, what, async (res, within) => {
      if (!res.ok) {
        options.log.warn({ call: what, status: res.status }, 'Bitbucket API call failed');
        return null;
      }
      const body = await within(res.json());
      return body === TIMED_OUT ? null : body;
    });

  /**
   * Makes `call` and reads the body as text, whatever the status (the log endpoint answers
   * application/octet-stream). Null on timeout or a thrown error. Never throws.
   */
  const getText = (call: () => Promise<BitbucketResponse>, what: string): Promise<{ status: number; text: string; header: (n: string) => string | null } | null> =>
    timedCall(call, what, async (res, within) => {
      const header = (n: string) => res.headers?.get(n) ?? null;
      if (res.status < 200 || res.status >= 300 || !res.text) return { status: res.status, text: '', header };
      const text = await within(res.text());
      if (text === TIMED_OUT) {
        options.log.warn({ call: what, timeoutMs }, 'Bitbucket API call timed out');
        return null;
      }
      return { status: res.status, text, header };
    });

  /** Memory first, then KVS (when given a TTL), then the API; misses are remembered briefly in memory only. */
  async function cached<T>(name: string, memoryTtlMs: number, kvsTtlS: number | null, load: () => Promise<T | null>): Promise<T | null> {
    const hit = recall(name);
    if (hit) return hit.value as T | null;
    const kvsKey = keys.cache(`bb:${name}`);
    if (kvsTtlS !== null && options.store) {
      try {
        const stored = await options.store.get<T>(kvsKey);
        if (stored !== undefined) {
          remember(name, stored, memoryTtlMs);
          return stored;
        }
      } catch (e) {
        options.log.debug({ err: (e as Error)?.message }, 'Bitbucket cache read failed');
      }
    }
    const value = await load();
    remember(name, value, value === null ? MEMORY_TTL_MS.miss : memoryTtlMs);
    if (value !== null && kvsTtlS !== null && options.store) {
      try {
        await options.store.set(kvsKey, value, { ttlSeconds: kvsTtlS });
      } catch (e) {
        options.log.debug({ err: (e as Error)?.message }, 'Bitbucket cache write failed');
      }
    }
    return value;
  }

  const clampPage = (n: number | undefined, dflt: number) => Math.min(100, Math.max(1, Math.floor(n ?? dflt)));

  /**
   * A failed run's failed step and its creator, read together and cached as one entry: enrichment
   * wants both, and one KVS read per evaluated failure is what the storage budget allows
   * (test/forge/reconcile.test.ts). Stored in KVS only when both answers came (a finished run's
   * steps and creator never change); a partial answer is remembered in memory only.
   */
  async function runInfo(repo: string, pipelineUuid: string): Promise<{ step: FailedStepDetails | null; pipeline: PipelineDetails | null } | null> {
    const seg = segments(repo);
    const pipeline = braced(pipelineUuid);
    if (!seg || !pipeline) return null;
    const name = `run:${seg.workspace}/${seg.repo}:${pipeline}`;
    const load = async () => {
      const step = toFailedStep(obj(await getJson(() => app.requestBitbucket(route`/2.0/repositories/${seg.workspace}/${seg.repo}/pipelines/${pipeline}/steps/?pagelen=${100}`), 'getFailedStep')));
      // https://developer.atlassian.com/cloud/bitbucket/rest/api-group-pipelines/#api-repositories-workspace-repo-slug-pipelines-pipeline-uuid-get
      const body = obj(await getJson(() => app.requestBitbucket(route`/2.0/repositories/${seg.workspace}/${seg.repo}/pipelines/${pipeline}`), 'getPipeline'));
      const uuid = str(body.uuid);
      const details: PipelineDetails | null = uuid ? { uuid, creator: toPerson(body.creator), trigger: str(obj(body.trigger).type) } : null;
      return { step, pipeline: details };
    };
    const hit = recall(name);
    if (hit) return hit.value as { step: FailedStepDetails | null; pipeline: PipelineDetails | null };
    const complete = await cached(name, MEMORY_TTL_MS.step, KVS_TTL_S.step, async () => {
      const value = await load();
      if (value.step && value.pipeline) return value;
      remember(`${name}:partial`, value, MEMORY_TTL_MS.miss);
      return null;
    });
    if (complete) return complete;
    return (recall(`${name}:partial`)?.value as { step: FailedStepDetails | null; pipeline: PipelineDetails | null } | undefined) ?? null;
  }

  const self: BitbucketApi = {
    async getRepository(repo) {
      const seg = segments(repo);
      if (!seg) return null;
      return cached(`repo:${seg.workspace}/${seg.repo}`, MEMORY_TTL_MS.repository, KVS_TTL_S.repository, async () =>
        toRepository(await getJson(() => app.requestBitbucket(route`/2.0/repositories/${seg.workspace}/${seg.repo}`), 'getRepository')),
      );
    },

    async getCommit(repo, hash) {
      const seg = segments(repo);
      if (!seg || !HASH.test(hash)) return null;
      return cached(`commit:${seg.workspace}/${seg.repo}:${hash}`, MEMORY_TTL_MS.commit, null, async () =>
        toCommit(await getJson(() => app.requestBitbucket(route`/2.0/repositories/${seg.workspace}/${seg.repo}/commit/${hash}`), 'getCommit')),
      );
    },

    async listBranches(repo, limit) {
      const seg = segments(repo);
      if (!seg) return [];
      const pagelen = clampPage(limit, 100);
      const names = await cached(`branches:${seg.workspace}/${seg.repo}:${pagelen}`, MEMORY_TTL_MS.branches, null, async () => {
        const body = obj(await getJson(() => app.requestBitbucket(route`/2.0/repositories/${seg.workspace}/${seg.repo}/refs/branches?pagelen=${pagelen}&sort=${'-target.date'}`), 'listBranches'));
        if (!Array.isArray(body.values)) return null;
        return body.values.map((b) => str(obj(b).name)).filter((n): n is string => n !== null);
      });
      return names ?? [];
    },

    async listRecentPipelines(repo, limit) {
      const seg = segments(repo);
      if (!seg) return [];
      const pagelen = clampPage(limit, 20);
      const values = await cached(`pipelines:${seg.workspace}/${seg.repo}:${pagelen}`, MEMORY_TTL_MS.pipelines, null, async () => {
        const body = obj(await getJson(() => app.requestBitbucket(route`/2.0/repositories/${seg.workspace}/${seg.repo}/pipelines/?sort=${'-created_on'}&pagelen=${pagelen}`), 'listRecentPipelines'));
        return Array.isArray(body.values) ? (body.values as unknown[]) : null;
      });
      return values ?? [];
    },

    async getFailedStep(repo, pipelineUuid) {
      return (await self.getFailedStepDetails(repo, pipelineUuid))?.name ?? null;
    },

    async getFailedStepDetails(repo, pipelineUuid) {
      return (await runInfo(repo, pipelineUuid))?.step ?? null;
    },

    async getPipeline(repo, pipelineUuid) {
      return (await runInfo(repo, pipelineUuid))?.pipeline ?? null;
    },

    /**
     * GET …/steps/{step_uuid}/log (https://developer.atlassian.com/cloud/bitbucket/rest/api-group-pipelines/#api-repositories-workspace-repo-slug-pipelines-pipeline-uuid-steps-step-uuid-log-get).
     * The reference "supports (and encourages!)" Range requests and documents 200 (the raw log), 304
     * (same etag as If-None-Match, which we never send), 307 ("after the step is completed, the log
     * is moved to long term storage and a redirection to the log file is returned"), 404 (no such
     * pipeline or step, or no log file) and 416 (the range does not exist). It does not list 206,
     * which RFC 7233 prescribes for a satisfied range; both 200 and 206 are read here.
     * A redirect that @forge/api's product fetch hands back unfollowed cannot be followed: the
     * storage host is outside Bitbucket and not an egress host of the manifest, and a pre-signed URL
     * is a credential, so only its host is logged and the alert goes out without the log.
     */
    async getStepLogTail(repo, pipelineUuid, stepUuid) {
      const seg = segments(repo);
      const pipeline = braced(pipelineUuid);
      const step = braced(stepUuid);
      if (!seg || !pipeline || !step) return null;
      const tail = await cached(`log:${seg.workspace}/${seg.repo}:${pipeline}:${step}`, MEMORY_TTL_MS.step, KVS_TTL_S.log, async (): Promise<LogTail | null> => {
        const res = await getText(() => app.requestBitbucket(route`/2.0/repositories/${seg.workspace}/${seg.repo}/pipelines/${pipeline}/steps/${step}/log`, {
          // Only the tail; Accept must not be JSON-only (the log is application/octet-stream).
          headers: { Range: `bytes=-${LOG_TAIL_LIMITS.fetchBytes}`, Accept: 'application/octet-stream, text/plain, */*' },
        }), 'getStepLogTail');
        if (!res) return null;
        if (res.status === 206 || res.status === 200) {
          const start = rangeStart(res.header('content-range'));
          // 200: the whole log (Range ignored); take the tail here. 206: the tail; partial unless it starts at byte 0.
          const { text, cut } = lastBytes(res.text, LOG_TAIL_LIMITS.fetchBytes);
          const startsMidway = cut || (res.status === 206 && (start === null ? Buffer.byteLength(res.text, 'utf8') >= LOG_TAIL_LIMITS.fetchBytes : start > 0));
          return processLogTail(text, { startsMidway }) ?? { lines: [], truncated: false };
        }
        // A suffix range of an empty log is unsatisfiable (RFC 7233 §2.1): nothing to show, and it stays so.
        if (res.status === 416) return { lines: [], truncated: false };
        if (res.status >= 300 && res.status < 400) {
          let host: string | null = null;
          try {
            host = new URL(res.header('location') ?? '', 'https://api.bitbucket.org').host;
          } catch {
            host = null;
          }
          const where = host && BITBUCKET_HOST.test(host) ? 'a Bitbucket host' : 'log storage outside Bitbucket (would need egress)';
          options.log.warn({ call: 'getStepLogTail', status: res.status, locationHost: host }, `step log redirected to ${where}; sending without the log`);
          return null;
        }
        options.log.warn({ call: 'getStepLogTail', status: res.status }, res.status === 404 ? 'step has no log' : 'Bitbucket API call failed');
        return null;
      });
      return tail && tail.lines.length > 0 ? tail : null;
    },
  };
  return self;
}
