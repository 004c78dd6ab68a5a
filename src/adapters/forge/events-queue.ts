/**
 * Queue port over Forge async events (`@forge/events` `Queue.push`):
 * https://developer.atlassian.com/platform/forge/runtime-reference/async-events-api/
 *
 * - At most 50 events and 200 KB per push, `delayInSeconds` 0..900: @forge/events validates these itself and throws
 *   (TooManyEventsError, PayloadTooBigError, InvalidPushSettingsError); we do not split a push, because callers rely on
 *   one push being one request.
 * - Per-key ordering: @forge/events 3.x takes `concurrency: { key, limit }` per event (see
 *   node_modules/@forge/events/out/types.d.ts). `limit: 1` gives "one at a time per key", which is what the app needs
 *   for deliveries of one incident to one channel. Forge does not document FIFO order within a key, so consumers must
 *   tolerate reordering and redelivery; the local queue is stricter (strict push order per key).
 */
import { createHash } from 'node:crypto';
import { Queue as ForgeQueue } from '@forge/events';
import type { Queue, QueueJob } from '../../core/ports';

type ApiClient = ConstructorParameters<typeof ForgeQueue>[1];

export interface ForgeEventsQueueOptions {
  /** The queue key named by a `consumer` module in manifest.yml. */
  key: string;
  /** Injected in tests; defaults to @forge/api's app client, as `new Queue()` does. */
  apiClient?: ApiClient;
}

/**
 * Concurrency keys are ours (channel + incident); Forge documents no format for them, so keep them to a conservative
 * alphabet and length, hashing anything else (stable, so the same key always maps to the same Forge key).
 */
export function forgeConcurrencyKey(key: string): string {
  if (/^[A-Za-z0-9_-]{1,64}$/.test(key)) return key;
  return 'k-' + createHash('sha256').update(key).digest('base64url').slice(0, 40).replace(/[^A-Za-z0-9_-]/g, '_');
}

export function createForgeEventsQueue(options: ForgeEventsQueueOptions): Queue {
  const queue = options.apiClient ? new ForgeQueue({ key: options.key }, options.apiClient) : new ForgeQueue({ key: options.key });
  return {
    async push(jobs: readonly QueueJob[]): Promise<void> {
      if (jobs.length === 0) return; // @forge/events throws NoEventsToPushError on an empty push
      await queue.push(
        jobs.map((job) => ({
          body: job.body as unknown as Record<string, unknown>,
          ...(job.delayInSeconds !== undefined ? { delayInSeconds: job.delayInSeconds } : {}),
          ...(job.concurrencyKey !== undefined ? { concurrency: { key: forgeConcurrencyKey(job.concurrencyKey), limit: 1 } } : {}),
        })),
      );
    },
  };
}
