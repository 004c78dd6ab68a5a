/** Field conversions shared by the per-source normalizers. All total: bad input gives null. */
import type { BuildState, DeploymentState, Person, PullRequestAction, PushChange, RepositoryRef } from './repo-event';
import { firstHref, get, isObj, obj, str, type Obj } from './read';

// ---------- time ----------

const ISO_LIKE = /^\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?(?:Z|[+-]\d{2}:?\d{2})?$/;
const RFC_1123 = /^[A-Z][a-z]{2}, \d{1,2} [A-Z][a-z]{2} \d{4} \d{2}:\d{2}:\d{2} GMT$/;

/**
 * ISO-8601 in UTC, or null. Accepts ISO strings (Cloud `+00:00`, DC `+0000`, Forge nanoseconds),
 * the RFC 1123 `X-Event-Time` header and epoch milliseconds (DC `createdDate`). Anything else, such
 * as the locale strings of Post Webhooks ("6/4/25 11:15 PM", no time zone), is null: `Date.parse`
 * would read those in the server's zone and invent a time.
 */
export function toIso(v: unknown): string | null {
  let ms: number;
  if (typeof v === 'number') {
    if (!Number.isFinite(v) || v <= 0) return null;
    ms = v;
  } else if (typeof v === 'string' && v.length <= 64 && (ISO_LIKE.test(v) || RFC_1123.test(v))) {
    ms = Date.parse(v);
  } else {
    return null;
  }
  if (!Number.isFinite(ms)) return null;
  const d = new Date(ms);
  return Number.isNaN(d.getTime()) ? null : d.toISOString();
}

/** The first of several candidates that converts to a time. */
export function firstIso(...candidates: readonly unknown[]): string | null {
  for (const c of candidates) {
    const iso = toIso(c);
    if (iso !== null) return iso;
  }
  return null;
}

// ---------- commits and refs ----------

const ZERO_HASH = /^0+$/;

/** Git hashes, with the all-zero "no commit" of DC `fromHash`/`toHash` as null. */
export function hashOrNull(v: unknown): string | null {
  const s = str(v);
  return s === null || ZERO_HASH.test(s) ? null : s;
}

const COMMIT_IN_HREF = /\/commits?\/([0-9a-f]{7,64})(?:[/?#]|$)/i;

/** `.../commit/<hash>` in a REST or web link; old Cloud statuses carry their commit only there. */
export function hashFromHref(v: unknown): string | null {
  const s = str(v);
  const m = s === null ? null : COMMIT_IN_HREF.exec(s);
  return m?.[1] ?? null;
}

/** Strip `refs/heads/` or `refs/tags/`; report which it was. */
export function splitRef(ref: string): { name: string; refType: 'branch' | 'tag' | null } {
  if (ref.startsWith('refs/heads/')) return { name: ref.slice(11), refType: 'branch' };
  if (ref.startsWith('refs/tags/')) return { name: ref.slice(10), refType: 'tag' };
  return { name: ref, refType: null };
}

/** Cloud ref types: `branch`, `named_branch` and `bookmark` (Mercurial heritage) are branches. */
export function cloudRefType(v: unknown): 'branch' | 'tag' | null {
  const t = str(v)?.toLowerCase();
  if (t === 'branch' || t === 'named_branch' || t === 'bookmark') return 'branch';
  if (t === 'tag' || t === 'annotated_tag') return 'tag';
  return null;
}

/**
 * Cloud-shaped push change (`{old, new, created, closed}`), used by Cloud webhooks and the Post
 * Webhooks app. Null when neither side names a ref.
 * https://support.atlassian.com/bitbucket-cloud/docs/event-payloads/#Push
 */
export function cloudPushChange(change: unknown): PushChange | null {
  const next = obj(get(change, 'new'));
  const prev = obj(get(change, 'old'));
  const side = next ?? prev;
  const name = str(get(side, 'name'));
  if (name === null) return null;
  const created = get(change, 'created') === true || (prev === undefined && next !== undefined);
  const closed = get(change, 'closed') === true || (next === undefined && prev !== undefined);
  return {
    refType: cloudRefType(get(side, 'type')),
    name,
    action: created ? 'created' : closed ? 'deleted' : 'updated',
    before: created ? null : hashOrNull(get(prev, 'target', 'hash')),
    after: closed ? null : hashOrNull(get(next, 'target', 'hash')),
  };
}

/** Every change of a Cloud-shaped `push.changes` list (Cloud webhooks, Post Webhooks), or the first that names no ref. */
export function cloudPushChanges(eventKey: string, list: readonly unknown[]): { ok: true; changes: PushChange[] } | { ok: false; message: string } {
  const changes: PushChange[] = [];
  for (let i = 0; i < list.length; i++) {
    const change = cloudPushChange(list[i]);
    if (!change) return { ok: false, message: `${eventKey}: body.push.changes[${i}] names no ref (new.name and old.name are missing)` };
    changes.push(change);
  }
  return { ok: true, changes };
}

// ---------- builds ----------

const BUILD_STATES: ReadonlySet<string> = new Set(['SUCCESSFUL', 'FAILED', 'INPROGRESS', 'STOPPED']);

/** Commit-status states (Cloud REST `commitstatus.state`, Forge `buildStatus.state`). */
export function buildState(v: unknown): BuildState | null {
  const s = typeof v === 'string' ? v.toUpperCase() : null;
  return s !== null && BUILD_STATES.has(s) ? (s as BuildState) : null;
}

const PIPELINE_NAME = /^Pipeline #(\d{1,12})\b/;
const PIPELINE_URL = /\/pipelines\/(?:home#!\/)?results\/(\d{1,12})(?:[/?#]|$)/;

/**
 * Pipelines build number from the status name ("Pipeline #4 for main") or the result link
 * (".../addon/pipelines/home#!/results/4" or the newer ".../pipelines/results/4"). Statuses written
 * by other tools have neither, so this is null for them.
 */
export function pipelineNumber(name: unknown, url: unknown): number | null {
  const n = typeof name === 'string' ? PIPELINE_NAME.exec(name) : null;
  if (n?.[1] !== undefined) return Number(n[1]);
  const u = typeof url === 'string' ? PIPELINE_URL.exec(url) : null;
  return u?.[1] !== undefined ? Number(u[1]) : null;
}

// ---------- people ----------

const RAW_AUTHOR = /^\s*(.*?)\s*<([^>]*)>\s*$/;

/** Cloud `account` objects (actor, PR author, commit author's `user`). */
export function cloudUser(v: unknown): Person | null {
  const u = obj(v);
  if (!u) return null;
  return {
    name: str(u.display_name) ?? str(u.nickname) ?? str(u.username),
    accountId: str(u.account_id),
    uuid: str(u.uuid),
  };
}

/** Cloud commit `author`: `{raw: "Name <email>", user?: account}`; `user` is absent for unmapped emails. */
export function cloudCommitAuthor(v: unknown): Person | null {
  const a = obj(v);
  if (!a) return null;
  const raw = str(a.raw);
  const parsed = raw === null ? null : RAW_AUTHOR.exec(raw);
  const user = cloudUser(a.user);
  const name = user?.name ?? raw;
  const email = parsed?.[2] ? parsed[2] : null;
  if (name === null && email === null && !user) return null;
  return { name, email, accountId: user?.accountId ?? null, uuid: user?.uuid ?? null };
}

/** Data Center `user` objects. */
export function dcUser(v: unknown): Person | null {
  const u = obj(v);
  if (!u) return null;
  return { name: str(u.displayName) ?? str(u.name), email: str(u.emailAddress) };
}

// ---------- repositories ----------

const CLOUD_REPO_PATH = /^https?:\/\/(?:api\.)?bitbucket\.org\/(?:2\.0\/repositories\/)?([^/{}?#]+)\/([^/?#]+)/;

function fullNameFromHref(href: string | null): string | null {
  if (href === null) return null;
  const m = CLOUD_REPO_PATH.exec(href);
  if (!m?.[1] || !m[2]) return null;
  return `${decodeURIComponentSafe(m[1])}/${decodeURIComponentSafe(m[2])}`;
}

function decodeURIComponentSafe(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

/** `full_name` when given, else recovered from `links.html` or `links.self`. */
export function cloudRepository(v: unknown): RepositoryRef | null {
  const r = obj(v);
  if (!r) return null;
  const html = str(get(r, 'links', 'html', 'href'));
  const fullName =
    str(r.full_name) ?? fullNameFromHref(html) ?? fullNameFromHref(str(get(r, 'links', 'self', 'href')));
  const slash = fullName?.indexOf('/') ?? -1;
  return {
    uuid: str(r.uuid),
    fullName,
    slug: fullName !== null && slash > 0 ? fullName.slice(slash + 1) : null,
    url: html,
  };
}

/** Cloud repository from any Bitbucket web link in the payload (`https://bitbucket.org/<ws>/<slug>/...`). */
export function cloudRepositoryFromLink(href: unknown): RepositoryRef | null {
  const fullName = fullNameFromHref(str(href));
  if (fullName === null) return null;
  const slash = fullName.indexOf('/');
  return { uuid: null, fullName, slug: fullName.slice(slash + 1), url: `https://bitbucket.org/${fullName}` };
}

/**
 * Workspace UUID: `repository.workspace.uuid`, or the owner's, which is the same UUID (a workspace
 * and its owning team or personal account share it) in payloads older than workspaces.
 */
export function cloudWorkspace(repo: unknown): string | null {
  return str(get(repo, 'workspace', 'uuid')) ?? str(get(repo, 'owner', 'uuid'));
}

/** Data Center repository: `<PROJECTKEY>/<slug>`; DC has no repository UUID. */
export function dcRepository(v: unknown): RepositoryRef | null {
  const r = obj(v);
  if (!r) return null;
  const slug = str(r.slug);
  const key = str(get(r, 'project', 'key'));
  const given = str(r.fullName);
  return {
    uuid: null,
    fullName: key !== null && slug !== null ? `${key}/${slug}` : given,
    slug,
    url: firstHref(get(r, 'links', 'self')),
  };
}

export const EMPTY_REPOSITORY: RepositoryRef = { uuid: null, fullName: null, slug: null };

// ---------- pull requests ----------

/** Cloud-style `pullrequest:*` keys (Cloud webhooks and the Post Webhooks app). */
export const CLOUD_PR_ACTIONS: Readonly<Record<string, PullRequestAction>> = {
  'pullrequest:created': 'created',
  'pullrequest:updated': 'updated',
  'pullrequest:fulfilled': 'merged',
  'pullrequest:rejected': 'declined',
  'pullrequest:comment_created': 'commented',
  'pullrequest:approved': 'approved',
  'pullrequest:unapproved': 'unapproved',
  'pullrequest:changes_request_created': 'changes-requested',
  // Withdrawing a change request is a reviewer-status change with no closer action in the model.
  'pullrequest:changes_request_removed': 'reviewer-status',
};

export function actionOf<T extends string>(table: Readonly<Record<string, T>>, key: string): T | null {
  return Object.prototype.hasOwnProperty.call(table, key) ? (table[key] ?? null) : null;
}

export type { Obj };
export { isObj };

// ---------- deployments ----------

/**
 * Pipelines deployment state (`state.name`, with `state.status.name` once COMPLETED; Forge sends
 * `deployment.state` and `deployment.status`). UNDEPLOYED means a later release replaced this one
 * in the environment: not an outcome, so the caller ignores it. A COMPLETED deployment with no
 * status (REST responses cut by a `fields=` filter, the optional Forge `status`) is assumed
 * SUCCESSFUL: a best-effort choice, as neither source documents the missing case.
 * https://developer.atlassian.com/platform/forge/events-reference/bitbucket/#deployment-events
 */
/** `{ name: "X" }` → "X": the REST API nests states as objects where the Forge events use strings. */
const nameOf = (value: unknown): unknown =>
  value && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>).name : value;

export function deploymentState(stateIn: unknown, statusIn: unknown): DeploymentState | 'undeployed' | null {
  // Accept both shapes: `state: "COMPLETED", status: "FAILED"` and `state: { name: "COMPLETED", status: { name: "FAILED" } }`.
  const nestedStatus = stateIn && typeof stateIn === 'object' && !Array.isArray(stateIn) ? (stateIn as Record<string, unknown>).status : undefined;
  const state = nameOf(stateIn);
  const status = nameOf(statusIn ?? nestedStatus);
  const s = typeof state === 'string' ? state.toUpperCase() : null;
  switch (s) {
    case 'UNKNOWN':
    case 'PENDING':
    case 'QUEUED':
      return 'PENDING';
    case 'IN_PROGRESS':
    case 'STARTED':
      return 'STARTED';
    case 'UNDEPLOYED':
      return 'undeployed';
    case 'COMPLETED': {
      const r = typeof status === 'string' ? status.toUpperCase() : null;
      if (r === null || r === 'SUCCESSFUL' || r === 'SUCCESS') return 'SUCCESSFUL';
      if (r === 'FAILED' || r === 'ERROR') return 'FAILED';
      if (r === 'STOPPED' || r === 'CANCELLED' || r === 'EXPIRED') return 'STOPPED';
      return null;
    }
    default:
      return null;
  }
}

// ---------- field sizes ----------

/**
 * Length caps (UTF-16 units) on the free text of a normalized event. Payload fields have no size limit
 * of their own, and a build's state keeps its key, name, ref and URL several times over (memory,
 * history, last event), so one hostile 165 KB field would make a state value the store refuses
 * (KVS values: at most 240 KiB, core/kvs-rules.ts) on every retry. Capped here, once for every source,
 * every state stays a few KB.
 */
export const FIELD_CAPS = {
  /** Names, keys, refs, titles, descriptions, e-mail addresses. */
  text: 1024,
  commitMessage: 4096,
  /** Longer links are dropped, not cut: a cut URL points somewhere else. */
  url: 2048,
  /** UUIDs, account ids, hashes: real ones are under 70 characters; these name storage keys. */
  id: 128,
} as const;

const ID_FIELDS = new Set(['uuid', 'accountId', 'environmentUuid', 'workspace', 'runId', 'commit', 'before', 'after', 'eventKey']);

/** Cuts `text` to at most `max` units, ending in "…", without splitting a surrogate pair. */
export function capText(text: string, max: number): string {
  if (text.length <= max) return text;
  let end = max - 1;
  const code = text.charCodeAt(end - 1);
  if (code >= 0xd800 && code <= 0xdbff) end--;
  return text.slice(0, end) + '…';
}

function capField(key: string, value: string): string | null {
  if (key === 'url' || key.endsWith('Url')) return value.length > FIELD_CAPS.url ? null : value;
  if (key === 'commitMessage') return capText(value, FIELD_CAPS.commitMessage);
  if (ID_FIELDS.has(key)) return capText(value, FIELD_CAPS.id);
  return capText(value, FIELD_CAPS.text);
}

/** Every string of a normalized event within FIELD_CAPS (by field name); unchanged events are returned as they are. */
export function capEventFields<T>(event: T): T {
  const walk = (value: unknown, key: string, depth: number): unknown => {
    if (typeof value === 'string') return capField(key, value);
    if (value === null || typeof value !== 'object' || depth > 8) return value;
    if (Array.isArray(value)) {
      let changed = false;
      const out = value.map((item) => {
        const next = walk(item, key, depth + 1);
        if (next !== item) changed = true;
        return next;
      });
      return changed ? out : value;
    }
    let copy: Record<string, unknown> | null = null;
    for (const [k, v] of Object.entries(value)) {
      const next = walk(v, k, depth + 1);
      if (next !== v) (copy ??= { ...(value as Record<string, unknown>) })[k] = next;
    }
    return copy ?? value;
  };
  return walk(event, '', 0) as T;
}
