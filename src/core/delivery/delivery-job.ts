import type { Alert } from '../alerts/alert';

/** One queued job per (alert, channel): a slow or broken channel delays no other. */
export interface DeliveryJob {
  /** `<alert.id>:<channel name>`: the idempotency key sent to vendors that dedupe. */
  id: string;
  /** Repository id (storage-keys `repoKey`) whose rules and secrets the channel belongs to. */
  repo: string;
  /** Where the channel is defined: the repository, or the workspace defaults it inherits. */
  channelScope: string;
  channel: string;
  /** Channel type and its non-secret config at the time the alert was raised; secrets are read at send time. */
  channelType: import('../channels/channel-types').ChannelType;
  channelConfig: Record<string, unknown>;
  rule: string;
  alert: Alert;
  /** 1 for the first try. */
  attempt: number;
  /** When the alert was raised (ms), for latency and the give-up deadline. */
  raisedAt: number;
  /** When this job was last pushed as a fresh queue event (ms); absent = `raisedAt`. Forge keeps an event 24 h. */
  queuedAt?: number;
  /** Quiet hours: hold until this time (ms). The consumer re-queues with a delay until then. */
  notBefore?: number;
  /** A recovery whose rule also sends failures to this channel: it waits until the failure is settled there. */
  awaitsFailure?: boolean;
  /** The alert's people (author, who started the run) with their chat handles, resolved when raised. */
  people?: import('../people').ResolvedPerson[];
  /** Manual redelivery from the log, or "Send test alert": skip the breaker and dedupe. */
  manual?: 'test' | 'redeliver';
}
