/**
 * Why nothing was sent: one named reason for each thing the app decided not to do, as Alertmanager
 * names its notify reasons. They end up in the activity record (app/activity.ts), the delivery log
 * and log lines, so "why didn't I get an alert?" has an answer.
 */
export const REASONS = {
  // The event itself
  'self-generated': 'the app caused this event itself',
  'not-useful': 'no rule can act on this kind of event (e.g. a pull request update)',
  'not-configured': 'the repository has no rules or channels, and its workspace no defaults',
  'no-repository': 'the event names no repository',
  // The state machine
  duplicate: 'the same result was seen before (a redelivery, or reconciliation finding what a live event already applied)',
  stale: 'an older result arrived after a newer one',
  'no-change': 'the build was already passing: nothing to report',
  'first-result': 'the first result seen for this build, and it passed: nothing to report',
  'not-terminal': 'the deployment has not finished',
  // Rules
  'no-matching-rule': 'no enabled rule selects this alert (its events, branches or builds)',
  'fail-after': 'fewer failures in a row than the rule\'s failAfter',
  snoozed: 'the rule or branch is snoozed',
  grouped: 'held to be sent with other alerts of the same commit (groupWait)',
  // Delivery
  'quiet-hours': 'held until the rule\'s quiet hours end',
  redelivered: 'the queue delivered this job again; it was already sent',
  'channel-disabled': 'the channel is disabled',
  'breaker-open': 'the channel failed repeatedly; sending is paused for a while',
  'waiting-for-failure': 'the fix waits for its failure alert to be delivered first',
  'queued-behind': 'an earlier alert of this incident is still being retried on this channel; this one waits behind it',
  'nothing-to-resolve': 'the failure this fix would resolve was never delivered',
  // Reminders (remindEvery)
  'not-failing': 'the build is no longer failing: reminders stop',
  'reminder-off': 'the rule is gone, disabled or no longer reminds: reminders stop',
  'not-due': 'the reminder is not due yet',
} as const;

export type Reason = keyof typeof REASONS;

export const describeReason = (reason: Reason): string => REASONS[reason];
