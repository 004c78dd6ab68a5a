/**
 * `trigger` module: Bitbucket product events
 * (https://developer.atlassian.com/platform/forge/events-reference/bitbucket/). Triggers get 25 s,
 * so this only hands the event to the App, which normalizes, filters and queues; vendors are never
 * called from here. `filter.ignoreSelf` is Jira-only, hence the `selfGenerated` check.
 */
import type { IngestResult } from '../../app/app-types';
import type { Logger } from '../../core/ports';
import { getForgeApp, type AppProvider } from './app-instance';
import { createConsoleLogger } from './logger';

export function makeTriggerHandler(getApp: AppProvider, log: Logger = createConsoleLogger({ base: { handler: 'trigger' } })) {
  return async function onBitbucketEvent(event: unknown, _context?: unknown): Promise<IngestResult> {
    const e = event && typeof event === 'object' ? (event as Record<string, unknown>) : {};
    if (e.selfGenerated === true) return { queued: 0, ignored: 'selfGenerated' };
    try {
      const result = await getApp().ingestForgeEvent(event);
      log.info({ eventType: e.eventType, queued: result.queued, ignored: result.ignored }, 'event ingested');
      return result;
    } catch (err) {
      // Rethrown so the invocation is marked failed in the developer console; the message carries no payload.
      log.error({ eventType: e.eventType, err }, 'event ingest failed');
      throw err;
    }
  };
}

export const handler = makeTriggerHandler(() => getForgeApp());
