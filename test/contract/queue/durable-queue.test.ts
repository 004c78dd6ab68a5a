import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InvocationError, InvocationErrorCode } from '@forge/events';
import { QueueContractError, createDurableQueue } from '../../../src/adapters/local/queue/durable-queue';
import type { DurableQueue, DurableQueueOptions, JobHandler, JobMeta } from '../../../src/adapters/local/queue/durable-queue';
import type { QueueDeadJob } from '../../../src/app/dead-letters';
import type { JobBody, QueueJob } from '../../../src/app/jobs';
import { recordingLogger } from '../../fakes/recording-logger';

/** Builder: a small job body whose repoKey names the job. */
const aJob = (name: string, extra: Partial<QueueJob> = {}): QueueJob => ({ body: { type: 'flush-group', groupKey: name }, ...extra });
const nameOf = (body: JobBody): string => (body.type === 'flush-group' ? body.groupKey : body.type);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('durable queue (local runtime)', () => {
  let dir: string;
  let queues: DurableQueue[];
  let now: number;
  const clock = { now: () => now };
  const log = recordingLogger();

  const make = (handler: JobHandler, opts: Partial<DurableQueueOptions> = {}): DurableQueue => {
    const q = createDurableQueue({ dataDir: dir, handler, log, clock, ...opts });
    queues.push(q);
    return q;
  };
  const advance = async (q: DurableQueue, ms: number) => {
    now += ms;
    q.wake();
    await q.idle();
  };

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'queue-test-'));
    queues = [];
    now = Date.parse('2026-03-01T00:00:00Z');
    log.lines.length = 0;
  });
  afterEach(async () => {
    for (const q of queues) await q.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('runs every pushed job once, with attempt 1 and a job id', async () => {
    const seen: [string, JobMeta][] = [];
    const q = make(async (body, meta) => {
      seen.push([nameOf(body), meta]);
      return { status: 'done' };
    });
    await q.start();
    await q.push([aJob('a'), aJob('b'), aJob('c')]);
    await q.idle();
    expect(seen.map(([n]) => n).sort()).toEqual(['a', 'b', 'c']);
    expect(seen.every(([, m]) => m.attempt === 1 && /^\d+$/.test(m.jobId))).toBe(true);
    expect(new Set(seen.map(([, m]) => m.jobId)).size).toBe(3);
    expect(q.stats()).toMatchObject({ pending: 0, running: 0, completed: 3 });
  });

  it('has jobs stored when push resolves, before the queue is started', async () => {
    const q1 = make(async () => ({ status: 'done' }));
    await q1.push([aJob('x'), aJob('y')]);
    expect(q1.stats().pending).toBe(2);
    await q1.stop();
    const ran: string[] = [];
    const q2 = make(async (body) => void ran.push(nameOf(body)));
    await q2.start();
    await q2.idle();
    expect(ran.sort()).toEqual(['x', 'y']);
  });

  it('holds a delayed job until its delay has passed', async () => {
    const ran: string[] = [];
    const q = make(async (body) => void ran.push(nameOf(body)));
    await q.start();
    await q.push([aJob('later', { delayInSeconds: 30 }), aJob('now')]);
    await q.idle();
    expect(ran).toEqual(['now']);
    await advance(q, 29_000);
    expect(ran).toEqual(['now']);
    await advance(q, 1_000);
    expect(ran).toEqual(['now', 'later']);
  });

  it('re-runs a job that returns retry after afterSeconds, counting attempts', async () => {
    const attempts: number[] = [];
    const q = make(async (_body, meta) => {
      attempts.push(meta.attempt);
      return meta.attempt < 3 ? { status: 'retry', afterSeconds: 10, reason: 'receiver answered 503' } : { status: 'done' };
    });
    await q.start();
    await q.push([aJob('flaky')]);
    await q.idle();
    expect(attempts).toEqual([1]);
    await advance(q, 9_999);
    expect(attempts).toEqual([1]);
    await advance(q, 1);
    expect(attempts).toEqual([1, 2]);
    await advance(q, 10_000);
    expect(attempts).toEqual([1, 2, 3]);
    expect(q.stats()).toMatchObject({ pending: 0, completed: 1, retried: 2 });
  });

  it('understands a Forge InvocationError (thrown or returned) and an error with retryAfter', async () => {
    const attempts = new Map<string, number>();
    const q = make(async (body, meta) => {
      const name = nameOf(body);
      attempts.set(name, meta.attempt);
      if (meta.attempt > 1) return { status: 'done' };
      if (name === 'thrown-invocation') throw new InvocationError({ retryAfter: 20, retryReason: InvocationErrorCode.FUNCTION_RETRY_REQUEST });
      if (name === 'returned-invocation') return new InvocationError({ retryAfter: 20, retryReason: InvocationErrorCode.FUNCTION_RETRY_REQUEST }) as never;
      throw Object.assign(new Error('rate limited'), { retryAfter: 20 });
    });
    await q.start();
    await q.push([aJob('thrown-invocation'), aJob('returned-invocation'), aJob('error-with-retryAfter')]);
    await q.idle();
    await advance(q, 19_000);
    expect([...attempts.values()]).toEqual([1, 1, 1]);
    await advance(q, 1_000);
    expect([...attempts.values()]).toEqual([2, 2, 2]);
    expect(q.stats().completed).toBe(3);
  });

  it('retries a job whose handler throws, with backoff, and sets it aside after maxAttempts', async () => {
    const attempts: number[] = [];
    const q = make(
      async (_body, meta) => {
        attempts.push(meta.attempt);
        throw new Error('boom');
      },
      { maxAttempts: 3, errorRetrySeconds: (attempt) => attempt * 10 },
    );
    await q.start();
    await q.push([aJob('doomed')]);
    await q.idle();
    await advance(q, 10_000);
    await advance(q, 20_000);
    expect(attempts).toEqual([1, 2, 3]);
    await advance(q, 900_000);
    expect(attempts).toEqual([1, 2, 3]);
    expect(q.stats()).toMatchObject({ pending: 0, dead: 1 });
    expect(log.lines.some((l) => l.level === 'error' && /dead-letter/.test(l.msg ?? ''))).toBe(true);
  });

  it('runs jobs of one concurrency key one at a time, in push order, behind a slow first job', async () => {
    const events: string[] = [];
    let inFlightForKey = 0;
    let maxForKey = 0;
    const q = make(async (body) => {
      const name = nameOf(body);
      const keyed = name.startsWith('k');
      if (keyed) maxForKey = Math.max(maxForKey, ++inFlightForKey);
      events.push(`start ${name}`);
      await sleep(name === 'k1' ? 80 : 5);
      events.push(`end ${name}`);
      if (keyed) inFlightForKey--;
    });
    await q.start();
    await q.push([aJob('k1', { concurrencyKey: 'chan:inc' }), aJob('k2', { concurrencyKey: 'chan:inc' }), aJob('other', { concurrencyKey: 'chan:x' }), aJob('k3', { concurrencyKey: 'chan:inc' })]);
    await q.idle();
    expect(maxForKey).toBe(1);
    const keyed = events.filter((e) => / k\d$/.test(e));
    expect(keyed).toEqual(['start k1', 'end k1', 'start k2', 'end k2', 'start k3', 'end k3']);
    // The other key did not wait for the slow job.
    expect(events.indexOf('end other')).toBeLessThan(events.indexOf('end k1'));
  });

  it('a job waiting to retry holds back later jobs of its key, not other keys', async () => {
    const ran: string[] = [];
    const q = make(async (body, meta) => {
      ran.push(`${nameOf(body)}#${meta.attempt}`);
      if (nameOf(body) === 'first' && meta.attempt === 1) return { status: 'retry', afterSeconds: 60, reason: '503' };
      return { status: 'done' };
    });
    await q.start();
    await q.push([aJob('first', { concurrencyKey: 'k' }), aJob('second', { concurrencyKey: 'k' }), aJob('free', { concurrencyKey: 'j' })]);
    await q.idle();
    expect(ran.sort()).toEqual(['first#1', 'free#1']);
    await advance(q, 60_000);
    expect(ran).toHaveLength(4);
    expect(ran.slice(2)).toEqual(['first#2', 'second#1']);
  });

  it('runs different keys in parallel up to the global limit', async () => {
    let inFlight = 0;
    let max = 0;
    const handler: JobHandler = async () => {
      max = Math.max(max, ++inFlight);
      await sleep(30);
      inFlight--;
    };
    const q = make(handler, { concurrency: 4 });
    await q.start();
    await q.push(Array.from({ length: 12 }, (_, i) => aJob(`j${i}`, { concurrencyKey: `key-${i}` })));
    await q.idle();
    expect(max).toBe(4);
    expect(q.stats().completed).toBe(12);
  });

  it('refuses more than 50 jobs per push, a delay outside 0..900 s, over 200 KB per push and over 100 KB per job, storing nothing', async () => {
    const q = make(async () => undefined);
    await expect(q.push(Array.from({ length: 51 }, (_, i) => aJob(`j${i}`)))).rejects.toBeInstanceOf(QueueContractError);
    await expect(q.push([aJob('late', { delayInSeconds: 901 })])).rejects.toThrow(/0 and 900/);
    await expect(q.push([aJob('past', { delayInSeconds: -1 })])).rejects.toBeInstanceOf(QueueContractError);
    // One job over 100 KB: Forge's per-event cap for consumers with a timeout above 55 s (limits-async-events).
    await expect(q.push([aJob('x'.repeat(101 * 1024))])).rejects.toThrow(/at most 102400 per event/);
    // Three jobs of 80 KB: each fits, the push does not.
    await expect(q.push([aJob('a'.repeat(80 * 1024)), aJob('b'.repeat(80 * 1024)), aJob('c'.repeat(80 * 1024))])).rejects.toThrow(/200 KB/);
    expect(q.stats().pending).toBe(0);
    await q.push(Array.from({ length: 50 }, (_, i) => aJob(`j${i}`)));
    expect(q.stats().pending).toBe(50);
  });

  it('processes thousands of jobs a second', async () => {
    let count = 0;
    const q = make(async () => void count++, { clock: { now: () => Date.now() } });
    await q.start();
    const started = Date.now();
    const pushes: Promise<void>[] = [];
    for (let i = 0; i < 5000; i += 50) pushes.push(q.push(Array.from({ length: 50 }, (_, j) => aJob(`t${i + j}`, { concurrencyKey: `k${(i + j) % 100}` }))));
    await Promise.all(pushes);
    await q.drain(10_000);
    const elapsed = Date.now() - started;
    expect(count).toBe(5000);
    expect(elapsed).toBeLessThan(5000);
  });

  describe('dead letters', () => {
    it('hands a job given up after maxAttempts to the dead-letter sink, with its key, runs and first failure, and deletes it', async () => {
      const filed: QueueDeadJob[] = [];
      const q = make(async () => ({ status: 'retry', afterSeconds: 10, reason: 'still waiting' }), { maxAttempts: 3 });
      q.setDeadLetterSink(async (dead) => void filed.push(dead));
      await q.start();
      const firstRun = now;
      await q.push([aJob('stuck', { concurrencyKey: 'event:r1' })]);
      await q.idle();
      await advance(q, 10_000);
      await advance(q, 10_000);
      await q.drain(2000);
      expect(filed).toHaveLength(1);
      expect(filed[0]).toMatchObject({ body: { type: 'flush-group', groupKey: 'stuck' }, concurrencyKey: 'event:r1', attempts: 3, permanent: false, firstFailureAt: firstRun });
      expect(String((filed[0]!.error as Error).message)).toMatch(/gave up after 3 runs; last: still waiting/);
      expect(q.stats()).toMatchObject({ pending: 0, dead: 1 });
      // Gone from the queue for good: nothing runs again after a restart.
      await q.stop();
      const runs: string[] = [];
      const again = make(async (body) => void runs.push(nameOf(body)));
      await again.start();
      await again.idle();
      expect(runs).toEqual([]);
    });

    it('sets a job aside at once when its handler throws a permanent error, and the next job of its key runs', async () => {
      const filed: QueueDeadJob[] = [];
      const ran: string[] = [];
      const q = make(async (body) => {
        ran.push(nameOf(body));
        if (nameOf(body) === 'poison') throw Object.assign(new Error('value for "state:x" is too large'), { name: 'StorageContractError' });
      });
      q.setDeadLetterSink(async (dead) => void filed.push(dead));
      await q.start();
      await q.push([aJob('poison', { concurrencyKey: 'event:r1' }), aJob('later', { concurrencyKey: 'event:r1' })]);
      await q.drain(2000);
      expect(ran).toEqual(['poison', 'later']);
      expect(filed).toHaveLength(1);
      expect(filed[0]).toMatchObject({ attempts: 1, permanent: true, error: { name: 'StorageContractError' } });
      expect(q.stats()).toMatchObject({ pending: 0, completed: 1, dead: 1, retried: 0 });
    });

    it('keeps a dead job in its own dead-letter store when the sink fails', async () => {
      const q = make(async () => {
        throw new TypeError('bug');
      });
      q.setDeadLetterSink(async () => {
        throw new Error('store refuses');
      });
      await q.start();
      await q.push([aJob('doomed')]);
      await q.drain(2000);
      await q.stop();
      expect(q.stats()).toMatchObject({ dead: 1 });
      expect(log.lines.some((l) => /could not file a dead letter with the app/.test(l.msg ?? ''))).toBe(true);
    });
  });
});
