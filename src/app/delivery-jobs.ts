/** Delivery queue jobs: one alert to one channel, keyed so its incident stays in order there. */
import type { DeliveryJob } from '../core/delivery/delivery-job';
import type { QueueJob } from '../core/ports';

/** Queue key for deliveries: one channel's alerts about one incident go out one at a time, in order. */
export const deliveryConcurrencyKey = (job: Pick<DeliveryJob, 'channelScope' | 'channel' | 'alert'>): string =>
  `deliver:${job.channelScope}:${job.channel}:${job.alert.incidentKey}`;

/** The queue job that delivers one alert to one channel. */
export const deliveryQueueJob = (delivery: DeliveryJob): QueueJob => ({
  body: { type: 'deliver', delivery },
  concurrencyKey: deliveryConcurrencyKey(delivery),
});
