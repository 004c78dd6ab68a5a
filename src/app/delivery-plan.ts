/**
 * The pure half of evaluating an event: which rules send each alert (and, when none does, why), and
 * then what that means — one delivery per (alert, channel), reminders, groups, and the snoozes a
 * fix ends. No I/O: evaluate.ts loads the snapshot, enriches the matched alerts in between, and
 * commits what this returns. Unit-tested with plain objects (test/unit/app/delivery-plan.test.ts).
 */
import type { Alert } from '../core/alerts/alert';
import { RESOLVING_TYPES, retyped } from '../core/alerts/alert';
import type { DeliveryJob } from '../core/delivery/delivery-job';
import { resolvePeople } from '../core/people';
import type { QueueJob } from './jobs';
import { matchRules, noMatchReason, parseDuration, remindEveryMs, type MatchOptions, type RuleMatch, type RulesDocument } from '../core/rules';
import type { ActivityAlert } from './activity';
import { newDeliveryJob, remindJob } from './delivery-jobs';
import type { EffectiveRules } from './effective-rules';
import type { Snooze } from './repo-config';

export interface MatchedAlert {
  alert: Alert;
  matches: RuleMatch[];
  /** Set when no rule sends the alert. */
  reason?: 'fail-after' | 'no-matching-rule';
}

export function matchAlerts(doc: RulesDocument, alerts: readonly Alert[], options: MatchOptions): MatchedAlert[] {
  return alerts.map((alert) => {
    const matches = matchRules(doc, alert, options);
    return matches.length ? { alert, matches } : { alert, matches, reason: noMatchReason(doc, alert, options) };
  });
}

export interface DeliveryPlanInput {
  repo: string;
  workspace: string | null;
  fullName: string | null;
  /** The build's state slot, for reminders; null for events without state. */
  stateKey: string | null;
  effective: EffectiveRules;
  matched: readonly MatchedAlert[];
  /** The same alerts, enriched (by id); an alert missing here goes out as raised. */
  enriched: readonly Alert[];
  snoozes: readonly Snooze[];
  now: number;
}

export interface DeliveryPlan {
  deliveries: DeliveryJob[];
  reminders: QueueJob[];
  groupWaits: { job: DeliveryJob; waitMs: number }[];
  /** For the activity record: where each alert went, or why nowhere. */
  outcomes: ActivityAlert[];
  /** The snoozes after this event (a fix ends "until fixed" snoozes on its branch), or null when unchanged. */
  snoozesAfter: Snooze[] | null;
}

export function isSnoozed(snoozes: readonly Snooze[], rule: string, alert: Alert, now: number): boolean {
  return snoozes.some((s) => {
    const applies = 'rule' in s.target ? s.target.rule === rule : s.target.branch === alert.ref;
    if (!applies) return false;
    if (s.untilFixed) return true;
    return s.until !== null && Date.parse(s.until) > now;
  });
}

export function planDeliveries(input: DeliveryPlanInput): DeliveryPlan {
  const { repo, effective, now } = input;
  const byId = new Map(input.enriched.map((a) => [a.id, a]));
  const plan: DeliveryPlan = { deliveries: [], reminders: [], groupWaits: [], outcomes: [], snoozesAfter: null };
  const queuedIds = new Set<string>();
  for (const { alert: raised, matches, reason } of input.matched) {
    const outcome: ActivityAlert = { type: raised.type, sent: [] };
    plan.outcomes.push(outcome);
    if (matches.length === 0) {
      if (reason) outcome.reason = reason;
      continue;
    }
    const enrichedAlert = byId.get(raised.id) ?? raised;
    for (const { rule, channels, alert: matched, quietForMs } of matches) {
      // failAfter may turn the Nth still-failing into a failed for this rule: keep its type, take the enrichment.
      const current: Alert = { ...retyped(enrichedAlert, matched.type, matched.id), ...(rule.logTail === false ? { logTail: null } : {}) };
      if (isSnoozed(input.snoozes, rule.name, current, now)) {
        outcome.reason = 'snoozed';
        continue;
      }
      const people = resolvePeople(current, effective.mentions);
      const remindMs = remindEveryMs(rule);
      if (remindMs && current.type === 'build.failed' && input.stateKey) {
        plan.reminders.push(remindJob({ repo, fullName: input.fullName, workspace: input.workspace, stateKey: input.stateKey, rule: rule.name, dueAt: now + remindMs }, now));
      }
      const groupWait = rule.groupWait ? parseDuration(rule.groupWait) : null;
      const groupWaitMs = groupWait?.ok ? groupWait.value : 0;
      const sentTo: string[] = [];
      for (const channelName of channels) {
        const channel = effective.channels.get(channelName);
        // One message per alert and channel: when several rules send it there, the first in order wins.
        const jobId = `${current.id}:${channelName}`;
        if (!channel || queuedIds.has(jobId)) continue;
        queuedIds.add(jobId);
        sentTo.push(channelName);
        const job = newDeliveryJob({
          repo, channelName, channel, rule: rule.name, alert: current, now, holdMs: quietForMs, people,
          awaitsFailure: RESOLVING_TYPES.includes(current.type) && rule.on.some((e) => e === 'failed' || e === 'still-failing'),
        });
        if (groupWaitMs > 0 && current.build?.commit) plan.groupWaits.push({ job, waitMs: groupWaitMs });
        else plan.deliveries.push(job);
      }
      if (sentTo.length) outcome.sent.push({ rule: rule.name, channels: sentTo });
    }
  }
  const fixedRefs = new Set(input.enriched.filter((a) => RESOLVING_TYPES.includes(a.type)).map((a) => a.ref));
  const remaining = input.snoozes.filter((s) => !(s.untilFixed && 'branch' in s.target && fixedRefs.has(s.target.branch)));
  if (remaining.length !== input.snoozes.length) plan.snoozesAfter = remaining;
  return plan;
}
