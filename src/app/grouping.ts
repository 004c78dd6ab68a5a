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

export interface GroupRecord {
  jobs: DeliveryJob[];
  openedAt: number;
}

const groupKeyOf = (job: DeliveryJob): string =>
  `${job.channelScope}:${job.channel}:${job.rule}:${job.alert.build?.commit ?? job.alert.id}`;

export type GroupJoin =
  /** The first alert of its window: store the new group and queue one flush for when the window ends. */
  | { kind: 'open'; record: GroupRecord }
  | { kind: 'join'; record: GroupRecord }
  /** The queue delivered this job again and it is already in its group. */
  | { kind: 'redelivered' };

/** Pure: what one more alert does to its group. */
export function decideJoin(existing: GroupRecord | undefined, job: DeliveryJob, now: number): GroupJoin {
  if (!existing) return { kind: 'open', record: { jobs: [job], openedAt: now } };
  if (existing.jobs.some((j) => j.id === job.id)) return { kind: 'redelivered' };
  return { kind: 'join', record: { ...existing, jobs: [...existing.jobs, job] } };
}

/** Pure: the group as one delivery, the first alert listing the others' builds; null for an empty group. */
export function groupedDelivery(record: GroupRecord | undefined): DeliveryJob | null {
  const [first, ...rest] = record?.jobs ?? [];
  if (!first) return null;
  const group = rest.flatMap(({ alert: a }) => (a.build ? [{ type: a.type, build: a.build, links: a.links }] : []));
  return { ...first, alert: { ...first.alert, group } };
}

const GROUP_TTL_SECONDS = 3600;

/** Adds the job to its group (load → decide → commit); returns the flush job to queue when the group is new. */
export async function upsertGroup(deps: AppDeps, job: DeliveryJob, waitMs: number): Promise<QueueJob | null> {
  const groupKey = groupKeyOf(job);
  const storeKey = keys.group(groupKey);
  const decision = decideJoin(await deps.store.get<GroupRecord>(storeKey), job, deps.clock.now());
  if (decision.kind === 'redelivered') return null;
  await deps.store.set(storeKey, decision.record, { ttlSeconds: GROUP_TTL_SECONDS });
  return decision.kind === 'open' ? { body: { type: 'flush-group', groupKey }, delayInSeconds: queueDelaySeconds(waitMs / 1000) } : null;
}

/** Sends the group as one delivery: the first alert, listing the others' builds. */
export async function flushGroup(deps: AppDeps, groupKey: string): Promise<{ result: JobResult; job: DeliveryJob | null }> {
  const storeKey = keys.group(groupKey);
  const job = groupedDelivery(await deps.store.get<GroupRecord>(storeKey));
  if (job) await deps.store.delete(storeKey);
  return { result: { status: 'done' }, job };
}
