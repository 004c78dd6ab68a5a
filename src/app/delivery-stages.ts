/**
 * Delivery of one alert to one channel, as a list of small stages (Alertmanager's notify pipeline
 * applied to a queue consumer). Each stage looks at the loaded snapshot and either lets the job go
 * on or decides, with a named reason, what happens instead. Pure: no I/O, no clock, no randomness;
 * `deliver()` (deliver.ts) loads the snapshot, runs the stages, sends when they all pass, and commits.
 *
 *   hold for quiet hours → drop a redelivery → skip a disabled channel → respect the breaker
 *   → queue behind retries (inline first attempts) → wait for the opening alert → (send) → settle
 */
import { OPENING_TYPES, RESOLVING_TYPES } from '../core/alerts/alert';
import { OPENING_POLICY, RESOLVING_POLICY, type RetryPolicy } from '../core/delivery/backoff';
import { breakerAllows, breakerWaitMs } from '../core/delivery/breaker';
import type { DeliveryJob } from '../core/delivery/delivery-job';
import type { Reason } from '../core/reasons';
import type { ChannelHealth } from './repo-config';

export interface IncidentRecord {
  /** What the channel remembered for this incident (a message id to edit...), for one failure streak only. */
  memo?: Record<string, string>;
  /** The streak the memo belongs to (`alert.failures.since`): a memo never reaches another incident's alerts. */
  memoStreak?: string | null;
  delivered: string[];
  /** An opening alert (failed) of the current streak has been settled on this channel: delivered or given up. */
  opened?: boolean;
  /** Whether that opening alert was delivered (false: given up, skipped). Absent in records written before it existed. */
  openDelivered?: boolean;
  /**
   * Real sends so far of jobs still being retried (job id → count). Queue runs that only wait
   * (quiet hours, an open breaker, a fix waiting for its failure) do not send, so the queue's run
   * count would spend the retry budget on waiting; this count decides when a delivery gives up.
   */
  sends?: Record<string, number>;
  /** Jobs of this incident waiting in the queue on this channel (a fix waiting for its failure, a breaker hold). */
  pending?: string[];
}

export interface DeliverySnapshot {
  job: DeliveryJob;
  now: number;
  health: ChannelHealth;
  incident: IncidentRecord;
  /** BUILD_ALERTS_RETRY_SCALE: multiplies waits and give-up windows. */
  scale: number;
  /** The first attempt, made in the evaluation that raised the alert rather than from the queue. */
  inline?: boolean;
}

/** What a stage decided instead of letting the job go on. */
export type StageVerdict =
  /** Run the job again later without sending. */
  | { kind: 'wait'; afterMs: number; reason: Reason }
  /** Nothing to do and nothing to record (the queue ran the job again). */
  | { kind: 'drop'; reason: Reason }
  /** Record the attempt with this outcome and stop; `settlesOpening` marks a skipped failure settled. */
  | { kind: 'settle'; reason: Reason; outcome: 'skipped' | 'failed'; error: string; settlesOpening: boolean };

export type Stage = (s: DeliverySnapshot) => StageVerdict | null;

/**
 * How long a recovery waits for its failure to be settled on the same channel. The local queue runs
 * a key's jobs in push order; Forge's per-key concurrency does not promise order, so this guard keeps
 * a fix from overtaking its failure there too, without waiting forever for a failure that never came.
 */
export const RECOVERY_WAITS_FOR_FAILURE_MS = 10 * 60 * 1000;
/** How often a waiting recovery looks again. */
const RECOVERY_POLL_MS = 15_000;

const opening = (job: DeliveryJob) => OPENING_TYPES.includes(job.alert.type);
const resolving = (job: DeliveryJob) => RESOLVING_TYPES.includes(job.alert.type);

/** Which retry policy the job's sends follow: resolving alerts retry for a day (backoff.ts). */
export const retryPolicyOf = (job: DeliveryJob): RetryPolicy => (resolving(job) ? RESOLVING_POLICY : OPENING_POLICY);

export const holdForQuietHours: Stage = ({ job, now }) =>
  job.notBefore && job.notBefore > now ? { kind: 'wait', afterMs: job.notBefore - now, reason: 'quiet-hours' } : null;

export const dropRedelivery: Stage = ({ job, incident }) =>
  !job.manual && incident.delivered.includes(job.id) ? { kind: 'drop', reason: 'redelivered' } : null;

export const skipDisabledChannel: Stage = ({ job, health }) =>
  health.disabled && !job.manual
    ? // A skipped failure is settled too: otherwise its fix, once the channel is re-enabled, waits for it in vain.
      { kind: 'settle', reason: 'channel-disabled', outcome: 'skipped', error: `channel disabled: ${health.disabled.reason}`, settlesOpening: true }
    : null;

/**
 * An open breaker holds alerts for up to 10 hours. Resolving alerts are not held: there is one per
 * incident, an incident left open is the worst outcome, and they retry on their own schedule (at
 * most 15 minutes apart), so they act as the breaker's probes; their result still feeds it.
 */
export const respectBreaker: Stage = ({ job, health, now, scale }) => {
  if (job.manual || resolving(job) || breakerAllows(health.breaker, now)) return null;
  const waitMs = breakerWaitMs(health.breaker, now);
  // An alert the breaker would hold past its give-up deadline is recorded as failed now, rather than
  // re-queued every 15 minutes until the queue's attempt limit drops it without a log entry.
  if (now + waitMs - job.raisedAt > OPENING_POLICY.giveUpAfterMs * scale) {
    return {
      kind: 'settle', reason: 'breaker-open', outcome: 'failed', settlesOpening: true,
      error: `circuit open: the channel failed ${health.breaker?.failures ?? 0} times in a row; gave up: alert older than ${OPENING_POLICY.giveUpAfterMs / 3_600_000} hours`,
    };
  }
  return { kind: 'wait', afterMs: waitMs, reason: 'breaker-open' };
};

/**
 * A first attempt made inline must not overtake an earlier alert of the same incident that is
 * still being retried on this channel from the queue: it joins the queue behind it instead.
 */
export const queueBehindRetries: Stage = ({ job, incident, inline }) =>
  inline && [...Object.keys(incident.sends ?? {}), ...(incident.pending ?? [])].some((id) => id !== job.id)
    ? { kind: 'wait', afterMs: 0, reason: 'queued-behind' }
    : null;

/** The record with `job` waiting in the queue, or null when it already says so. */
export function markedPending(job: DeliveryJob, incident: IncidentRecord): IncidentRecord | null {
  if (job.manual || (incident.pending ?? []).includes(job.id)) return null;
  return { ...incident, pending: [...(incident.pending ?? []), job.id].slice(-20) };
}

/** The record without `id` among the waiting jobs. */
export function withoutPending(incident: IncidentRecord, id: string): IncidentRecord {
  if (!incident.pending?.includes(id)) return incident;
  const pending = incident.pending.filter((p) => p !== id);
  const { pending: _old, ...rest } = incident;
  return pending.length ? { ...rest, pending } : rest;
}

export const waitForOpeningAlert: Stage = ({ job, incident, now, scale }) => {
  if (!resolving(job) || !job.awaitsFailure || job.manual) return null;
  // The failure was settled without reaching this channel (given up, skipped): there is nothing here to resolve.
  if (incident.opened && incident.openDelivered === false) {
    return { kind: 'settle', reason: 'nothing-to-resolve', outcome: 'skipped', settlesOpening: false, error: 'the failure alert of this incident was never delivered to this channel, so there is nothing to resolve' };
  }
  if (!incident.opened && now - job.raisedAt < RECOVERY_WAITS_FOR_FAILURE_MS * scale) {
    return { kind: 'wait', afterMs: RECOVERY_POLL_MS * scale, reason: 'waiting-for-failure' };
  }
  return null;
};

/** In order. The first verdict wins; none means: send. */
export const STAGES_BEFORE_SEND: readonly Stage[] = [holdForQuietHours, dropRedelivery, skipDisabledChannel, respectBreaker, queueBehindRetries, waitForOpeningAlert];

export function decideBeforeSend(snapshot: DeliverySnapshot, stages: readonly Stage[] = STAGES_BEFORE_SEND): StageVerdict | null {
  for (const stage of stages) {
    const verdict = stage(snapshot);
    if (verdict) return verdict;
  }
  return null;
}

/** The incident record once a job settled without a delivery (skipped, given up, failed for good). */
export function settledWithoutDelivery(job: DeliveryJob, incident: IncidentRecord): IncidentRecord {
  const rest = withoutPending(incident, job.id);
  if (!opening(job) || rest.opened) return rest;
  return { ...rest, opened: true, openDelivered: false };
}

/** Which failure streak an alert belongs to: the time the streak began, shared by its failed, still-failing and fixed. */
export const streakOf = (job: DeliveryJob): string | null => job.alert.failures?.since ?? null;

/** The memo the channel may use for this job: only its own streak's. */
export function memoFor(job: DeliveryJob, incident: IncidentRecord): Record<string, string> | undefined {
  if (!incident.memo) return undefined;
  // Records from before memoStreak existed: trust them (the old behaviour) only for the alert types that read them.
  if (incident.memoStreak === undefined) return incident.memo;
  return incident.memoStreak === streakOf(job) ? incident.memo : undefined;
}

/**
 * The memo after a delivery: within a streak the first value of each key wins (a fix edits the
 * failure message, not the latest reminder); a new streak starts afresh; a resolving alert ends it.
 */
export function nextMemo(job: DeliveryJob, incident: IncidentRecord, learned: Record<string, string> | undefined, forgotten: readonly string[] = []): Pick<IncidentRecord, 'memo' | 'memoStreak'> {
  if (resolving(job)) return { memo: undefined, memoStreak: undefined };
  const streak = streakOf(job);
  const own = memoFor(job, incident);
  const kept = own ? Object.fromEntries(Object.entries(own).filter(([k]) => !forgotten.includes(k))) : undefined;
  const memo = { ...learned, ...kept };
  return Object.keys(memo).length ? { memo, memoStreak: streak } : { memo: undefined, memoStreak: undefined };
}

/** The incident record once the job was delivered. */
export function settledDelivered(job: DeliveryJob, incident: IncidentRecord, memo: Pick<IncidentRecord, 'memo' | 'memoStreak'>, keep: number): IncidentRecord {
  const isOpening = opening(job);
  const isResolving = resolving(job);
  const next: IncidentRecord = {
    ...(memo.memo ? { memo: memo.memo, memoStreak: memo.memoStreak ?? null } : {}),
    delivered: [...incident.delivered, job.id].slice(-keep),
    opened: isOpening ? true : isResolving ? false : incident.opened,
    sends: withoutSend(incident.sends, job.id),
  };
  const pending = withoutPending(incident, job.id).pending;
  if (pending) next.pending = pending;
  if (isOpening) next.openDelivered = true;
  else if (!isResolving && incident.openDelivered !== undefined) next.openDelivered = incident.openDelivered;
  return next;
}

/**
 * Our settled record (`next`, computed from the snapshot loaded before the send) rebased on the
 * record as it is now (`fresh`): another job of this incident may have run during our send (an
 * inline first attempt beside a queued one). Their delivered ids, sends and pending marks are kept;
 * ours replace our own entries; the incident's state (opened, memo) is ours, the latest.
 */
export function rebaseIncident(next: IncidentRecord, fresh: IncidentRecord | undefined, jobId: string, keep: number): IncidentRecord {
  if (!fresh) return next;
  const delivered = [...fresh.delivered.filter((id) => id !== jobId), ...(next.delivered.includes(jobId) ? [jobId] : [])].slice(-keep);
  const sends = { ...withoutSend(fresh.sends, jobId), ...(next.sends?.[jobId] !== undefined ? { [jobId]: next.sends[jobId]! } : {}) };
  const pending = [...(fresh.pending ?? []).filter((id) => id !== jobId), ...(next.pending?.includes(jobId) ? [jobId] : [])];
  const { sends: _s, pending: _p, ...state } = next;
  return { ...state, delivered, ...(Object.keys(sends).length ? { sends } : {}), ...(pending.length ? { pending } : {}) };
}

export function withoutSend(sends: Record<string, number> | undefined, id: string): Record<string, number> | undefined {
  if (!sends || !(id in sends)) return sends;
  const { [id]: _dropped, ...rest } = sends;
  return Object.keys(rest).length ? rest : undefined;
}
