/**
 * Dead letters: jobs set aside instead of retried. A job that fails permanently (the store refuses its
 * data, a bug) or fails too many times in a row would otherwise hold every later job of its
 * concurrency key (event jobs: the whole repository) behind it for as long as the queue keeps retrying.
 * Both runtimes file them here: the Forge consumer (adapters/forge/consumer.ts, which the local queue
 * also runs through), and the local durable queue when it gives up on a job by itself.
 *
 * A record holds the job body, the error's name and message, the runs made and the first and last
 * failure times, under `dead:<repo>:<inverted time>:<id>` for 14 days (as the delivery log). Job bodies
 * carry non-secret channel config only (config-store.ts splits secret fields out); the error message
 * and body are still redacted against the repository's channel secrets before they are stored.
 */
import { createHash } from 'node:crypto';
import { getChannel } from '../core/channels/registry';
import type { DeliveryJob } from '../core/delivery/delivery-job';
import { redact, redactFields } from '../core/delivery/redact';
import type { RepoEvent } from '../core/events/repo-event';
import type { JobBody, QueueJob } from './jobs';
import { encodeKeyPart, isValidKey, keys, PREFIX, repoKey, repoKeyFromString } from '../core/storage-keys';
import type { DeadLetterDto } from '../shared/contract';
import type { AppDeps } from './app-types';
import { configKeys } from './config-keys';
import { deliveryQueueJob } from './delivery-jobs';
import { workspaceScope } from './effective-rules';
import { eventConcurrencyKey } from './ingest';
import { pushJobs } from './queue-commit';
import type { RepoConfig } from './repo-config';

/** As the delivery log (deliver.ts LOG_TTL_SECONDS): long enough to notice, short enough to need no cleanup. */
export const DEAD_LETTER_TTL_SECONDS = 14 * 24 * 3600;

/**
 * When a failing job is given up. Failed runs back off 30 s, 60 s, then 120 s (failureBackoffSeconds),
 * so six failed runs hold the job's key for about 7.5 minutes; the time bound covers runs that are
 * themselves slow (a store timing out).
 */
export const DEAD_LETTER_POLICY = { maxFailedRuns: 6, maxFailingMs: 15 * 60_000, maxBackoffSeconds: 120 } as const;

/** Delay before the next run after `failures` failed runs in a row. */
export const failureBackoffSeconds = (failures: number): number =>
  Math.min(DEAD_LETTER_POLICY.maxBackoffSeconds, 30 * 2 ** Math.max(0, failures - 1));

export type FailureClass = 'permanent' | 'transient';

/**
 * Errors no retry can fix: the same code on the same input fails the same way. Matched by name, not
 * `instanceof`: QueueContractError lives in the local adapter, and a bundle may hold two copies of a class.
 */
const PERMANENT_ERROR_NAMES = new Set([
  // The store refused the key or value (KVS limits: core/kvs-rules.ts); the queue refused the job.
  'StorageContractError', 'QueueContractError',
  // Programmer errors.
  'TypeError', 'RangeError', 'SyntaxError', 'ReferenceError',
]);

const ctorName = (err: object): string => (err as { constructor?: { name?: string } }).constructor?.name ?? '';

/** Whether a job that threw `err` can succeed on a later run. Anything unknown is transient (bounded by DEAD_LETTER_POLICY). */
export function classifyFailure(err: unknown): FailureClass {
  if (!err || typeof err !== 'object') return 'permanent'; // a thrown string or undefined: a bug
  if ((err as { permanent?: unknown }).permanent === true) return 'permanent';
  const name = String((err as { name?: unknown }).name ?? '');
  return PERMANENT_ERROR_NAMES.has(ctorName(err)) || PERMANENT_ERROR_NAMES.has(name) ? 'permanent' : 'transient';
}

/** Whether the run that just failed is the last one. */
export function shouldDeadLetter(input: { permanent: boolean; failures: number; firstFailureAt: number; now: number }): boolean {
  return input.permanent || input.failures >= DEAD_LETTER_POLICY.maxFailedRuns || input.now - input.firstFailureAt >= DEAD_LETTER_POLICY.maxFailingMs;
}

export interface DeadLetterMeta {
  /** Runs made, the failing one included. */
  attempts: number;
  permanent: boolean;
  /** When the job first failed (ms); unknown: the time it is recorded (less `failingForMs`). */
  firstFailureAt?: number | null;
  /** How long it has been failing, when only that is known (an estimate from the backoff schedule). */
  failingForMs?: number;
  /** The queue key the job ran under, so a retry keeps its order guarantees. */
  concurrencyKey?: string | null;
}

/** What is stored. The DTO fields plus what a retry needs. */
export interface DeadLetterRecord extends Omit<DeadLetterDto, 'error'> {
  error: { name: string; message: string };
  /** The job as it was queued; null when it was too large to keep (it cannot be retried then). */
  job: JobBody | null;
  concurrencyKey: string | null;
}

/** Dead-letter entry points an App offers besides `App` (create-app.ts). */
export interface DeadLetterEntryPoints {
  recordDeadLetter(job: JobBody, error: unknown, meta: DeadLetterMeta): Promise<DeadLetterDto>;
  listDeadLetters(repo?: string): Promise<DeadLetterDto[]>;
  retryDeadLetter(id: string): Promise<{ queued: true } | null>;
}

/** The dead-letter entry points of an App, when it has them (test fakes may not). */
export function deadLettersOf(app: unknown): DeadLetterEntryPoints | null {
  const a = app as Partial<DeadLetterEntryPoints> | null;
  return a && typeof a.recordDeadLetter === 'function' && typeof a.listDeadLetters === 'function' && typeof a.retryDeadLetter === 'function'
    ? (a as DeadLetterEntryPoints)
    : null;
}

/** A job the local durable queue gave up on by itself (too many runs, or a permanent error thrown at it). */
export interface QueueDeadJob {
  body: JobBody;
  concurrencyKey: string | null;
  attempts: number;
  /** What was thrown, or the last retry reason. */
  error: unknown;
  permanent: boolean;
  firstFailureAt: number | null;
}

/** A queue that can hand the jobs it gives up on to the App (adapters/local/queue/durable-queue.ts). */
export interface DeadLetterSource {
  setDeadLetterSink(sink: ((dead: QueueDeadJob) => Promise<void>) | null): void;
}

export const isDeadLetterSource = (queue: unknown): queue is DeadLetterSource =>
  !!queue && typeof (queue as Partial<DeadLetterSource>).setDeadLetterSink === 'function';

// ---------- record ----------

const MAX_MESSAGE = 1000;
const MAX_SUMMARY = 200;
/** Room left under the KVS value limit (240 KiB) for everything besides the body. */
const MAX_RECORD_BYTES = 200 * 1024;
const KEY_SAFE = /^[A-Za-z0-9._\-#]+$/;

const clip = (text: string, max: number): string => (text.length > max ? text.slice(0, max - 1) + '…' : text);

/** The repository a job belongs to, as a key part. */
export function repoOfJob(job: JobBody): string {
  let repo: string | null = null;
  switch (job.type) {
    case 'event':
      repo = job.event?.repository ? repoKey(job.event.repository) : null;
      break;
    case 'deliver':
      repo = job.delivery?.repo ?? null;
      break;
    case 'remind':
      repo = job.repo ?? null;
      break;
    case 'flush-group':
      // Group keys start with the channel scope: the repository id, or `ws-<workspace>` for inherited channels.
      repo = typeof job.groupKey === 'string' ? (job.groupKey.split(':')[0] ?? null) : null;
      break;
  }
  if (!repo) return 'unknown';
  return KEY_SAFE.test(repo) ? repo : encodeKeyPart(repo, 200);
}

function summaryOf(job: JobBody): string {
  switch (job.type) {
    case 'event':
      return clip(eventSummary(job.event), MAX_SUMMARY);
    case 'deliver':
      return clip(`${job.delivery?.alert?.type ?? 'alert'} to channel ${job.delivery?.channel ?? '?'} (rule ${job.delivery?.rule ?? '?'})`, MAX_SUMMARY);
    case 'remind':
      return clip(`reminder for rule ${job.rule}`, MAX_SUMMARY);
    case 'flush-group':
      return clip(`grouped alerts ${job.groupKey}`, MAX_SUMMARY);
    default:
      return 'unknown job';
  }
}

function eventSummary(event: RepoEvent | undefined): string {
  if (!event) return 'event';
  const parts = (...p: (string | number | null | undefined)[]) => p.filter((x) => x !== null && x !== undefined && x !== '').join(' ');
  switch (event.kind) {
    case 'build':
      return parts('build', event.build.state, event.build.ref, event.build.key ?? event.build.name);
    case 'deployment':
      return parts('deployment', event.deployment.state, event.deployment.environment);
    case 'push': {
      const changes = event.push.changes;
      return parts('push', changes[0]?.name, changes.length > 1 ? `(+${changes.length - 1} more)` : null);
    }
    case 'pullrequest':
      return parts('pull request', `#${event.pullRequest.id}`, event.pullRequest.action);
    default:
      return parts(event.kind);
  }
}

function errorParts(error: unknown): { name: string; message: string } {
  if (error && typeof error === 'object') {
    const ctor = ctorName(error);
    const named = String((error as { name?: unknown }).name ?? '');
    const name = (ctor && ctor !== 'Error' && ctor !== 'Object' ? ctor : named || 'Error').slice(0, 100);
    const message = (error as { message?: unknown }).message;
    return { name, message: typeof message === 'string' ? message : '' };
  }
  if (typeof error === 'string') return { name: 'Error', message: error };
  return { name: typeof error, message: '' };
}

/**
 * Secret values of the channels the job could have touched: the delivery's channel, or every channel
 * of the repository's configuration (an event job delivers inline). Null when they cannot be read:
 * then nothing unredacted may be kept.
 */
async function secretsFor(deps: AppDeps, job: JobBody): Promise<string[] | null> {
  const scopes: { scope: string; channels: string[] }[] = [];
  try {
    if (job.type === 'deliver') {
      scopes.push({ scope: job.delivery.channelScope, channels: [job.delivery.channel] });
    } else {
      const repo = repoOfJob(job);
      const event = job.type === 'event' ? job.event : null;
      const fullName = event?.repository?.fullName ?? (job.type === 'remind' ? job.fullName : null) ?? null;
      const workspace = event?.workspace ?? (job.type === 'remind' ? job.workspace : null) ?? null;
      const k = configKeys(repo, fullName, workspace);
      const docs: [string | null, string][] = [
        [k.own, repo],
        [k.byName, fullName ? repoKeyFromString(fullName) : repo],
        [k.workspace, workspace ? workspaceScope(workspace) : ''],
      ];
      const wanted = docs.filter((d): d is [string, string] => d[0] !== null && isValidKey(d[0]));
      const found = wanted.length ? await deps.store.getMany<RepoConfig>(wanted.map((d) => d[0])) : new Map<string, RepoConfig>();
      for (const [key, scope] of wanted) {
        const channels = found.get(key)?.channels ?? [];
        if (channels.length) scopes.push({ scope, channels: channels.slice(0, 50).map((c) => c.name) });
      }
    }
    const values: string[] = [];
    for (const { scope, channels } of scopes) {
      for (const name of channels) {
        const secret = await deps.secrets.getSecret<Record<string, unknown>>(keys.channelSecret(scope, name));
        for (const v of Object.values(secret ?? {})) if (typeof v === 'string' && v.length > 0) values.push(v);
      }
    }
    return values;
  } catch {
    return null;
  }
}

/** The job as it may be stored: secret fields of a delivery's config masked, known secret values redacted. */
function storableJob(job: JobBody, secrets: readonly string[]): JobBody | null {
  let body: JobBody = job;
  if (job.type === 'deliver') {
    const channel = getChannel(job.delivery.channelType);
    const fields = (channel?.secretFields ?? []) as readonly string[];
    body = { ...job, delivery: { ...job.delivery, channelConfig: redactFields(job.delivery.channelConfig ?? {}, fields) } };
  }
  if (secrets.length === 0) return body;
  const json = JSON.stringify(body);
  const clean = redact(json, secrets);
  if (clean === json) return body;
  try {
    return JSON.parse(clean) as JobBody;
  } catch {
    return null;
  }
}

export function toDeadLetterDto(record: DeadLetterRecord): DeadLetterDto {
  return {
    id: record.id,
    at: record.at,
    repo: record.repo,
    type: record.type,
    summary: record.summary,
    error: record.error.message ? `${record.error.name}: ${record.error.message}` : record.error.name,
    permanent: record.permanent,
    attempts: record.attempts,
    firstFailureAt: record.firstFailureAt,
    lastFailureAt: record.lastFailureAt,
  };
}

/** Files a job as a dead letter. Rejects only when the store does (the caller then keeps the job). */
export async function recordDeadLetter(deps: AppDeps, job: JobBody, error: unknown, meta: DeadLetterMeta): Promise<DeadLetterDto> {
  const now = deps.clock.now();
  const repo = repoOfJob(job);
  const secrets = await secretsFor(deps, job);
  const parts = errorParts(error);
  const message = secrets === null
    ? '(message withheld: the channel secrets needed to redact it could not be read)'
    : clip(redact(parts.message.slice(0, 4 * MAX_MESSAGE), secrets), MAX_MESSAGE);
  let stored: JobBody | null = secrets === null ? null : storableJob(job, secrets);
  if (stored && Buffer.byteLength(JSON.stringify(stored)) > MAX_RECORD_BYTES) stored = null;
  const suffix = `${job.type}-${createHash('sha256').update(`${now}\n${JSON.stringify(job)}`).digest('hex').slice(0, 12)}`;
  const key = keys.deadLetter(repo, now, suffix);
  const given = meta.firstFailureAt ?? (meta.failingForMs !== undefined && meta.failingForMs > 0 ? now - meta.failingForMs : null);
  const first = given !== null && Number.isFinite(given) && given <= now ? given : now;
  const concurrencyKey = meta.concurrencyKey ?? defaultConcurrencyKey(job);
  const record: DeadLetterRecord = {
    id: key.slice(PREFIX.dead.length),
    at: new Date(now).toISOString(),
    repo,
    type: job.type,
    summary: secrets === null ? job.type : redact(summaryOf(job), secrets),
    error: { name: parts.name, message },
    permanent: meta.permanent,
    attempts: Math.max(1, Math.floor(meta.attempts)),
    firstFailureAt: new Date(first).toISOString(),
    lastFailureAt: new Date(now).toISOString(),
    job: stored,
    concurrencyKey: concurrencyKey !== null && secrets !== null ? redact(concurrencyKey, secrets) : null,
  };
  await deps.store.set(key, record, { ttlSeconds: DEAD_LETTER_TTL_SECONDS });
  // Name, type and repository only: the message may quote payload text.
  deps.log.error({ deadLetter: record.id, repo, jobType: job.type, attempts: record.attempts, permanent: record.permanent, err: parts.name }, 'job set aside as a dead letter');
  return toDeadLetterDto(record);
}

function defaultConcurrencyKey(job: JobBody): string | null {
  if (job.type === 'event' && job.event?.repository) return eventConcurrencyKey(job.event);
  if (job.type === 'deliver' && job.delivery) return deliveryQueueJob(job.delivery).concurrencyKey ?? null;
  return null;
}

// ---------- list and retry ----------

/** Newest first: one repository's (at most `limit`), or every repository's when `repo` is absent. */
export async function listDeadLetters(deps: Pick<AppDeps, 'store'>, repo?: string, limit = 100): Promise<DeadLetterDto[]> {
  const prefix = repo ? keys.deadLetterPrefix(repo) : PREFIX.dead;
  const out: DeadLetterRecord[] = [];
  let cursor: string | undefined;
  // Keys sort newest first within a repository only; across repositories, read a bounded number and sort.
  const wanted = repo ? limit : Math.max(limit, 1000);
  for (let page = 0; page < 20 && out.length < wanted; page++) {
    const res = await deps.store.query<DeadLetterRecord>({ beginsWith: prefix, limit: 100, ...(cursor ? { cursor } : {}) });
    out.push(...res.results.map((r) => r.value));
    if (!res.nextCursor) break;
    cursor = res.nextCursor;
  }
  const sorted = repo ? out : out.sort((a, b) => (a.at < b.at ? 1 : a.at > b.at ? -1 : 0));
  return sorted.slice(0, limit).map(toDeadLetterDto);
}

/** The stored record behind a DTO id, or undefined (unknown, expired, or not a dead-letter id). */
export async function getDeadLetter(deps: Pick<AppDeps, 'store'>, id: string): Promise<DeadLetterRecord | undefined> {
  const key = PREFIX.dead + id;
  if (!isValidKey(key)) return undefined;
  return deps.store.get<DeadLetterRecord>(key);
}

/** The queue job that runs a dead letter again, as new: attempt 1, a fresh delivery deadline. */
function freshQueueJob(record: DeadLetterRecord, job: JobBody, now: number): QueueJob {
  if (job.type === 'deliver') {
    const delivery: DeliveryJob = { ...job.delivery, attempt: 1, raisedAt: now, queuedAt: now };
    delete delivery.notBefore;
    return deliveryQueueJob(delivery);
  }
  const concurrencyKey = record.concurrencyKey ?? defaultConcurrencyKey(job);
  return { body: job, ...(concurrencyKey ? { concurrencyKey } : {}) };
}

export class DeadLetterNotRetryableError extends Error {
  readonly permanent = true;
  constructor(message: string) {
    super(message);
    this.name = 'DeadLetterNotRetryableError';
  }
}

/**
 * Queues the job again, as new, then deletes the record (a crash between the two leaves the record:
 * one more retry, never a lost job). Null when there is no such record.
 */
export async function retryDeadLetter(deps: AppDeps, id: string): Promise<{ queued: true } | null> {
  const record = await getDeadLetter(deps, id);
  if (!record) return null;
  if (!record.job) throw new DeadLetterNotRetryableError('this job was too large (or could not be redacted) to keep, so it cannot be queued again');
  const { queued } = await pushJobs(deps, [freshQueueJob(record, record.job, deps.clock.now())]);
  if (queued !== 1) throw new DeadLetterNotRetryableError('the job is larger than one queue event may be');
  await deps.store.delete(PREFIX.dead + id);
  deps.log.info({ deadLetter: id, jobType: record.type }, 'dead letter queued again');
  return { queued: true };
}
