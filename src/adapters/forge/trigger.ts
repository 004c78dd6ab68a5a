/**
 * `trigger` module: Bitbucket product events
 * (https://developer.atlassian.com/platform/forge/events-reference/bitbucket/). Triggers get 25 s,
 * so this only hands the event to the App, which normalizes, filters and queues; vendors are never
 * called from here. `filter.ignoreSelf` is Jira-only, hence the `selfGenerated` check.
 *
 * A product event is retried only when the handler *returns* an `InvocationError` (at most four
 * times, `retryAfter` at most 900 s; https://developer.atlassian.com/platform/forge/events-reference/product_events/#retry-atlassian-app-events).
 * A thrown error is not retried, and push, pull request and deployment events are never
 * reconciled, so a queue rate limit or a KVS hiccup here would lose the alert: transient failures
 * return an InvocationError; permanent ones are logged and dropped.
 */
import { InvocationError, InvocationErrorCode } from '@forge/events';
import type { IngestResult } from '../../app/app-types';
import type { Logger } from '../../core/ports';
import { appForInvocation, type AppProvider } from './app-instance';
import { installationOf } from './invocation';
import { logFor } from './hosting';
import { createConsoleLogger } from './logger';
import { errorKind, retryability } from './platform-errors';

export interface ProductEvent {
  eventType?: string;
  selfGenerated?: boolean;
  /** Present on a retry: `{ retryCount, retryReason, retryData }`. */
  retryContext?: { retryCount?: number };
  [field: string]: unknown;
}

export function makeTriggerHandler(getApp: AppProvider, ownLog: Logger = createConsoleLogger({ base: { handler: 'trigger' } })) {
  return async function onBitbucketEvent(event: unknown, context?: unknown): Promise<IngestResult | InvocationError> {
    const log = logFor(context, ownLog, { handler: 'trigger' });
    const e: ProductEvent = event && typeof event === 'object' ? (event as ProductEvent) : {};
    if (e.selfGenerated === true) return { queued: 0, ignored: 'selfGenerated' };
    const attempt = (typeof e.retryContext?.retryCount === 'number' ? e.retryContext.retryCount : 0) + 1;
    try {
      const result = await getApp(installationOf(context), context).ingestForgeEvent(event);
      log.info({ eventType: e.eventType, queued: result.queued, ignored: result.ignored, attempt }, 'event ingested');
      return result;
    } catch (err) {
      const verdict = retryability(err, attempt);
      if (!verdict.retry) {
        log.error({ eventType: e.eventType, attempt, err }, 'event ingest failed permanently; dropped');
        return { queued: 0, ignored: 'ingest failed permanently' };
      }
      log.warn({ eventType: e.eventType, attempt, retryAfter: verdict.afterSeconds, err }, 'event ingest failed; Forge will retry it');
      return new InvocationError({
        retryAfter: verdict.afterSeconds,
        retryReason: verdict.rateLimited ? InvocationErrorCode.FUNCTION_UPSTREAM_RATE_LIMITED : InvocationErrorCode.FUNCTION_RETRY_REQUEST,
        // retryData must be an object (ECO-734) and under 4 KB.
        retryData: { failure: errorKind(err) },
      });
    }
  };
}

export const handler = makeTriggerHandler(appForInvocation);
