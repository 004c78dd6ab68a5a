/**
 * `remindEvery`: while a build stays failed, repeat the alert. A reminder job re-checks one build's
 * remembered state when due: still the same failing streak → a still-failing reminder to the rule's
 * channels and the next check; fixed or gone → nothing more. No scans of storage: only builds that
 * raised a failure for a rule with `remindEvery` are ever checked.
 */
import type { BuildMemory } from '../core/alerts';
import { dueReminder } from '../core/alerts';
import type { JobBody, JobResult, QueueJob } from '../core/ports';
import { quietHoursDelay, remindEveryMs, ruleChannels } from '../core/rules';
import { keys } from '../core/storage-keys';
import type { AppDeps } from './app-types';
import { effectiveRules } from './effective-rules';
import { deliveryQueueJob, newDeliveryJob, remindJob } from './evaluate';
import type { RepoConfig } from './repo-config';
import { pushJobs } from './queue-commit';

export async function handleReminder(deps: AppDeps, body: Extract<JobBody, { type: 'remind' }>): Promise<JobResult> {
  const now = deps.clock.now();
  if (body.dueAt > now) return { status: 'retry', afterSeconds: Math.min(900, Math.ceil((body.dueAt - now) / 1000)), reason: 'reminder not due' };
  const wsKey = body.workspace ? keys.workspaceDefaults(body.workspace) : null;
  const wanted = [keys.rules(body.repo), body.stateKey, ...(wsKey ? [wsKey] : [])];
  const found = await deps.store.getMany<unknown>(wanted);
  const memory = found.get(body.stateKey) as BuildMemory | undefined;
  if (!memory || memory.state !== 'FAILED') return { status: 'done' };
  const effective = effectiveRules(
    { repo: found.get(keys.rules(body.repo)) as RepoConfig | undefined, workspace: wsKey ? (found.get(wsKey) as RepoConfig | undefined) : undefined },
    body.repo,
    body.workspace,
  );
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
      jobs.push(deliveryQueueJob(newDeliveryJob({ repo: body.repo, channelName: name, channel, rule: rule.name, alert: due.alert, now, holdMs: hold })));
    }
  }
  jobs.push(remindJob({ ...body, dueAt: now + remindMs }, now));
  // The next check goes first: were the push split and a later part to fail, reminders still go on.
  await pushJobs(deps, [jobs[jobs.length - 1]!, ...jobs.slice(0, -1)]);
  return { status: 'done' };
}
