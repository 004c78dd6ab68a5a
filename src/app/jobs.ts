/**
 * The app's queue jobs. Bodies must stay readable by the previous deploy for one deploy
 * (docs/deploy.md): add optional fields, never rename or remove one in the same release.
 */
import type { DeliveryJob } from '../core/delivery/delivery-job';
import type { RepoEvent } from '../core/events/repo-event';
import type { QueueJob as PortQueueJob } from '../core/ports';

export type JobBody =
  | { type: 'event'; event: RepoEvent; receivedAt: string }
  | { type: 'deliver'; delivery: DeliveryJob }
  | { type: 'flush-group'; groupKey: string }
  /** A rule's `remindEvery`: re-checks one failing build when due, and schedules the next check. */
  | {
      type: 'remind'; repo: string; workspace: string | null; stateKey: string; rule: string; dueAt: number;
      /** The repository's name, so rules filed by name are found (absent in jobs queued before it existed). */
      fullName?: string | null;
    };

/** Every job type, for consumers that must tell a job from junk before handling it. */
export const JOB_TYPES: readonly JobBody['type'][] = ['event', 'deliver', 'flush-group', 'remind'];

export type QueueJob = PortQueueJob<JobBody>;
