/**
 * `remindEvery`: while a build stays failed, repeat the alert. A reminder job re-checks one build's
 * remembered state when due: still the same failing streak → a still-failing reminder to the rule's
 * channels and the next check; fixed or gone → nothing more. No scans of storage: only builds that
 * raised a failure for a rule with `remindEvery` are ever checked.
 *
 * Load (one batched read) → decide (`decideReminder`, pure) → commit (one write, one queue push).
 */
import type { BuildMemory } from '../core/alerts';
import { dueReminder } from '../core/alerts';
import type { DeliveryJob } from '../core/delivery/delivery-job';
import type { JobResult } from '../core/ports';
import { queueDelaySeconds } from '../core/queue-limits';
import type { Reason } from '../core/reasons';
import { quietHoursDelay, remindEveryMs, ruleChannels } from '../core/rules';
import { keys } from '../core/storage-keys';
import { resolvePeople } from '../core/people';
import type { AppDeps } from './app-types';
import { effectiveRules, type EffectiveRules } from './effective-rules';
import { configKeyList, configKeys, loadedConfig } from './config-keys';
import { deliveryQueueJob, newDeliveryJob, remindJob } from './delivery-jobs';
import type { RepoRecord } from './evaluate';
import type { JobBody, QueueJob } from './jobs';
import { pushJobs } from './queue-commit';

export type ReminderBody = Extract<JobBody, { type: 'remind' }>;

/** What one reminder check found. */
export interface ReminderSnapshot {
  memory: BuildMemory | undefined;
  /** The repository's rules and channels, with workspace defaults; null when none. */
  effective: EffectiveRules | null;
  /** The repository's name when the job body predates carrying it (from the repository record). */
  knownName: string | null;
}

export type ReminderDecision =
  | { kind: 'wait'; reason: 'not-due'; afterSeconds: number }
  | { kind: 'stop'; reason: Extract<Reason, 'not-failing' | 'reminder-off'> }
  /** `memory` is null when no reminder is due yet this time (e.g. a newer failure moved the clock); the next check is always queued. */
  | { kind: 'continue'; memory: BuildMemory | null; deliveries: DeliveryJob[]; next: QueueJob };

/** Pure: what a reminder check does, given what it loaded and the time. */
export function decideReminder(body: ReminderBody, snapshot: ReminderSnapshot, now: number): ReminderDecision {
  if (body.dueAt > now) return { kind: 'wait', reason: 'not-due', afterSeconds: queueDelaySeconds((body.dueAt - now) / 1000) };
  const { memory, effective } = snapshot;
  if (!memory || memory.state !== 'FAILED') return { kind: 'stop', reason: 'not-failing' };
  const rule = effective?.doc.rules.find((r) => r.name === body.rule && r.enabled);
  const remindMs = rule ? remindEveryMs(rule) : null;
  if (!effective || !rule || !remindMs) return { kind: 'stop', reason: 'reminder-off' };
  const next = remindJob({ ...body, fullName: body.fullName ?? snapshot.knownName, dueAt: now + remindMs }, now);
  const due = dueReminder(memory, rule, now);
  if (!due) return { kind: 'continue', memory: null, deliveries: [], next };
  const holdMs = quietHoursDelay(rule, now);
  const alert = rule.logTail === false ? { ...due.alert, logTail: null } : due.alert;
  const people = resolvePeople(alert, effective.mentions);
  const deliveries = ruleChannels(effective.doc, rule, [...effective.channels.keys()]).flatMap((name) => {
    const channel = effective.channels.get(name);
    return channel ? [newDeliveryJob({ repo: body.repo, channelName: name, channel, rule: rule.name, alert, now, holdMs, people })] : [];
  });
  return { kind: 'continue', memory: due.next, deliveries, next };
}

/** Load: the build's memory, the repository's configuration keys and its record, in one read. */
async function loadReminder(deps: AppDeps, body: ReminderBody): Promise<ReminderSnapshot> {
  const config = configKeys(body.repo, body.fullName, body.workspace);
  const found = await deps.store.getMany<unknown>([...configKeyList(config), body.stateKey, keys.repoIndex(body.repo)]);
  // A job queued before bodies carried the name: the repository record knows it.
  const knownName = body.fullName ?? (found.get(keys.repoIndex(body.repo)) as RepoRecord | undefined)?.fullName ?? null;
  const byName = body.fullName === undefined && knownName ? configKeys(body.repo, knownName, body.workspace).byName : null;
  if (byName) for (const [k, v] of await deps.store.getMany<unknown>([byName])) found.set(k, v);
  return {
    memory: found.get(body.stateKey) as BuildMemory | undefined,
    effective: effectiveRules(loadedConfig(found, byName ? { ...config, byName } : config), body.repo, body.workspace),
    knownName,
  };
}

const NOTHING_LOADED: ReminderSnapshot = { memory: undefined, effective: null, knownName: null };

export async function handleReminder(deps: AppDeps, body: ReminderBody): Promise<JobResult> {
  const now = deps.clock.now();
  // A check that is not due yet is decided before any read.
  const decision = decideReminder(body, body.dueAt > now ? NOTHING_LOADED : await loadReminder(deps, body), now);
  if (decision.kind === 'wait') return { status: 'retry', afterSeconds: decision.afterSeconds, reason: 'reminder not due' };
  if (decision.kind === 'stop') {
    deps.log.info({ repo: body.repo, rule: body.rule, reason: decision.reason }, 'reminders stop');
    return { status: 'done' };
  }
  // Commit: the memory first (so a retried job does not remind twice), then one push with the next
  // check first: were the push split and a later part to fail, reminders still go on.
  if (decision.memory) await deps.store.set(body.stateKey, decision.memory);
  const jobs: QueueJob[] = [decision.next, ...decision.deliveries.map(deliveryQueueJob)];
  await pushJobs(deps, jobs);
  return { status: 'done' };
}
