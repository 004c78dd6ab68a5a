/**
 * `scheduledTrigger` (hourly): reconciliation feeds terminal pipeline results the app has not seen,
 * because Forge events can arrive late, out of order or not at all. The handler answers
 * `{ statusCode: 204 }` (https://developer.atlassian.com/platform/forge/manifest-reference/modules/scheduled-trigger/:
 * a scheduled trigger's function returns a status code; without one Forge records the run as failed).
 */
import type { Logger } from '../../core/ports';
import { appForInvocation, type AppProvider } from './app-instance';
import { installationOf } from './invocation';
import { logFor } from './hosting';
import { createConsoleLogger } from './logger';

export function makeScheduledHandler(getApp: AppProvider, ownLog: Logger = createConsoleLogger({ base: { handler: 'scheduled' } })) {
  return async function onSchedule(_event?: unknown, context?: unknown): Promise<{ statusCode: number }> {
    const log = logFor(context, ownLog, { handler: 'scheduled' });
    try {
      const result = await getApp(installationOf(context), context).reconcile();
      log.info(result, 'reconciliation finished');
      return { statusCode: 204 };
    } catch (err) {
      // The next hourly run starts over; a 500 marks this one failed in the developer console.
      log.error({ err }, 'reconciliation failed');
      return { statusCode: 500 };
    }
  };
}

export const handler = makeScheduledHandler(appForInvocation);
