/** Delivery queue jobs: one alert to one channel, keyed so its incident stays in order there. */
import type { Alert } from '../core/alerts/alert';
import type { DeliveryJob } from '../core/delivery/delivery-job';
import type { ResolvedPerson } from '../core/people';
import type { JobBody, QueueJob } from './jobs';
import { queueDelaySeconds } from '../core/queue-limits';
import type { EffectiveChannel } from './effective-rules';

/** Queue key for deliveries: one channel's alerts about one incident go out one at a time, in order. */
export const deliveryConcurrencyKey = (job: Pick<DeliveryJob, 'channelScope' | 'channel' | 'alert'>): string =>
  `deliver:${job.channelScope}:${job.channel}:${job.alert.incidentKey}`;

/** The queue job that delivers one alert to one channel. */
export const deliveryQueueJob = (delivery: DeliveryJob): QueueJob => ({
  body: { type: 'deliver', delivery },
  concurrencyKey: deliveryConcurrencyKey(delivery),
});

/** A first delivery attempt of `alert` to the named channel, held until `holdMs` from now (quiet hours). */
export function newDeliveryJob(input: {
  repo: string;
  channelName: string;
  channel: EffectiveChannel;
  rule: string;
  alert: Alert;
  now: number;
  holdMs: number;
  awaitsFailure?: boolean;
  people?: ResolvedPerson[];
}): DeliveryJob {
  const { channel, alert, now } = input;
  return {
    id: `${alert.id}:${input.channelName}`,
    repo: input.repo,
    channelScope: channel.scope,
    channel: input.channelName,
    channelType: channel.def.type,
    channelConfig: channel.def.config,
    rule: input.rule,
    alert,
    attempt: 1,
    raisedAt: now,
    ...(input.awaitsFailure ? { awaitsFailure: true } : {}),
    ...(input.people && input.people.length ? { people: input.people } : {}),
    ...(input.holdMs > 0 ? { notBefore: now + input.holdMs } : {}),
  };
}

type RemindBody = Extract<JobBody, { type: 'remind' }>;

/** Reminder checks hop at most 900 s at a time (the queue's longest delay) until they are due. */
export function remindJob(body: Omit<RemindBody, 'type'>, now = Date.now()): QueueJob {
  return { body: { type: 'remind', ...body }, delayInSeconds: queueDelaySeconds((body.dueAt - now) / 1000) };
}
