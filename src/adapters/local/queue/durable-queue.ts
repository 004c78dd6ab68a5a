/**
 * The local runtime's Queue: a durable job queue on LMDB (`<dataDir>/queue`) with the @forge/events semantics the app
 * relies on (https://developer.atlassian.com/platform/forge/runtime-reference/async-events-api/):
 * - push takes 1..50 jobs, 200 KB in all and 100 KB each (core/queue-limits), `delayInSeconds` 0..900, and resolves once committed;
 * - at-least-once: a job is deleted only after its handler finished, so a job running at a crash runs again on restart;
 * - a handler asks for a retry by returning `{status:'retry', afterSeconds}`, or (Forge style) by returning or throwing
 *   an `InvocationError` (`{ _retry: true, retryOptions: { retryAfter } }`) or an error carrying `retryAfter`;
 * - jobs with the same `concurrencyKey` run one at a time, strictly in push order (a job waiting for its delay or a
 *   retry holds back the later jobs of its key); other jobs run in parallel up to `concurrency`;
 * - a job is given up (dead) after `maxAttempts` runs, or at once when its handler throws a permanent error
 *   (app/dead-letters.ts `classifyFailure`). A dead job goes to the App's dead letters (`setDeadLetterSink`,
 *   wired by create-app.ts), or, without a sink or when the sink fails, to the queue's own `dead` database.
 *
 * All pending jobs are also held in memory (a min-heap of runnable jobs by due time), and one timer is armed for the
 * next due job, so there is no polling.
 */
import { join } from 'node:path';
import { open } from 'lmdb';
import type { Database, RootDatabase } from 'lmdb';
import { classifyFailure, type DeadLetterSource, type QueueDeadJob } from '../../../app/dead-letters';
import type { Clock, JobResult, Logger, Queue } from '../../../core/ports';
import type { JobBody, QueueJob } from '../../../app/jobs';
import { QUEUE_LIMITS } from '../../../core/queue-limits';
import { directWrites, type StorageHealth } from '../storage-health';
import { prepareLmdbDir } from '../store/private-files';

export const MAX_JOBS_PER_PUSH = QUEUE_LIMITS.maxEventsPerPush;
export const MAX_PUSH_PAYLOAD_BYTES = QUEUE_LIMITS.maxPushBytes;
export const MAX_DELAY_SECONDS = QUEUE_LIMITS.maxDelaySeconds;

/** Thrown by `push` for input @forge/events would refuse (programmer error). */
export class QueueContractError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'QueueContractError';
  }
}

export interface JobMeta {
  /** 1 on the first run, 2 on the first retry... (a run interrupted by a crash is counted again). */
  attempt: number;
  jobId: string;
}

/** Returns a JobResult; `undefined` counts as done, as a Forge consumer that returns normally. */
export type JobHandler = (body: JobBody, meta: JobMeta) => Promise<JobResult | void>;

export interface DurableQueueOptions {
  dataDir: string;
  handler: JobHandler;
  log: Logger;
  clock?: Clock;
  /** Jobs running at once across all keys. Default 16. */
  concurrency?: number;
  /** Runs per job (first run + retries) before it is set aside as dead. Default 5. */
  maxAttempts?: number;
  /** Delay before re-running a job whose handler threw without saying when. Default 5 s doubling, at most 900 s. */
  errorRetrySeconds?: (attempt: number) => number;
  /** Where dead jobs go (see `setDeadLetterSink`). */
  onDeadLetter?: (dead: QueueDeadJob) => Promise<void>;
  /** Called once a finished job's deletion is committed (it will not run again). */
  onJobDone?: (info: { jobId: string; body: JobBody; attempts: number }) => void;
  /**
   * Disk-fault handling (storage-health.ts): a push made while answering a request fails fast, the
   * queue's own bookkeeping writes wait for the disk, and handlers run outside the request's scope.
   */
  health?: Pick<StorageHealth, 'write' | 'background' | 'addProbe'>;
}

export interface QueueStats {
  /** Jobs stored and not finished (queued, delayed, waiting for their key, or running). */
  pending: number;
  running: number;
  completed: number;
  retried: number;
  dead: number;
  /** Why no new job starts (a failing disk), or absent. */
  paused?: string;
}

export interface DurableQueue extends Queue, DeadLetterSource {
  /** Loads stored jobs (including ones interrupted by a crash) and starts running them. */
  start(): Promise<void>;
  /** Stops taking jobs, waits for running handlers and pending writes, closes the database. */
  stop(): Promise<void>;
  /** Resolves when no job is running and none is due now (delayed jobs may remain). */
  idle(): Promise<void>;
  /** Resolves when no job is left at all; rejects after `timeoutMs`. */
  drain(timeoutMs?: number): Promise<void>;
  /** Re-checks due times now: call after moving a fake clock forward. */
  wake(): void;
  /** Starts no new job until `resume()` (running ones finish). */
  pause(reason: string): void;
  resume(): void;
  stats(): QueueStats;
  /**
   * Hands every job given up from now on to `sink` (the App's dead letters); its job is deleted once the
   * sink resolves. Null: dead jobs are kept in the queue's own `dead` database.
   */
  setDeadLetterSink(sink: ((dead: QueueDeadJob) => Promise<void>) | null): void;
}

/** What is stored per job. `attempts` counts finished runs (a run cut by a crash is not counted). */
interface JobRecord {
  seq: number;
  body: JobBody;
  key: string | null;
  dueAt: number;
  attempts: number;
  /** When the job was first retried (ms); absent until then. */
  firstRetryAt?: number;
}

const idOf = (seq: number): string => String(seq).padStart(16, '0');

/** Min-heap of job ids ordered by (dueAt, seq). */
class DueHeap {
  private items: { id: string; dueAt: number; seq: number }[] = [];
  get size(): number {
    return this.items.length;
  }
  peek(): { id: string; dueAt: number; seq: number } | undefined {
    return this.items[0];
  }
  private less(a: number, b: number): boolean {
    const x = this.items[a]!;
    const y = this.items[b]!;
    return x.dueAt < y.dueAt || (x.dueAt === y.dueAt && x.seq < y.seq);
  }
  private swap(a: number, b: number): void {
    const t = this.items[a]!;
    this.items[a] = this.items[b]!;
    this.items[b] = t;
  }
  push(item: { id: string; dueAt: number; seq: number }): void {
    this.items.push(item);
    let i = this.items.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!this.less(i, parent)) break;
      this.swap(i, parent);
      i = parent;
    }
  }
  pop(): { id: string; dueAt: number; seq: number } | undefined {
    const top = this.items[0];
    const last = this.items.pop();
    if (this.items.length > 0 && last) {
      this.items[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < this.items.length && this.less(l, m)) m = l;
        if (r < this.items.length && this.less(r, m)) m = r;
        if (m === i) break;
        this.swap(i, m);
        i = m;
      }
    }
    return top;
  }
}

/** Reads a retry request from a handler's return value or thrown value, Forge style. */
function retryAfterOf(value: unknown): number | null {
  if (value === null || typeof value !== 'object') return null;
  const v = value as { status?: unknown; afterSeconds?: unknown; _retry?: unknown; retryOptions?: { retryAfter?: unknown }; retryAfter?: unknown };
  if (v.status === 'retry') return typeof v.afterSeconds === 'number' ? v.afterSeconds : 0;
  // @forge/events InvocationError: its constructor returns `{ _retry: true, retryOptions }` (node_modules/@forge/events/out/invocationError.js).
  if (v._retry === true) return typeof v.retryOptions?.retryAfter === 'number' ? v.retryOptions.retryAfter : 0;
  if (typeof v.retryAfter === 'number') return v.retryAfter;
  return null;
}

const clampSeconds = (s: number): number => (Number.isFinite(s) ? Math.min(Math.max(s, 0), MAX_DELAY_SECONDS) : 0);

export function createDurableQueue(options: DurableQueueOptions): DurableQueue {
  const { handler, log } = options;
  const clock = options.clock ?? { now: () => Date.now() };
  const concurrency = Math.max(1, options.concurrency ?? 16);
  const maxAttempts = Math.max(1, options.maxAttempts ?? 5);
  const errorRetrySeconds = options.errorRetrySeconds ?? ((attempt: number) => Math.min(5 * 2 ** (attempt - 1), MAX_DELAY_SECONDS));

  const health = options.health ?? directWrites;
  const path = join(options.dataDir, 'queue');
  prepareLmdbDir(path);
  // eventTurnBatching off: see lmdb-store.ts (an unhandled rejection inside lmdb-js on a failed commit).
  const root: RootDatabase = open({ path, maxDbs: 4, eventTurnBatching: false });
  const jobs: Database<JobRecord, string> = root.openDB<JobRecord, string>({ name: 'jobs' });
  const dead: Database<JobRecord & { error: string }, string> = root.openDB({ name: 'dead' });
  const healthDb: Database<string, string> = root.openDB<string, string>({ name: 'health', encoding: 'string' });

  // Sequence numbers give push order; continue after the highest stored one so order survives restarts.
  let lastSeq = 0;
  for (const key of jobs.getKeys({ reverse: true, limit: 1 })) lastSeq = Number(key);

  const records = new Map<string, JobRecord>();
  /** Per concurrency key, the ids waiting in push order; only the first may be in the heap or running. */
  const keyQueues = new Map<string, string[]>();
  const heap = new DueHeap();
  const running = new Set<string>();
  const writes = new Set<Promise<unknown>>();
  let started = false;
  let stopping = false;
  let paused: string | null = null;
  let timer: NodeJS.Timeout | null = null;
  let timerDueAt = Infinity;
  const counters = { completed: 0, retried: 0, dead: 0 };
  let deadLetterSink: ((dead: QueueDeadJob) => Promise<void>) | null = options.onDeadLetter ?? null;
  let idleWaiters: (() => void)[] = [];
  let drainWaiters: (() => void)[] = [];
  let quietWaiters: (() => void)[] = [];

  const track = <T>(p: Promise<T>): Promise<T> => {
    writes.add(p);
    void p.finally(() => writes.delete(p)).catch(() => undefined);
    return p;
  };
  /** Bookkeeping writes wait for a failing disk (storage-health.ts) rather than be lost. */
  const write = <T>(op: () => Promise<T>): Promise<T> => track(health.write('queue', op));
  /** A job's writes in order: a retry's put waiting for the disk must not land after the job's delete. */
  const chains = new Map<string, Promise<unknown>>();
  const writeFor = <T>(id: string, op: () => Promise<T>): Promise<T> => {
    const previous = chains.get(id);
    // No earlier write pending for this job (the usual case): write now, in order with every other write.
    const next = previous ? track(previous.then(() => write(op), () => write(op))) : write(op);
    chains.set(id, next);
    void next.finally(() => chains.get(id) === next && chains.delete(id)).catch(() => undefined);
    return next;
  };
  health.addProbe(async () => {
    if (!stopping) await healthDb.put('probe', `${Date.now()}\n${'.'.repeat(16_384)}`);
  });

  const schedule = (id: string): void => {
    const rec = records.get(id)!;
    heap.push({ id, dueAt: rec.dueAt, seq: rec.seq });
  };

  /** Adds a loaded or pushed job to the in-memory schedule. */
  const admit = (id: string, rec: JobRecord): void => {
    records.set(id, rec);
    if (rec.key === null) return schedule(id);
    const waiting = keyQueues.get(rec.key);
    if (waiting) waiting.push(id);
    else {
      keyQueues.set(rec.key, [id]);
      schedule(id);
    }
  };

  /** Forgets a finished job and lets the next job of its key become runnable. */
  const release = (id: string, rec: JobRecord): void => {
    records.delete(id);
    if (rec.key === null) return;
    const waiting = keyQueues.get(rec.key)!;
    waiting.shift();
    const next = waiting[0];
    if (next === undefined) keyQueues.delete(rec.key);
    else schedule(next);
  };

  const settleWaiters = (): void => {
    if (running.size > 0) return;
    const q = quietWaiters;
    quietWaiters = [];
    q.forEach((resolve) => resolve());
    const top = heap.peek();
    if (!top || top.dueAt > clock.now()) {
      const w = idleWaiters;
      idleWaiters = [];
      w.forEach((resolve) => resolve());
    }
    if (records.size === 0) {
      const d = drainWaiters;
      drainWaiters = [];
      d.forEach((resolve) => resolve());
    }
  };

  const arm = (): void => {
    const top = heap.peek();
    if (!top || stopping) return;
    if (timer && timerDueAt <= top.dueAt) return;
    if (timer) clearTimeout(timer);
    timerDueAt = top.dueAt;
    // setTimeout caps at 2^31-1 ms; due times are at most 900 s away anyway.
    timer = setTimeout(
      () => {
        timer = null;
        timerDueAt = Infinity;
        dispatch();
      },
      Math.min(Math.max(top.dueAt - clock.now(), 0), 2 ** 31 - 1),
    );
  };

  const dispatch = (): void => {
    if (!started || stopping) return;
    if (paused) return settleWaiters();
    const now = clock.now();
    while (running.size < concurrency) {
      const top = heap.peek();
      if (!top || top.dueAt > now) break;
      heap.pop();
      void run(top.id);
    }
    if (running.size < concurrency) arm();
    settleWaiters();
  };

  const finish = (id: string, rec: JobRecord, attempts: number): void => {
    counters.completed++;
    release(id, rec);
    // The slot and the key are released before the delete commits: a crash in between only means one more run.
    writeFor(id, () => jobs.remove(id)).then(
      () => options.onJobDone?.({ jobId: id, body: rec.body, attempts }),
      (e: Error) => log.error({ jobId: id, err: e.message }, 'could not delete a finished job; it will run again after restart'),
    );
  };

  /** Sets a job aside for good: the next job of its key may run at once. */
  const giveUp = (id: string, rec: JobRecord, attempt: number, reason: string, error: unknown, permanent: boolean): void => {
    counters.dead++;
    release(id, rec);
    log.error(
      { jobId: id, type: rec.body.type, concurrencyKey: rec.key, attempts: attempt, permanent, reason },
      permanent ? 'job failed permanently; moved to the dead-letter store' : 'job gave up after its last attempt; moved to the dead-letter store',
    );
    const keepHere = () =>
      writeFor(id, () =>
        root.transaction(() => {
          dead.put(id, { ...rec, attempts: attempt, error: reason });
          jobs.remove(id);
        }),
      );
    const sink = deadLetterSink;
    if (!sink) {
      keepHere().catch((e: Error) => log.error({ jobId: id, err: e.message }, 'could not move a job to the dead-letter store'));
      return;
    }
    const info: QueueDeadJob = {
      body: rec.body,
      concurrencyKey: rec.key,
      attempts: attempt,
      error: permanent ? error : Object.assign(new Error(`gave up after ${attempt} runs; last: ${reason}`), { name: 'RetriesExhausted' }),
      permanent,
      firstFailureAt: rec.firstRetryAt ?? clock.now(),
    };
    // The job stays stored until the App has its dead letter: a crash in between only means one more run.
    track(health.background(() => sink(info)))
      .then(
        () => writeFor(id, () => jobs.remove(id)),
        (e: Error) => {
          log.error({ jobId: id, err: e?.message }, "could not file a dead letter with the app; kept in the queue's dead-letter store");
          return keepHere();
        },
      )
      .catch((e: Error) => log.error({ jobId: id, err: e?.message }, 'could not move a job to the dead-letter store'));
  };

  const retry = (id: string, rec: JobRecord, attempt: number, afterSeconds: number, reason: string): void => {
    if (attempt >= maxAttempts) return giveUp(id, rec, attempt, reason, null, false);
    counters.retried++;
    rec.firstRetryAt ??= clock.now();
    rec.attempts = attempt;
    rec.dueAt = clock.now() + clampSeconds(afterSeconds) * 1000;
    log.debug({ jobId: id, type: rec.body.type, attempt, afterSeconds, reason }, 'job will be retried');
    // Not awaited: if this write is lost in a crash the job simply runs again sooner (still at-least-once).
    const stored = { ...rec };
    writeFor(id, () => jobs.put(id, stored)).catch(() => undefined);
    schedule(id); // still the head of its key, so later jobs of the key keep waiting
  };

  const run = async (id: string): Promise<void> => {
    const rec = records.get(id)!;
    running.add(id);
    const attempt = rec.attempts + 1;
    let outcome: { retryAfter: number | null; reason: string; permanent?: unknown };
    try {
      // Outside the scope of the request whose push started it: a job's writes wait for a failing disk.
      const result = await health.background(() => handler(rec.body, { attempt, jobId: id }));
      const after = retryAfterOf(result);
      outcome = { retryAfter: after, reason: after === null ? '' : ((result as { reason?: string }).reason ?? 'handler asked for a retry') };
    } catch (e) {
      const after = retryAfterOf(e);
      const message = e instanceof Error ? e.message : 'handler threw a non-error value';
      if (after !== null) outcome = { retryAfter: after, reason: message || 'handler asked for a retry' };
      else {
        // A retry cannot fix a permanent error (the store refused the data, a bug): set the job aside now.
        outcome = { retryAfter: errorRetrySeconds(attempt), reason: message, ...(classifyFailure(e) === 'permanent' ? { permanent: e } : {}) };
        log.warn({ jobId: id, type: rec.body.type, attempt, err: message }, 'job handler threw');
      }
    }
    running.delete(id);
    if ('permanent' in outcome) giveUp(id, rec, attempt, outcome.reason, outcome.permanent, true);
    else if (outcome.retryAfter === null) finish(id, rec, attempt);
    else retry(id, rec, attempt, outcome.retryAfter, outcome.reason);
    dispatch();
    settleWaiters();
  };

  const validate = (batch: readonly QueueJob[]): void => {
    if (batch.length > MAX_JOBS_PER_PUSH) {
      throw new QueueContractError(`push of ${batch.length} jobs; @forge/events takes at most ${MAX_JOBS_PER_PUSH} per push`);
    }
    batch.forEach((job, i) => {
      const d = job.delayInSeconds;
      if (d !== undefined && (!Number.isFinite(d) || d < 0 || d > MAX_DELAY_SECONDS)) {
        throw new QueueContractError(`job ${i}: delayInSeconds must be between 0 and ${MAX_DELAY_SECONDS}, got ${d}`);
      }
      if (job.body === null || typeof job.body !== 'object' || Array.isArray(job.body)) throw new QueueContractError(`job ${i}: body must be an object`);
      // Forge: 100 KB per event for consumers with a timeout above 55 s (https://developer.atlassian.com/platform/forge/limits-async-events/).
      const eventBytes = Buffer.byteLength(JSON.stringify(job));
      if (eventBytes > QUEUE_LIMITS.maxEventBytes) {
        throw new QueueContractError(`job ${i} is ${eventBytes} bytes; a Forge consumer with a long timeout takes at most ${QUEUE_LIMITS.maxEventBytes} per event`);
      }
    });
    const bytes = Buffer.byteLength(JSON.stringify(batch));
    if (bytes > MAX_PUSH_PAYLOAD_BYTES) {
      throw new QueueContractError(`push payload is ${bytes} bytes; @forge/events takes at most 200 KB per push`);
    }
  };

  return {
    async push(batch: readonly QueueJob[]): Promise<void> {
      if (stopping) throw new Error('queue is stopped');
      validate(batch);
      if (batch.length === 0) return;
      const now = clock.now();
      // JSON round trip: a job body is what a Forge consumer would receive, not a live object graph.
      const added = batch.map((job) => {
        const seq = ++lastSeq;
        const rec: JobRecord = {
          seq,
          body: JSON.parse(JSON.stringify(job.body)) as JobBody,
          key: job.concurrencyKey ?? null,
          dueAt: now + (job.delayInSeconds ?? 0) * 1000,
          attempts: 0,
        };
        return [idOf(seq), rec] as const;
      });
      await write(() =>
        jobs.transaction(() => {
          for (const [id, rec] of added) jobs.put(id, rec);
        }),
      );
      if (!started || stopping) return; // start() loads them from the database
      for (const [id, rec] of added) admit(id, rec);
      dispatch();
    },

    async start(): Promise<void> {
      if (started) return;
      if (stopping) throw new Error('queue is stopped');
      let count = 0;
      for (const { key, value } of jobs.getRange({})) {
        admit(key, value);
        count++;
      }
      started = true;
      if (count > 0) log.info({ jobs: count }, 'queue resumed stored jobs');
      dispatch();
    },

    async stop(): Promise<void> {
      if (stopping) return;
      stopping = true;
      if (timer) clearTimeout(timer);
      timer = null;
      while (running.size > 0) await new Promise<void>((resolve) => quietWaiters.push(resolve));
      await Promise.allSettled([...writes]);
      await root.close();
    },

    idle(): Promise<void> {
      return new Promise<void>((resolve) => {
        idleWaiters.push(resolve);
        settleWaiters();
      });
    },

    drain(timeoutMs = 30_000): Promise<void> {
      return new Promise<void>((resolve, reject) => {
        const t = setTimeout(() => reject(new Error(`queue not drained after ${timeoutMs} ms (${records.size} jobs left)`)), timeoutMs);
        drainWaiters.push(() => {
          clearTimeout(t);
          resolve();
        });
        settleWaiters();
      });
    },

    wake(): void {
      if (timer) clearTimeout(timer);
      timer = null;
      timerDueAt = Infinity;
      dispatch();
    },

    pause(reason: string): void {
      if (!paused) log.warn({ reason }, 'queue paused');
      paused = reason;
    },

    resume(): void {
      if (!paused) return;
      paused = null;
      log.info({}, 'queue resumed');
      dispatch();
    },

    setDeadLetterSink(sink: ((dead: QueueDeadJob) => Promise<void>) | null): void {
      deadLetterSink = sink;
    },

    stats(): QueueStats {
      return { pending: started ? records.size : jobs.getCount(), running: running.size, ...counters, ...(paused ? { paused } : {}) };
    },
  };
}
