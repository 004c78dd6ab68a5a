/**
 * `scheduledTrigger` (hourly): reconciliation feeds terminal pipeline results the app has not seen,
 * because Forge events can arrive late, out of order or not at all.
 */
import type { Logger } from '../../core/ports';
import { getForgeApp, type AppProvider } from './app-instance';
import { createConsoleLogger } from './logger';

export function makeScheduledHandler(getApp: AppProvider, log: Logger = createConsoleLogger({ base: { handler: 'scheduled' } })) {
  return async function onSchedule(_event?: unknown, _context?: unknown): Promise<{ repositories: number; fed: number }> {
    try {
      const result = await getApp().reconcile();
      log.info(result, 'reconciliation finished');
      return result;
    } catch (err) {
      log.error({ err }, 'reconciliation failed');
      throw err;
    }
  };
}

export const handler = makeScheduledHandler(() => getForgeApp());
