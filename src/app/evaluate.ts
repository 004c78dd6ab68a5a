/**
 * Consumer side of an `event` job, load → decide → commit: one batched read (rules, workspace
 * defaults, remembered state, snoozes, repository record); the pure state machine and the pure
 * delivery plan (delivery-plan.ts), with enrichment of the matched alerts in between; then commit:
 * the deliveries' first attempts inline and the queue jobs first, the state and activity entry last.
 */
import type { Alert } from '../core/alerts/alert';
import { alertsForEvent, evaluateBuild, evaluateDeployment } from '../core/alerts';
import type { BuildMemory, DeploymentMemory } from '../core/alerts';
import type { DeliveryJob } from '../core/delivery/delivery-job';
import type { RepoEvent } from '../core/events/repo-event';
import type { JobResult } from '../core/ports';
import type { QueueJob } from './jobs';
import type { Reason } from '../core/reasons';
import { activityEntry, activityWrite } from './activity';
import { keys, repoKey } from '../core/storage-keys';
import type { AppDeps } from './app-types';
import { configKeyList, configKeys, loadedConfig } from './config-keys';
import { effectiveRules } from './effective-rules';
import { enrichAlerts } from './enrich';
import type { Snooze } from './repo-config';
import { upsertGroup } from './grouping';
import { pushJobs } from './queue-commit';
import { deliver } from './deliver';
import { queueDelaySeconds } from '../core/queue-limits';
import { isReconciledRun, keylessSlot, slotForLiveStatus, slotForReconciledRun } from './pipelines-slot';

export interface RepoRecord {
  uuid: string | null;
  fullName: string | null;
  slug: string | null;
  mainBranch: string | null;
  /** Workspace UUID (Cloud) or project key (DC), so the local settings page can show inherited defaults. */
  workspace?: string | null;
  firstSeen: string;
}

export { deliveryConcurrencyKey, deliveryQueueJob, newDeliveryJob, remindJob } from './delivery-jobs';
import { deliveryQueueJob } from './delivery-jobs';
import { matchAlerts, planDeliveries } from './delivery-plan';


function stateKeyFor(repo: string, event: RepoEvent): string | null {
  if (event.kind === 'build') return keys.buildState(repo, event.build.ref, event.build.key ?? event.build.name);
  if (event.kind === 'deployment') {
    return keys.deploymentState(repo, event.deployment.environmentUuid ?? event.deployment.environment);
  }
  return null;
}


export async function evaluateEvent(deps: AppDeps, event: RepoEvent): Promise<JobResult> {
  const repo = repoKey(event.repository);
  if (!repo) {
    deps.log.warn({ source: event.source, kind: event.kind }, 'event without a repository id: dropped');
    return { status: 'done' };
  }
  const now = deps.clock.now();
  const config = configKeys(repo, event.repository.fullName, event.workspace);
  let stateKey = stateKeyFor(repo, event);
  // A Pipelines result seen both live and by reconciliation shares one state slot (see pipelines-slot.ts).
  if (stateKey && isReconciledRun(event)) {
    const slot = await slotForReconciledRun(deps, repo, event);
    if (slot) ({ stateKey, event } = slot);
  }
  const keyless = stateKey ? keylessSlot(repo, event) : null;
  const wanted = [...configKeyList(config), keys.repoIndex(repo), keys.snooze(repo), stateKey, keyless].filter((k): k is string => k !== null);
  const found = await deps.store.getMany<unknown>(wanted);
  const joined = stateKey ? slotForLiveStatus(found, stateKey, keyless, event) : null;
  if (joined) ({ stateKey, event } = joined);

  const writes: { key: string; value: unknown; ttlSeconds?: number }[] = [];
  const record = found.get(keys.repoIndex(repo)) as RepoRecord | undefined;
  const mergedRecord = mergeRepoRecord(record, event, now);
  if (mergedRecord) writes.push({ key: keys.repoIndex(repo), value: mergedRecord });
  let repoRecord = mergedRecord ?? record!;

  const effective = effectiveRules(loadedConfig(found, config), repo, event.workspace ?? null);
  // Each evaluated event leaves one activity entry saying what became of it (activity.ts).
  const activityId = `${event.kind}:${stateKey ?? 'event'}:${now}`;
  if (!effective) {
    // Configured when queued, not any more (rules deleted since): say so.
    writes.push(activityWrite(repo, now, activityId, activityEntry(event, now, [], 'not-configured')));
    await deps.store.setMany(writes);
    deps.log.info({ repo, kind: event.kind, reason: 'not-configured' }, 'event evaluated: nothing to send');
    return { status: 'done' };
  }

  let alerts: Alert[] = [];
  let stateReason: Reason | undefined;
  if (stateKey && event.kind === 'build') {
    const result = evaluateBuild(found.get(stateKey) as BuildMemory | undefined, event);
    alerts = result.alerts;
    stateReason = result.reason;
    if (result.next !== undefined) writes.push({ key: stateKey, value: result.next });
  } else if (stateKey && event.kind === 'deployment') {
    const result = evaluateDeployment(found.get(stateKey) as DeploymentMemory | undefined, event);
    alerts = result.alerts;
    stateReason = result.reason;
    if (result.next !== undefined) writes.push({ key: stateKey, value: result.next });
  } else {
    alerts = alertsForEvent(event);
  }

  const snoozes = (found.get(keys.snooze(repo)) as Snooze[] | undefined) ?? [];
  let mainBranch = repoRecord.mainBranch ?? event.mainBranch ?? null;
  // "@default" needs the main branch; build-status events do not say it. Ask Bitbucket once (the
  // adapter caches it) and remember it in the repository record, only when an alert depends on it.
  if (!mainBranch && alerts.length > 0 && usesDefaultBranch(effective.doc.rules)) {
    const details = await deps.bitbucket.getRepository(event.repository.uuid ?? event.repository.fullName ?? repo).catch(() => null);
    if (details?.mainBranch) {
      mainBranch = details.mainBranch;
      const learned = { ...repoRecord, mainBranch, fullName: repoRecord.fullName ?? details.fullName };
      repoRecord = learned;
      const index = writes.findIndex((w) => w.key === keys.repoIndex(repo));
      if (index >= 0) writes[index] = { key: keys.repoIndex(repo), value: learned };
      else writes.push({ key: keys.repoIndex(repo), value: learned });
    }
  }
  // Decide, in two pure steps around the one I/O in between (delivery-plan.ts): which rules send
  // each alert (and why not), then, with the enriched alerts, the deliveries, reminders and groups.
  const matched = matchAlerts(effective.doc, alerts, { mainBranch, now, knownChannels: [...effective.channels.keys()] });
  if (matched.some((m) => m.matches.length > 0)) {
    // Forge events carry only UUIDs. The name the repository record learned (settings page, earlier
    // webhooks, the API) goes in first, so enrichment asks Bitbucket only for what is still missing.
    const knownName = repoRecord.fullName;
    if (knownName) alerts = alerts.map((a) => (a.repository.fullName ? a : { ...a, repository: { ...a.repository, fullName: knownName } }));
    // The log tail is fetched only when some matching rule shows it.
    alerts = await enrichAlerts(deps, alerts, repo, { logTail: matched.some((m) => m.matches.some((x) => x.rule.logTail !== false)) });
  }
  const plan = planDeliveries({
    repo, workspace: event.workspace ?? null, fullName: repoRecord.fullName ?? event.repository.fullName ?? null, stateKey,
    effective, matched, enriched: alerts, snoozes, now,
  });
  const { deliveries, reminders, groupWaits, outcomes } = plan;
  const entry = activityEntry(event, now, outcomes, alerts.length === 0 ? stateReason : undefined);
  writes.push(activityWrite(repo, now, activityId, entry));
  deps.log.info(
    { repo, kind: event.kind, decision: entry.decision, reason: entry.reason, alerts: outcomes.map((o) => o.type) },
    entry.decision === 'alerted' ? 'event evaluated: alerts queued' : 'event evaluated: nothing to send',
  );
  if (plan.snoozesAfter) writes.push({ key: keys.snooze(repo), value: plan.snoozesAfter });

  // Commit. What the state change causes goes first, the state write last: a state saved without its
  // deliveries would lose the alert (the event's retry would see a repeat). If this invocation dies
  // after a delivery and before the state write, the retried event raises the same alert ids, and
  // delivery drops what it already sent (delivery-stages.ts `dropRedelivery`).
  // The first attempt of each delivery due now runs here, channels in parallel (each with its own
  // send timeout): an alert costs two invocations (trigger, this one), and the queue carries only
  // retries, waits (quiet hours) and groups.
  const inline = deps.firstDelivery === 'queue' ? [] : deliveries.filter((j) => !j.notBefore);
  const jobs: QueueJob[] = deliveries.filter((j) => !inline.includes(j)).map(deliveryQueueJob);
  jobs.push(...reminders);
  for (const g of groupWaits) {
    const flush = await upsertGroup(deps, g.job, g.waitMs);
    if (flush) jobs.push(flush);
  }
  await pushJobs(deps, jobs);
  const followUps = await Promise.all(inline.map((job) => deliverInline(deps, job)));
  await pushJobs(deps, followUps.filter((j): j is QueueJob => j !== null));
  if (writes.length) await deps.store.setMany(writes);
  return { status: 'done' };
}

/** The first attempt of a delivery, in this invocation; what is left (a retry, a wait) becomes a queue job. */
async function deliverInline(deps: AppDeps, job: DeliveryJob): Promise<QueueJob | null> {
  try {
    const result = await deliver(deps, job, 1, { inline: true });
    if (result.status === 'done') return null;
    return { ...deliveryQueueJob(job), delayInSeconds: queueDelaySeconds(result.afterSeconds) };
  } catch (err) {
    // Storage failed around the send: the queue runs it again (delivery dedupes what was sent).
    deps.log.warn({ delivery: job.id, err: (err as Error)?.name }, 'inline delivery failed; queued');
    return deliveryQueueJob(job);
  }
}

const usesDefaultBranch = (rules: readonly { branches?: string[] }[]): boolean =>
  rules.some((r) => r.branches?.includes('@default'));

/** The repository record changes only when we learn something new (first sight, names, main branch). */
export function mergeRepoRecord(existing: RepoRecord | undefined, event: RepoEvent, now: number): RepoRecord | null {
  const r = event.repository;
  const next: RepoRecord = {
    uuid: existing?.uuid ?? r.uuid,
    fullName: r.fullName ?? existing?.fullName ?? null,
    slug: r.slug ?? existing?.slug ?? null,
    mainBranch: event.mainBranch ?? existing?.mainBranch ?? null,
    workspace: event.workspace ?? existing?.workspace ?? null,
    firstSeen: existing?.firstSeen ?? new Date(now).toISOString(),
  };
  if (
    existing &&
    existing.uuid === next.uuid &&
    existing.fullName === next.fullName &&
    existing.slug === next.slug &&
    existing.mainBranch === next.mainBranch &&
    (existing.workspace ?? null) === next.workspace
  ) {
    return null;
  }
  return next;
}

