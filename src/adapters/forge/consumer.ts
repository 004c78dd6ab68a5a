/**
 * `consumer` module for the `build-alerts-jobs` queue (@forge/events 2+: the consumer is a plain
 * function receiving an AsyncEvent, https://developer.atlassian.com/platform/forge/runtime-reference/async-events-api/).
 * A retry is asked for by *returning* `new InvocationError(...)`: its constructor returns a plain
 * `{ _retry, retryOptions }` object the platform reads from the result, so throwing it would not work.
 *
 * A job that throws is retried only while a retry can help: a permanent error (app/dead-letters.ts
 * `classifyFailure`, plus @forge/events validation errors) or too many failed runs in a row
 * (DEAD_LETTER_POLICY) files it as a dead letter through the App and returns normally, so Forge drops
 * the event and the jobs queued behind its concurrency key (a repository's events) run. The local
 * runtime runs its queue jobs through this same handler (adapters/local/forge-host.ts).
 */
import { InvocationError, InvocationErrorCode } from '@forge/events';
import { DEAD_LETTER_POLICY, deadLettersOf, failureBackoffSeconds, shouldDeadLetter } from '../../app/dead-letters';
import type { App } from '../../app/app-types';
import { type Logger } from '../../core/ports';
import { JOB_TYPES, type JobBody } from '../../app/jobs';
import { appForInvocation, type AppProvider } from './app-instance';
import { installationOf } from './invocation';
import { logFor } from './hosting';
import { createConsoleLogger } from './logger';
import { errorKind, retryability } from './platform-errors';

/** Forge delays a retried event by at most 15 minutes. */
export const MAX_RETRY_AFTER_S = 900;

export interface QueueEvent {
  body?: unknown;
  jobId?: string;
  eventId?: string;
  retryContext?: { retryCount?: number; retryReason?: string; retryData?: unknown };
}

const KNOWN_JOB_TYPES = new Set<string>(JOB_TYPES);

function isJobBody(body: unknown): body is JobBody {
  return !!body && typeof body === 'object' && KNOWN_JOB_TYPES.has((body as { type?: unknown }).type as string);
}

/** What a failed run hands to the next one (`retryData`, which Forge returns in `retryContext`). */
interface FailureData {
  reason: string;
  /** Failed runs in a row so far. */
  failures: number;
  /** When the first of them failed (ms). */
  firstFailureAt: number;
}

/** Jobs whose earlier runs may have been waits the App asked for (quiet hours, an open breaker, a reminder not due). */
const WAITING_JOB_TYPES = new Set<string>(['deliver', 'remind']);

/**
 * Failed runs before this one, and when the first failed. From our own `retryData` when the platform
 * returns it; a retry the App asked for (a delivery waiting) carries no `failures`, so it resets the
 * count. Without any retryData (hosted by the local runtime, which passes `retryCount` only) every
 * earlier run of a job that never waits is taken as failed, and the first failure is dated back along
 * the backoff schedule; for a job that may have waited nothing is known (the local queue's own
 * `maxAttempts` still bounds it).
 */
function priorFailures(event: QueueEvent, body: JobBody, attempt: number, now: number): { failures: number; firstFailureAt: number; estimated: boolean } {
  const data = event.retryContext?.retryData as Partial<FailureData> | undefined;
  if (data && typeof data === 'object') {
    const failures = typeof data.failures === 'number' && Number.isInteger(data.failures) && data.failures > 0 ? data.failures : 0;
    const first = typeof data.firstFailureAt === 'number' && Number.isFinite(data.firstFailureAt) && data.firstFailureAt <= now ? data.firstFailureAt : now;
    return { failures, firstFailureAt: failures > 0 ? first : now, estimated: false };
  }
  const failures = WAITING_JOB_TYPES.has(body.type) ? 0 : Math.max(0, attempt - 1);
  let waitedS = 0;
  for (let f = 1; f <= Math.min(failures, 1000); f++) waitedS += failureBackoffSeconds(f);
  return { failures, firstFailureAt: now - waitedS * 1000, estimated: true };
}

export function makeConsumerHandler(getApp: AppProvider, ownLog: Logger = createConsoleLogger({ base: { handler: 'consumer' } })) {
  return async function onQueueJob(event: QueueEvent, context?: unknown): Promise<ReturnType<typeof retry> | void> {
    const log = logFor(context, ownLog, { handler: 'consumer' });
    const attempt = (event?.retryContext?.retryCount ?? 0) + 1;
    const body = event?.body;
    if (!isJobBody(body)) {
      // Retrying cannot fix a malformed body: drop it, loudly.
      log.error({ jobId: event?.jobId, attempt }, 'queue job has no known type; dropped');
      return;
    }
    let app: App | undefined;
    try {
      app = getApp(installationOf(context), context);
      const result = await app.handleJob(body, { attempt });
      if (result.status === 'retry') {
        log.info({ jobId: event.jobId, type: body.type, attempt, afterSeconds: result.afterSeconds, reason: result.reason }, 'job asks for a retry');
        return retry(result.afterSeconds, result.reason);
      }
      log.debug({ jobId: event.jobId, type: body.type, attempt }, 'job done');
      return;
    } catch (err) {
      const now = Date.now();
      const prior = priorFailures(event, body, attempt, now);
      const failures = prior.failures + 1;
      const verdict = retryability(err, failures);
      const permanent = !verdict.retry;
      if (!shouldDeadLetter({ permanent, failures, firstFailureAt: prior.firstFailureAt, now })) {
        log.error({ jobId: event.jobId, type: body.type, attempt, failures, err }, 'job failed unexpectedly; retrying');
        const afterSeconds = Math.min(DEAD_LETTER_POLICY.maxBackoffSeconds, Math.max(verdict.retry ? verdict.afterSeconds : 0, failureBackoffSeconds(failures)));
        return retry(afterSeconds, 'unexpected error', { failures, firstFailureAt: prior.firstFailureAt });
      }
      const deadLetters = deadLettersOf(app);
      if (!deadLetters) {
        log.error({ jobId: event.jobId, type: body.type, attempt, failures, err }, permanent ? 'job failed permanently; dropped' : 'job failed too many times; dropped');
        return;
      }
      try {
        // An estimate is passed as a duration: the host's clock (local runtime) may not be this process's.
        const since = prior.estimated ? { failingForMs: now - prior.firstFailureAt } : { firstFailureAt: prior.firstFailureAt };
        const filed = await deadLetters.recordDeadLetter(body, err, { attempts: attempt, permanent, ...since });
        log.error(
          { jobId: event.jobId, type: body.type, attempt, failures, deadLetter: filed.id, err },
          permanent ? 'job failed permanently; set aside as a dead letter' : 'job failed too many times; set aside as a dead letter',
        );
        return;
      } catch (recordErr) {
        // The store refuses the dead letter too: keep retrying a while (it may recover), then drop the job.
        if (failures < 2 * DEAD_LETTER_POLICY.maxFailedRuns) {
          log.error({ jobId: event.jobId, type: body.type, attempt, failures, err, recordErr: errorKind(recordErr) }, 'job failed and could not be set aside; retrying');
          return retry(failureBackoffSeconds(failures), 'unexpected error', { failures, firstFailureAt: prior.firstFailureAt });
        }
        log.error({ jobId: event.jobId, type: body.type, attempt, failures, err, recordErr: errorKind(recordErr) }, 'job failed and could not be set aside; dropped');
        return;
      }
    }
  };
}

function retry(afterSeconds: number, reason: string, failure?: Omit<FailureData, 'reason'>) {
  const retryAfter = Math.min(MAX_RETRY_AFTER_S, Math.max(1, Math.ceil(afterSeconds)));
  return new InvocationError({ retryAfter, retryReason: InvocationErrorCode.FUNCTION_RETRY_REQUEST, retryData: { reason, ...failure } });
}

export const handler = makeConsumerHandler(appForInvocation);
