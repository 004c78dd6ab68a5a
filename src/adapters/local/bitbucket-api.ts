/**
 * The Bitbucket port for the self-hosted runtime: BUILD_ALERTS_BITBUCKET_URL and
 * BUILD_ALERTS_BITBUCKET_TOKEN (docs/self-hosted-bitbucket.md).
 *
 * - Cloud (`https://api.bitbucket.org`): the Forge adapter itself (forge/bitbucket-api.ts: same
 *   REST 2.0 paths, mapping and caches) over a `fetch` client that stands in for
 *   `api.asApp().requestBitbucket`. The installation's workspace is unknown locally, so a repository
 *   known by UUID only is addressed as `/2.0/repositories/{}/{repoUuid}`.
 * - Data Center (any other base URL): REST 1.0 under `/rest/api/1.0`, repositories named
 *   `PROJECT/slug` as DC webhooks name them (core/events/common.ts `dcRepository`). DC has no
 *   Pipelines: the pipeline methods answer [] / null without a request.
 *
 * Same contract as Forge: every call degrades to null / [] on any failure, with a warn line that
 * names the call and the status, never the token or a pre-signed URL. Bodies are bounded.
 */
import { createForgeBitbucketApi, type BitbucketClient, type BitbucketRequestInit, type BitbucketResponse } from '../forge/bitbucket-api';
import type { Person } from '../../core/events/repo-event';
import type { BitbucketApi, CommitDetails, KeyValueStore, Logger, RepositoryDetails } from '../../core/ports';

export type BitbucketKind = 'cloud' | 'data-center';

export interface BitbucketConnection {
  /** Origin plus optional context path, without a trailing slash or API version. */
  baseUrl: string;
  token: string;
  kind: BitbucketKind;
}

export const CLOUD_API_URL = 'https://api.bitbucket.org';

export class BitbucketConfigError extends Error {}

/**
 * The connection the operator configured, or null without a token (the runtime stays offline).
 * Throws BitbucketConfigError, with a message that never contains the token, for a URL that is
 * not http(s), carries credentials, a query or a fragment, or names the Cloud website.
 */
export function bitbucketConnection(input: { url?: string | null; token?: string | null; kind?: string | null }): BitbucketConnection | null {
  const token = input.token?.trim() ?? '';
  if (!token) return null;
  // A token with whitespace or control characters cannot go into a header (and was pasted wrong).
  if (/[\s\u0000-\u001f\u007f]/.test(token)) throw new BitbucketConfigError('BUILD_ALERTS_BITBUCKET_TOKEN contains whitespace or control characters');
  const raw = input.url?.trim() || CLOUD_API_URL;
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new BitbucketConfigError(`BUILD_ALERTS_BITBUCKET_URL "${raw.slice(0, 200)}" is not a URL`);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new BitbucketConfigError(`BUILD_ALERTS_BITBUCKET_URL must be http(s), not ${url.protocol.replace(/:$/, '')}`);
  if (url.username || url.password) throw new BitbucketConfigError('BUILD_ALERTS_BITBUCKET_URL must not contain credentials; put the token in BUILD_ALERTS_BITBUCKET_TOKEN');
  if (url.search || url.hash) throw new BitbucketConfigError('BUILD_ALERTS_BITBUCKET_URL must not have a query or fragment');
  const host = url.hostname.toLowerCase();
  if (host === 'bitbucket.org' || host === 'www.bitbucket.org') throw new BitbucketConfigError(`BUILD_ALERTS_BITBUCKET_URL names Bitbucket Cloud's website; use its API, ${CLOUD_API_URL}`);
  const kindRaw = input.kind?.trim().toLowerCase() || null;
  if (kindRaw !== null && kindRaw !== 'cloud' && kindRaw !== 'data-center') {
    throw new BitbucketConfigError(`BUILD_ALERTS_BITBUCKET_KIND must be "cloud" or "data-center", not "${kindRaw.slice(0, 40)}"`);
  }
  const kind: BitbucketKind = (kindRaw as BitbucketKind | null) ?? (host === 'api.bitbucket.org' ? 'cloud' : 'data-center');
  // The paths below carry the API version; accept a base URL that already names it.
  let path = url.pathname.replace(/\/+$/, '');
  path = kind === 'cloud' ? path.replace(/\/2\.0$/, '') : path.replace(/\/rest\/api\/(?:1\.0|latest)$/, '');
  return { baseUrl: `${url.origin}${path}`, token, kind };
}

// ---------- HTTP ----------

export const MAX_JSON_BYTES = 1024 * 1024;
/** The log is read as a tail: the last MAX_TEXT_BYTES are kept, and reading stops at MAX_TEXT_READ_BYTES. */
const MAX_TEXT_BYTES = 1024 * 1024;
const MAX_TEXT_READ_BYTES = 64 * 1024 * 1024;
const MAX_REDIRECTS = 3;
const DEFAULT_TIMEOUT_MS = 8000;

export interface FetchBitbucketClientOptions {
  baseUrl: string;
  token: string;
  timeoutMs?: number;
  /** Paths (with query) whose redirects may leave the API's origin; the Authorization header never does. */
  foreignRedirects?: (path: string) => boolean;
  fetch?: typeof fetch;
  maxJsonBytes?: number;
}

export interface FetchBitbucketClient extends BitbucketClient {
  get(path: string, init?: BitbucketRequestInit): Promise<BitbucketResponse>;
}

async function readBounded(body: ReadableStream<Uint8Array> | null, max: number): Promise<Buffer> {
  if (!body) return Buffer.alloc(0);
  const reader = body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > max) {
      await reader.cancel().catch(() => undefined);
      throw new Error(`response body over ${max} bytes`);
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks);
}

/** The last `keep` bytes of the body; gives up past `hardMax` bytes. */
async function readTail(body: ReadableStream<Uint8Array> | null, keep: number, hardMax: number): Promise<Buffer> {
  if (!body) return Buffer.alloc(0);
  const reader = body.getReader();
  const chunks: Uint8Array[] = [];
  let kept = 0;
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > hardMax) {
      await reader.cancel().catch(() => undefined);
      throw new Error(`response body over ${hardMax} bytes`);
    }
    chunks.push(value);
    kept += value.byteLength;
    while (chunks.length > 1 && kept - chunks[0]!.byteLength >= keep) kept -= chunks.shift()!.byteLength;
  }
  const all = Buffer.concat(chunks);
  return all.length > keep ? all.subarray(all.length - keep) : all;
}

function wrap(res: Response, maxJson: number): BitbucketResponse {
  // Nobody reads the body of a non-2xx answer (forge/bitbucket-api.ts): free the connection now.
  if (!res.ok) void res.body?.cancel().catch(() => undefined);
  const declared = Number(res.headers.get('content-length') ?? NaN);
  return {
    ok: res.ok,
    status: res.status,
    headers: res.headers,
    async json() {
      if (Number.isFinite(declared) && declared > maxJson) {
        void res.body?.cancel().catch(() => undefined);
        throw new Error(`response body over ${maxJson} bytes`);
      }
      return JSON.parse((await readBounded(res.body, maxJson)).toString('utf8')) as unknown;
    },
    async text() {
      return (await readTail(res.body, MAX_TEXT_BYTES, MAX_TEXT_READ_BYTES)).toString('utf8');
    },
  };
}

/**
 * GET requests to the configured Bitbucket with `Authorization: Bearer` and `Accept: application/json`
 * (callers may replace Accept), a timeout over the whole exchange, and redirects followed by hand:
 * within the API's origin with the token; off it only for `foreignRedirects` paths, never from
 * https down to http, and without the Authorization header. Any other redirect is answered as is.
 */
export function createFetchBitbucketClient(options: FetchBitbucketClientOptions): FetchBitbucketClient {
  const base = new URL(options.baseUrl);
  const prefix = base.href.replace(/\/+$/, '');
  const doFetch = options.fetch ?? fetch;
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const maxJson = options.maxJsonBytes ?? MAX_JSON_BYTES;
  const foreignOk = options.foreignRedirects ?? (() => false);

  async function get(path: string, init?: BitbucketRequestInit): Promise<BitbucketResponse> {
    if (!path.startsWith('/') || path.startsWith('//')) throw new Error('Bitbucket path must start with a single "/"');
    let current = new URL(prefix + path);
    if (current.origin !== base.origin) throw new Error('Bitbucket path left the API origin');
    const signal = AbortSignal.timeout(timeoutMs);
    let withToken = true;
    for (let hop = 0; ; hop++) {
      const headers: Record<string, string> = { Accept: 'application/json', ...init?.headers };
      delete headers.authorization;
      if (withToken) headers.Authorization = `Bearer ${options.token}`;
      else delete headers.Authorization;
      const res = await doFetch(current, { method: 'GET', headers, redirect: 'manual', signal });
      const location = res.status >= 300 && res.status < 400 ? res.headers.get('location') : null;
      if (!location || hop >= MAX_REDIRECTS) return wrap(res, maxJson);
      let next: URL;
      try {
        next = new URL(location, current);
      } catch {
        return wrap(res, maxJson);
      }
      const sameOrigin = next.origin === base.origin;
      const downgrade = current.protocol === 'https:' && next.protocol !== 'https:';
      const allowed = !downgrade && !next.username && !next.password && (next.protocol === 'https:' || next.protocol === 'http:') && (sameOrigin || foreignOk(path));
      if (!allowed) return wrap(res, maxJson);
      await res.body?.cancel().catch(() => undefined);
      // Once off the API's origin the token stays off, even if a later hop comes back.
      if (!sameOrigin) withToken = false;
      current = next;
    }
  }

  return {
    get,
    requestBitbucket: (route, init) => get((route as unknown as { value: string }).value, init),
  };
}

// ---------- Data Center ----------

/** `PROJECT/slug` (or `~user/slug` for personal repositories) as path segments, or null. */
export function dcRepoSegments(repo: string): { project: string; slug: string } | null {
  const parts = repo.trim().split('/');
  if (parts.length !== 2) return null;
  const [project, slug] = parts as [string, string];
  const ok = (s: string) => s.length > 0 && s.length <= 255 && s !== '.' && s !== '..' && !/[\s?#%\\\u0000-\u001f\u007f]/.test(s);
  return ok(project) && ok(slug) ? { project, slug } : null;
}

const obj = (v: unknown): Record<string, unknown> => (v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : {});
const str = (v: unknown): string | null => (typeof v === 'string' && v.length > 0 ? v : null);
const firstHref = (v: unknown): string | null => (Array.isArray(v) ? str(obj(v[0]).href) : str(obj(v).href));

/** A branch ref (`RestMinimalRef` / `RestBranch`): its `displayId`, else `id` without `refs/heads/`. */
export function dcBranchName(raw: unknown): string | null {
  const r = obj(raw);
  return str(r.displayId) ?? str(r.id)?.replace(/^refs\/heads\//, '') ?? null;
}

/** `RestRepository` plus the default branch name → RepositoryDetails. */
export function dcRepositoryDetails(raw: unknown, mainBranch: string | null): RepositoryDetails | null {
  const r = obj(raw);
  const slug = str(r.slug);
  const key = str(obj(r.project).key);
  if (!slug || !key) return null;
  return { uuid: null, fullName: `${key}/${slug}`, slug, mainBranch, url: firstHref(obj(r.links).self) };
}

/** `RestCommit` → CommitDetails; the web link is built from the base URL (DC's commit JSON has none). */
export function dcCommitDetails(raw: unknown, webUrl: string | null): CommitDetails | null {
  const c = obj(raw);
  const hash = str(c.id);
  if (!hash) return null;
  const a = obj(c.author);
  const name = str(a.displayName) ?? str(a.name);
  const email = str(a.emailAddress);
  const author: Person | null = name || email ? { name, email } : null;
  return { hash, message: str(c.message), author, url: webUrl };
}

/** A page of `RestBranch` → branch names. */
export function dcBranchNames(raw: unknown): string[] | null {
  const values = obj(raw).values;
  if (!Array.isArray(values)) return null;
  return values.map(dcBranchName).filter((n): n is string => n !== null);
}

const HASH = /^[0-9a-f]{7,40}$/i;
const TTL_MS = { repository: 5 * 60_000, commit: 60 * 60_000, branches: 2 * 60_000, miss: 60_000 };
const MAX_ENTRIES = 500;

export function createDataCenterBitbucketApi(options: { client: FetchBitbucketClient; baseUrl: string; log: Logger; now?: () => number }): BitbucketApi {
  const { client, log } = options;
  const now = options.now ?? Date.now;
  const web = options.baseUrl.replace(/\/+$/, '');
  const memory = new Map<string, { value: unknown; expires: number }>();

  async function cached<T>(key: string, ttlMs: number, load: () => Promise<T | null>): Promise<T | null> {
    const hit = memory.get(key);
    if (hit && hit.expires > now()) return hit.value as T | null;
    memory.delete(key);
    const value = await load();
    if (memory.size >= MAX_ENTRIES) memory.delete(memory.keys().next().value as string);
    memory.set(key, { value, expires: now() + (value === null ? TTL_MS.miss : ttlMs) });
    return value;
  }

  /** The status and parsed body; body null on anything but 2xx JSON. Never throws. */
  async function getJson(path: string, call: string, quiet404 = false): Promise<{ status: number; body: unknown | null }> {
    try {
      const res = await client.get(path);
      if (!res.ok) {
        if (!(quiet404 && res.status === 404)) log.warn({ call, status: res.status }, 'Bitbucket API call failed');
        return { status: res.status, body: null };
      }
      if (res.status === 204) return { status: 204, body: null };
      return { status: res.status, body: await res.json() };
    } catch (e) {
      const err = e as Error;
      log.warn({ call, err: err?.name === 'TimeoutError' ? 'timed out' : err?.message }, 'Bitbucket API call failed');
      return { status: 0, body: null };
    }
  }

  const repoPath = (seg: { project: string; slug: string }) =>
    `/rest/api/1.0/projects/${encodeURIComponent(seg.project)}/repos/${encodeURIComponent(seg.slug)}`;

  return {
    async getRepository(repo) {
      const seg = dcRepoSegments(repo);
      if (!seg) return null;
      return cached(`repo:${seg.project}/${seg.slug}`, TTL_MS.repository, async () => {
        const base = repoPath(seg);
        // https://developer.atlassian.com/server/bitbucket/rest/v1002/api-group-project/#api-api-latest-projects-projectkey-repos-repositoryslug-get
        const { body } = await getJson(base, 'getRepository');
        if (!body) return null;
        // GET …/default-branch (RestMinimalRef), https://developer.atlassian.com/server/bitbucket/rest/v1002/api-group-project/#api-api-latest-projects-projectkey-repos-repositoryslug-default-branch-get;
        // servers before it had …/branches/default (https://docs.atlassian.com/bitbucket-server/rest/5.16.0/bitbucket-rest.html).
        let ref = await getJson(`${base}/default-branch`, 'getDefaultBranch', true);
        if (ref.status === 404) ref = await getJson(`${base}/branches/default`, 'getDefaultBranch', true);
        return dcRepositoryDetails(body, ref.body ? dcBranchName(ref.body) : null);
      });
    },

    async getCommit(repo, hash) {
      const seg = dcRepoSegments(repo);
      if (!seg || !HASH.test(hash)) return null;
      return cached(`commit:${seg.project}/${seg.slug}:${hash}`, TTL_MS.commit, async () => {
        // https://developer.atlassian.com/server/bitbucket/rest/v1002/api-group-repository/#api-api-latest-projects-projectkey-repos-repositoryslug-commits-commitid-get
        const { body } = await getJson(`${repoPath(seg)}/commits/${hash}`, 'getCommit');
        const url = `${web}/projects/${encodeURIComponent(seg.project)}/repos/${encodeURIComponent(seg.slug)}/commits/${hash}`;
        return body ? dcCommitDetails(body, url) : null;
      });
    },

    async listBranches(repo, limit) {
      const seg = dcRepoSegments(repo);
      if (!seg) return [];
      const n = Math.min(100, Math.max(1, Math.floor(limit ?? 100)));
      const names = await cached(`branches:${seg.project}/${seg.slug}:${n}`, TTL_MS.branches, async () => {
        // Most recently changed first: https://developer.atlassian.com/server/bitbucket/rest/v1002/api-group-repository/#api-api-latest-projects-projectkey-repos-repositoryslug-branches-get
        const { body } = await getJson(`${repoPath(seg)}/branches?orderBy=MODIFICATION&limit=${n}`, 'listBranches');
        return body ? dcBranchNames(body) : null;
      });
      return names ?? [];
    },

    // Data Center has no Pipelines.
    listRecentPipelines: async () => [],
    getFailedStep: async () => null,
    getFailedStepDetails: async () => null,
    getPipeline: async () => null,
    getStepLogTail: async () => null,
  };
}

// ---------- the port ----------

/** The step log: after the step completes Cloud answers 307 to log storage on another host. */
const CLOUD_LOG_PATH = /^\/2\.0\/repositories\/[^/]+\/[^/]+\/pipelines\/[^/]+\/steps\/[^/]+\/log(?:\?|$)/;

export interface LocalBitbucketApiOptions {
  connection: BitbucketConnection;
  log: Logger;
  /** Cache for the Cloud adapter's slow-changing answers (the local store). */
  store?: KeyValueStore;
  now?: () => number;
  timeoutMs?: number;
  fetch?: typeof fetch;
}

export function createLocalBitbucketApi(options: LocalBitbucketApiOptions): BitbucketApi {
  const { connection, log } = options;
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const client = createFetchBitbucketClient({
    baseUrl: connection.baseUrl,
    token: connection.token,
    timeoutMs,
    fetch: options.fetch,
    foreignRedirects: connection.kind === 'cloud' ? (path) => CLOUD_LOG_PATH.test(path) : undefined,
  });
  if (connection.kind === 'data-center') return createDataCenterBitbucketApi({ client, baseUrl: connection.baseUrl, log, now: options.now });
  return createForgeBitbucketApi({ log, store: options.store, asApp: client, now: options.now, timeoutMs, workspaceUuid: null });
}
