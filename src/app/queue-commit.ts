/**
 * The one place jobs reach the queue: split by count and bytes (core/queue-limits), in order.
 * A job too large for one event is dropped with an error line naming its type (never its content);
 * retrying could not make it fit.
 */
import type { QueueJob } from './jobs';
import { planPushes } from '../core/queue-limits';
import type { AppDeps } from './app-types';

export async function pushJobs(deps: Pick<AppDeps, 'queue' | 'log'>, jobs: readonly QueueJob[]): Promise<{ queued: number; dropped: number }> {
  if (jobs.length === 0) return { queued: 0, dropped: 0 };
  const plan = planPushes(jobs);
  for (const { job, bytes } of plan.oversized) {
    deps.log.error({ jobType: job.body.type, bytes }, 'queue job larger than one event may be: dropped');
  }
  let queued = 0;
  for (const batch of plan.batches) {
    await deps.queue.push(batch);
    queued += batch.length;
  }
  return { queued, dropped: plan.oversized.length };
}
