import type { PullRequestAction, RepoEvent } from '../events/repo-event';
import type { Alert, PullRequestAlertType } from './alert';
import { alertId, alertLinks, normalizeTime, subjectKey } from './identity';

const PR_TYPES: Partial<Record<PullRequestAction, PullRequestAlertType>> = {
  created: 'pr.opened',
  merged: 'pr.merged',
  declined: 'pr.declined',
};

/**
 * Alerts for events that need no memory: one `push` per branch change (created, updated or deleted),
 * one `tag` per tag created, and pr.opened / pr.merged / pr.declined. Pull request alerts carry the
 * destination branch as `ref`, so branch rules read "pull requests into main". Build and deployment
 * events go through `evaluateBuild` / `evaluateDeployment`; everything else raises nothing.
 */
export function alertsForEvent(event: RepoEvent, options: { receivedAt?: string } = {}): Alert[] {
  const time = event.occurredAt ?? options.receivedAt;
  if (!time) return [];
  const occurredAt = normalizeTime(time);
  if (event.kind === 'push') {
    const alerts: Alert[] = [];
    for (const change of event.push.changes) {
      const isTag = change.refType === 'tag';
      if (isTag && change.action !== 'created') continue;
      const type = isTag ? 'tag' : 'push';
      const commit = change.after ?? change.before;
      const incidentKey = subjectKey(event.repository, isTag ? 'tag' : 'push', change.name);
      alerts.push({
        version: 1,
        id: alertId(incidentKey, type, occurredAt, `${change.before ?? ''}..${change.after ?? ''}`),
        type,
        occurredAt,
        repository: event.repository,
        ref: change.name,
        push: { changes: [change] },
        previous: null,
        incidentKey,
        links: alertLinks(event.repository, event.source, { commit }),
      });
    }
    return alerts;
  }
  if (event.kind === 'pullrequest') {
    const pr = event.pullRequest;
    const type = PR_TYPES[pr.action];
    if (!type) return [];
    const incidentKey = subjectKey(event.repository, 'pr', String(pr.id));
    return [{
      version: 1,
      id: alertId(incidentKey, type, occurredAt, null),
      type,
      occurredAt,
      repository: event.repository,
      ref: pr.destination,
      pullRequest: pr,
      previous: null,
      incidentKey,
      links: alertLinks(event.repository, event.source, { pullRequest: pr.url ?? null }),
    }];
  }
  return [];
}
