/**
 * A rule's `groupWait`: alerts for one commit (several builds or steps failing together) go out as
 * one message per channel. The first alert opens a group and schedules one flush job; later alerts
 * of the window join it. Event jobs of a repository run one at a time, so joining does not race.
 */
import type { DeliveryJob } from '../core/delivery/delivery-job';
import type { JobResult } from '../core/ports';
import type { QueueJob } from './jobs';
import { keys } from '../core/storage-keys';
import { queueDelaySeconds } from '../core/queue-limits';
import type { AppDeps } from './app-types';

interface GroupRecord {
  jobs: DeliveryJob[];
  openedAt: number;
}

const groupKeyOf = (job: DeliveryJob): string =>
  `${job.channelScope}:${job.channel}:${job.rule}:${job.alert.build?.commit ?? job.alert.id}`;

/** Adds the job to its group; returns the flush job to queue when the group is new. */
export async function upsertGroup(deps: AppDeps, job: DeliveryJob, waitMs: number): Promise<QueueJob | null> {
  const groupKey = groupKeyOf(job);
  const storeKey = keys.group(groupKey);
  const existing = await deps.store.get<GroupRecord>(storeKey);
  if (existing && !existing.jobs.some((j) => j.id === job.id)) {
    await deps.store.set(storeKey, { ...existing, jobs: [...existing.jobs, job] }, { ttlSeconds: 3600 });
    return null;
  }
  if (existing) return null;
  await deps.store.set(storeKey, { jobs: [job], openedAt: deps.clock.now() } satisfies GroupRecord, { ttlSeconds: 3600 });
  return { body: { type: 'flush-group', groupKey }, delayInSeconds: queueDelaySeconds(waitMs / 1000) };
}

/** Sends the group as one delivery: the first alert, listing the others' builds. */
export async function flushGroup(deps: AppDeps, groupKey: string): Promise<{ result: JobResult; job: DeliveryJob | null }> {
  const storeKey = keys.group(groupKey);
  const record = await deps.store.get<GroupRecord>(storeKey);
  if (!record || record.jobs.length === 0) return { result: { status: 'done' }, job: null };
  await deps.store.delete(storeKey);
  const [first, ...rest] = record.jobs;
  const job: DeliveryJob = {
    ...first!,
    alert: {
      ...first!.alert,
      group: rest.flatMap(({ alert: a }) => (a.build ? [{ type: a.type, build: a.build, links: a.links }] : [])),
    },
  };
  return { result: { status: 'done' }, job };
}
