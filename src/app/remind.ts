/**
 * `remindEvery`: while a build stays failed, repeat the alert. A reminder job re-checks one build's
 * remembered state when due: still the same failing streak → a still-failing reminder to the rule's
 * channels and the next check; fixed or gone → nothing more. No scans of storage: only builds that
 * raised a failure for a rule with `remindEvery` are ever checked.
 */
import type { BuildMemory } from '../core/alerts';
import { dueReminder } from '../core/alerts';
import type { JobResult } from '../core/ports';
import type { JobBody, QueueJob } from './jobs';
import { quietHoursDelay, remindEveryMs, ruleChannels } from '../core/rules';
import { keys } from '../core/storage-keys';
import type { AppDeps } from './app-types';
import { effectiveRules } from './effective-rules';
import { configKeyList, configKeys, loadedConfig } from './config-keys';
import { deliveryQueueJob, newDeliveryJob, remindJob, type RepoRecord } from './evaluate';
import { pushJobs } from './queue-commit';
import { resolvePeople } from '../core/people';

export async function handleReminder(deps: AppDeps, body: Extract<JobBody, { type: 'remind' }>): Promise<JobResult> {
  const now = deps.clock.now();
  if (body.dueAt > now) return { status: 'retry', afterSeconds: Math.min(900, Math.ceil((body.dueAt - now) / 1000)), reason: 'reminder not due' };
  const config = configKeys(body.repo, body.fullName, body.workspace);
  const found = await deps.store.getMany<unknown>([...configKeyList(config), body.stateKey, keys.repoIndex(body.repo)]);
  const memory = found.get(body.stateKey) as BuildMemory | undefined;
  if (!memory || memory.state !== 'FAILED') return { status: 'done' };
  // A job queued before bodies carried the name: the repository record knows it.
  const knownName = body.fullName ?? (found.get(keys.repoIndex(body.repo)) as RepoRecord | undefined)?.fullName ?? null;
  const byName = body.fullName === undefined && knownName ? configKeys(body.repo, knownName, body.workspace).byName : null;
  if (byName) for (const [k, v] of await deps.store.getMany<unknown>([byName])) found.set(k, v);
  const effective = effectiveRules(loadedConfig(found, byName ? { ...config, byName } : config), body.repo, body.workspace);
  const rule = effective?.doc.rules.find((r) => r.name === body.rule && r.enabled);
  const remindMs = rule ? remindEveryMs(rule) : null;
  if (!effective || !rule || !remindMs) return { status: 'done' };
  const due = dueReminder(memory, rule, now);
  const jobs: QueueJob[] = [];
  if (due) {
    await deps.store.set(body.stateKey, due.next);
    const hold = quietHoursDelay(rule, now);
    for (const name of ruleChannels(effective.doc, rule, [...effective.channels.keys()])) {
      const channel = effective.channels.get(name);
      if (!channel) continue;
      const alert = rule.logTail === false ? { ...due.alert, logTail: null } : due.alert;
      jobs.push(deliveryQueueJob(newDeliveryJob({ repo: body.repo, channelName: name, channel, rule: rule.name, alert, now, holdMs: hold, people: resolvePeople(alert, effective.mentions) })));
    }
  }
  jobs.push(remindJob({ ...body, fullName: knownName, dueAt: now + remindMs }, now));
  // The next check goes first: were the push split and a later part to fail, reminders still go on.
  await pushJobs(deps, [jobs[jobs.length - 1]!, ...jobs.slice(0, -1)]);
  return { status: 'done' };
}
