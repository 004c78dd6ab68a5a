/** Composition of the use cases behind the `App` entry points both runtimes call. */
import type { JobResult } from '../core/ports';
import type { JobBody } from './jobs';
import type { App, AppDeps } from './app-types';
import { isDeadLetterSource, listDeadLetters, recordDeadLetter, retryDeadLetter, type DeadLetterEntryPoints } from './dead-letters';
import { deliver } from './deliver';
import { deliveryQueueJob, evaluateEvent } from './evaluate';
import { flushGroup } from './grouping';
import { ingestForgeEvent, ingestWebhook } from './ingest';
import { reconcile } from './reconcile';
import { handleReminder } from './remind';
import { pushJobs } from './queue-commit';
import { resolve } from './resolvers';

export function createApp(deps: AppDeps): App & DeadLetterEntryPoints {
  // The local durable queue files the jobs it gives up on by itself (too many runs) here too.
  if (isDeadLetterSource(deps.queue)) {
    deps.queue.setDeadLetterSink(async (dead) => {
      await recordDeadLetter(deps, dead.body, dead.error, {
        attempts: dead.attempts, permanent: dead.permanent, firstFailureAt: dead.firstFailureAt, concurrencyKey: dead.concurrencyKey,
      });
    });
  }
  return {
    ingestForgeEvent: (event) => ingestForgeEvent(deps, event),
    ingestWebhook: (request) => ingestWebhook(deps, request),
    handleJob: (body, meta) => handleJob(deps, body, meta.attempt),
    reconcile: () => reconcile(deps),
    resolve: (name, call) => resolve(deps, name, call),
    recordDeadLetter: (job, error, meta) => recordDeadLetter(deps, job, error, meta),
    listDeadLetters: (repo) => listDeadLetters(deps, repo),
    retryDeadLetter: (id) => retryDeadLetter(deps, id),
  };
}

async function handleJob(deps: AppDeps, body: JobBody, attempt: number): Promise<JobResult> {
  switch (body.type) {
    case 'event':
      return evaluateEvent(deps, body.event);
    case 'deliver':
      return deliver(deps, body.delivery, attempt);
    case 'flush-group': {
      const { result, job } = await flushGroup(deps, body.groupKey);
      if (job) await pushJobs(deps, [deliveryQueueJob(job)]);
      return result;
    }
    case 'remind':
      return handleReminder(deps, body);
    default:
      deps.log.warn({ type: (body as { type?: string }).type }, 'unknown job type: dropped');
      return { status: 'done' };
  }
}
