/**
 * Forge async-events limits (https://developer.atlassian.com/platform/forge/limits-async-events/),
 * per installation: at most 50 events and 200 KB per push, 500 events a minute, and 100 KB per event
 * when the consuming function's timeout is above 55 s (ours is 900 s, manifest.yml `consumer-fn`).
 * `delayInSeconds` is 0..900 (https://developer.atlassian.com/platform/forge/runtime-reference/async-events-api/).
 * The local queue enforces the same limits, so what passes locally passes on Forge.
 */
import type { QueueJob } from './ports';

/** manifest.yml `function[consumer-fn].timeoutSeconds`; test/forge/manifest.test.ts keeps them equal. */
export const CONSUMER_TIMEOUT_SECONDS = 900;

export const QUEUE_LIMITS = {
  maxEventsPerPush: 50,
  maxPushBytes: 200 * 1024,
  /** Per event, for consumers whose timeout is above 55 s. */
  maxEventBytes: CONSUMER_TIMEOUT_SECONDS > 55 ? 100 * 1024 : 200 * 1024,
  maxDelaySeconds: 900,
} as const;

/** Room per event for what the Forge adapter adds (`concurrency: { key, limit }`) and the array's commas. */
const PER_EVENT_OVERHEAD = 128;

export const jobBytes = (job: QueueJob<{ type: string }>): number => Buffer.byteLength(JSON.stringify(job), 'utf8') + PER_EVENT_OVERHEAD;

/** A delay in whole seconds the queue accepts: 0..900. */
export const queueDelaySeconds = (seconds: number): number =>
  Math.min(QUEUE_LIMITS.maxDelaySeconds, Math.max(0, Math.ceil(Number.isFinite(seconds) ? seconds : 0)));

export interface PushPlan<J> {
  /** Each fits one push: count and bytes within the limits, in the original order. */
  batches: J[][];
  /** Jobs larger than one event may be; they cannot be queued at all. */
  oversized: { job: J; bytes: number }[];
}

/** Splits jobs into pushes the platform accepts. Pure: no I/O. */
export function planPushes<J extends QueueJob<{ type: string }>>(jobs: readonly J[], limits = QUEUE_LIMITS): PushPlan<J> {
  const plan: PushPlan<J> = { batches: [], oversized: [] };
  let batch: J[] = [];
  let bytes = 2; // "[]"
  for (const job of jobs) {
    const size = jobBytes(job);
    if (size > limits.maxEventBytes) {
      plan.oversized.push({ job, bytes: size });
      continue;
    }
    if (batch.length === limits.maxEventsPerPush || bytes + size > limits.maxPushBytes) {
      plan.batches.push(batch);
      batch = [];
      bytes = 2;
    }
    batch.push(job);
    bytes += size;
  }
  if (batch.length) plan.batches.push(batch);
  return plan;
}
