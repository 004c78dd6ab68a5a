/**
 * `consumer` module for the `build-alerts-jobs` queue (@forge/events 2+: the consumer is a plain
 * function receiving an AsyncEvent, https://developer.atlassian.com/platform/forge/runtime-reference/async-events-api/).
 * A retry is asked for by *returning* `new InvocationError(...)`: its constructor returns a plain
 * `{ _retry, retryOptions }` object the platform reads from the result, so throwing it would not work.
 */
import { InvocationError, InvocationErrorCode } from '@forge/events';
import { JOB_TYPES, type JobBody, type Logger } from '../../core/ports';
import { appForInvocation, type AppProvider } from './app-instance';
import { installationOf } from './invocation';
import { logFor } from './hosting';
import { createConsoleLogger } from './logger';
import { retryability } from './platform-errors';

/** Forge delays a retried event by at most 15 minutes. */
export const MAX_RETRY_AFTER_S = 900;

export interface QueueEvent {
  body?: unknown;
  jobId?: string;
  eventId?: string;
  retryContext?: { retryCount?: number; retryReason?: string };
}

const KNOWN_JOB_TYPES = new Set<string>(JOB_TYPES);

function isJobBody(body: unknown): body is JobBody {
  return !!body && typeof body === 'object' && KNOWN_JOB_TYPES.has((body as { type?: unknown }).type as string);
}

/** Backoff for unexpected failures (storage hiccups, bugs): 30 s, 60 s, 120 s... capped. */
const failureBackoff = (attempt: number) => Math.min(MAX_RETRY_AFTER_S, 30 * 2 ** Math.max(0, attempt - 1));

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
    try {
      const result = await getApp(installationOf(context), context).handleJob(body, { attempt });
      if (result.status === 'retry') {
        log.info({ jobId: event.jobId, type: body.type, attempt, afterSeconds: result.afterSeconds, reason: result.reason }, 'job asks for a retry');
        return retry(result.afterSeconds, result.reason);
      }
      log.debug({ jobId: event.jobId, type: body.type, attempt }, 'job done');
      return;
    } catch (err) {
      const verdict = retryability(err, attempt);
      if (!verdict.retry) {
        log.error({ jobId: event.jobId, type: body.type, attempt, err }, 'job failed permanently; dropped');
        return;
      }
      log.error({ jobId: event.jobId, type: body.type, attempt, err }, 'job failed unexpectedly; retrying');
      return retry(Math.max(verdict.afterSeconds, failureBackoff(attempt)), 'unexpected error');
    }
  };
}

function retry(afterSeconds: number, reason: string) {
  const retryAfter = Math.min(MAX_RETRY_AFTER_S, Math.max(1, Math.ceil(afterSeconds)));
  return new InvocationError({ retryAfter, retryReason: InvocationErrorCode.FUNCTION_RETRY_REQUEST, retryData: { reason } });
}

export const handler = makeConsumerHandler(appForInvocation);
