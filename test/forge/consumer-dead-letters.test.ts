/**
 * The Forge consumer sets poison jobs aside: a permanent failure at once, a repeated one after
 * DEAD_LETTER_POLICY's bound, through the App's dead letters, then returns normally so Forge drops the
 * event (and the jobs queued behind its concurrency key run). Failures in a row travel in retryData.
 */
import type { App } from '../../src/app/app-types';
import { DEAD_LETTER_POLICY, type DeadLetterEntryPoints, type DeadLetterMeta } from '../../src/app/dead-letters';
import { makeConsumerHandler } from '../../src/adapters/forge/consumer';
import { QueueContractError } from '../../src/adapters/local/queue/durable-queue';
import { StorageContractError, type JobResult } from '../../src/core/ports';
import type { JobBody } from '../../src/app/jobs';
import { recordingLogger } from '../fakes/recording-logger';

type Returned = { _retry?: boolean; retryOptions?: { retryAfter: number; retryReason: string; retryData: any } } | undefined;

const eventJob = (): JobBody => ({
  type: 'event',
  receivedAt: '2025-01-31T00:42:47.000Z',
  event: {
    source: 'forge', kind: 'build', occurredAt: '2025-01-31T00:42:46.866Z',
    repository: { uuid: '{15a31549-1cff-45dc-9d0d-310114c5038b}', fullName: null, slug: null },
    build: { key: 'k', name: null, state: 'FAILED', commit: 'b88c4b490b648bf960eba6f59123456797960e55', ref: 'main', url: null },
  },
});

interface Filed {
  job: JobBody;
  error: unknown;
  meta: DeadLetterMeta;
}

function appThat(handleJob: App['handleJob'], options: { recordFails?: boolean; withDeadLetters?: boolean } = {}) {
  const filed: Filed[] = [];
  const runs: number[] = [];
  const base: App = {
    ingestForgeEvent: async () => ({ queued: 0 }),
    ingestWebhook: async () => ({ status: 202, body: {} }),
    handleJob: async (body, meta) => {
      runs.push(meta.attempt);
      return handleJob(body, meta);
    },
    reconcile: async () => ({ repositories: 0, fed: 0 }),
    resolve: async () => ({ ok: true, data: null }),
  };
  const deadLetters: DeadLetterEntryPoints = {
    async recordDeadLetter(job, error, meta) {
      if (options.recordFails) throw new Error('KVS unavailable');
      filed.push({ job, error, meta });
      return {
        id: `r:1:${filed.length}`, at: '', repo: 'r', type: job.type, summary: '', error: String(error), permanent: meta.permanent,
        attempts: meta.attempts, firstFailureAt: '', lastFailureAt: '',
      };
    },
    listDeadLetters: async () => [],
    retryDeadLetter: async () => null,
  };
  const app = options.withDeadLetters === false ? base : { ...base, ...deadLetters };
  return { app, filed, runs };
}

const throwing = (err: unknown) => async (): Promise<JobResult> => {
  throw err;
};

describe('consumer: poison jobs', () => {
  it.each([
    ['a value the store refuses (StorageContractError)', new StorageContractError('value for "state:x" is 250000 bytes as JSON; KVS allows at most 245760 (240 KiB)')],
    ['a job the queue refuses (QueueContractError)', new QueueContractError('job 0 is 120000 bytes')],
    ['a TypeError', new TypeError("Cannot read properties of undefined (reading 'ref')")],
    ['a RangeError', new RangeError('Invalid time value')],
    ['an error marked permanent', Object.assign(new Error('nope'), { permanent: true })],
  ])('files %s as a dead letter on the first run and returns normally', async (_label, err) => {
    const log = recordingLogger();
    const { app, filed } = appThat(throwing(err));
    const body = eventJob();
    const out = (await makeConsumerHandler(() => app, log)({ body, jobId: 'j1' })) as Returned;
    expect(out).toBeUndefined();
    expect(filed).toHaveLength(1);
    expect(filed[0]!.job).toEqual(body);
    expect(filed[0]!.error).toBe(err);
    expect(filed[0]!.meta).toMatchObject({ attempts: 1, permanent: true });
    expect(log.lines.some((l) => l.level === 'error' && /set aside as a dead letter/.test(l.msg ?? ''))).toBe(true);
  });

  it('retries a transient failure with growing backoff, counting failures in retryData, and files it after the bound', async () => {
    const { app, filed, runs } = appThat(throwing(new Error('KVS unavailable: 503')));
    const handler = makeConsumerHandler(() => app, recordingLogger());
    const body = eventJob();
    let retryData: unknown;
    const delays: number[] = [];
    for (let run = 1; run <= DEAD_LETTER_POLICY.maxFailedRuns; run++) {
      const out = (await handler({ body, retryContext: run === 1 ? undefined : { retryCount: run - 1, retryReason: 'FUNCTION_RETRY_REQUEST', retryData } })) as Returned;
      if (run < DEAD_LETTER_POLICY.maxFailedRuns) {
        expect(out?._retry).toBe(true);
        expect(out!.retryOptions!.retryData).toMatchObject({ reason: 'unexpected error', failures: run, firstFailureAt: expect.any(Number) });
        retryData = out!.retryOptions!.retryData;
        delays.push(out!.retryOptions!.retryAfter);
        expect(filed).toHaveLength(0);
      } else {
        expect(out).toBeUndefined();
      }
    }
    expect(runs).toEqual([1, 2, 3, 4, 5, 6]);
    expect(delays).toEqual([30, 60, 120, 120, 120]);
    // The repository's later events wait at most this long behind the poison job.
    expect(delays.reduce((a, b) => a + b, 0)).toBeLessThanOrEqual(8 * 60);
    expect(filed).toHaveLength(1);
    expect(filed[0]!.meta).toMatchObject({ attempts: DEAD_LETTER_POLICY.maxFailedRuns, permanent: false, firstFailureAt: expect.any(Number) });
  });

  it('hosted by the local runtime (retryCount only, no retryData), counts every earlier run as failed and dates the first back', async () => {
    const { app, filed } = appThat(throwing(new Error('KVS unavailable: 503')));
    const out = await makeConsumerHandler(() => app, recordingLogger())({ body: eventJob(), retryContext: { retryCount: DEAD_LETTER_POLICY.maxFailedRuns - 1 } });
    expect(out).toBeUndefined();
    expect(filed[0]!.meta).toEqual({ attempts: DEAD_LETTER_POLICY.maxFailedRuns, permanent: false, failingForMs: (30 + 60 + 120 + 120 + 120) * 1000 });
  });

  it('hosted by the local runtime, does not take the earlier runs of a delivery (which may have been waits) as failures', async () => {
    const { app, filed } = appThat(throwing(new Error('KVS unavailable: 503')));
    const deliver = { type: 'deliver', delivery: { id: 'a:chat' } } as unknown as JobBody;
    const out = (await makeConsumerHandler(() => app, recordingLogger())({ body: deliver, retryContext: { retryCount: 40 } })) as Returned;
    expect(out?._retry).toBe(true);
    expect(out!.retryOptions!.retryAfter).toBe(30);
    expect(filed).toHaveLength(0);
  });

  it('files a job that has been failing for longer than the time bound, even with few failures', async () => {
    const { app, filed } = appThat(throwing(new Error('timeout')));
    const firstFailureAt = Date.now() - DEAD_LETTER_POLICY.maxFailingMs - 1000;
    const out = await makeConsumerHandler(() => app, recordingLogger())({
      body: eventJob(),
      retryContext: { retryCount: 1, retryReason: 'FUNCTION_RETRY_REQUEST', retryData: { reason: 'unexpected error', failures: 1, firstFailureAt } },
    });
    expect(out).toBeUndefined();
    expect(filed).toHaveLength(1);
    expect(filed[0]!.meta).toMatchObject({ attempts: 2, permanent: false, firstFailureAt });
  });

  it('does not count retries the App asked for (a delivery waiting) as failures', async () => {
    const { app, filed } = appThat(throwing(new Error('KVS unavailable: 503')));
    // Run 40 of a delivery that waited 39 times (its retryData has no failure count), now failing once.
    const out = (await makeConsumerHandler(() => app, recordingLogger())({
      body: eventJob(),
      retryContext: { retryCount: 39, retryReason: 'FUNCTION_RETRY_REQUEST', retryData: { reason: 'breaker open' } },
    })) as Returned;
    expect(out?._retry).toBe(true);
    expect(out!.retryOptions!.retryAfter).toBe(30);
    expect(out!.retryOptions!.retryData).toMatchObject({ failures: 1 });
    expect(filed).toHaveLength(0);
  });

  it('a retry the App asks for carries no failure count', async () => {
    const { app } = appThat(async () => ({ status: 'retry', afterSeconds: 10, reason: 'quiet hours' }));
    const out = (await makeConsumerHandler(() => app, recordingLogger())({
      body: eventJob(),
      retryContext: { retryCount: 3, retryReason: 'FUNCTION_RETRY_REQUEST', retryData: { reason: 'unexpected error', failures: 3, firstFailureAt: Date.now() } },
    })) as Returned;
    expect(out!.retryOptions!.retryData).toEqual({ reason: 'quiet hours' });
  });

  it('keeps retrying when the dead letter cannot be written, and drops the job after twice the bound', async () => {
    const log = recordingLogger();
    const { app } = appThat(throwing(new StorageContractError('too large')), { recordFails: true });
    const handler = makeConsumerHandler(() => app, log);
    const first = (await handler({ body: eventJob() })) as Returned;
    expect(first?._retry).toBe(true);
    const failures = 2 * DEAD_LETTER_POLICY.maxFailedRuns - 1;
    const last = await handler({
      body: eventJob(),
      retryContext: { retryCount: failures, retryReason: 'FUNCTION_RETRY_REQUEST', retryData: { reason: 'unexpected error', failures, firstFailureAt: Date.now() } },
    });
    expect(last).toBeUndefined();
    expect(log.lines.some((l) => /could not be set aside; dropped/.test(l.msg ?? ''))).toBe(true);
  });

  it('drops a permanent failure, as before, when the App has no dead letters', async () => {
    const log = recordingLogger();
    const { app } = appThat(throwing(new TypeError('x is undefined')), { withDeadLetters: false });
    expect(await makeConsumerHandler(() => app, log)({ body: eventJob() })).toBeUndefined();
    expect(log.lines.some((l) => /failed permanently; dropped/.test(l.msg ?? ''))).toBe(true);
  });
});
