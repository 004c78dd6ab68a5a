/**
 * Bitbucket Cloud webhooks (`X-Event-Key`, no `X-Bitbucket-Type: server`).
 * https://support.atlassian.com/bitbucket-cloud/docs/event-payloads/
 */
import type { Result } from '../result';
import { err, ok } from '../result';
import type { NormalizeError } from './normalize-error';
import {
  REPO_EVENT_VERSION,
  type Headers,
  type NormalizeOutcome,
  type PullRequestAction,
  type RepoEvent,
} from './repo-event';
import { commitStatusBuild } from './commit-status';
import {
  CLOUD_PR_ACTIONS,
  actionOf,
  cloudPushChanges,
  cloudRepository,
  cloudUser,
  cloudWorkspace,
  firstIso,
  toIso,
} from './common';
import { header } from './headers';
import { Need, get, str, type Obj } from './read';

type Out = Result<NormalizeOutcome, NormalizeError>;

export function normalizeCloudWebhook(eventKey: string, body: unknown, headers?: Headers): Out {
  const need = new Need(eventKey);
  const root = need.obj(body, 'body');
  if (!root) return err(need.error());

  if (eventKey === 'repo:commit_status_created' || eventKey === 'repo:commit_status_updated') {
    return commitStatus(eventKey, root, need, headers);
  }
  if (eventKey === 'repo:push') return push(eventKey, root, need, headers);
  const action = actionOf(CLOUD_PR_ACTIONS, eventKey);
  if (action !== null) return pullRequest(eventKey, root, need, headers, action);
  return ok({ ignored: true, reason: `Bitbucket Cloud event "${eventKey.slice(0, 80)}" is not handled` });
}

/** Fields every Cloud webhook shares. `X-Event-Time` (RFC 1123) stands in when the body has no time. */
function base(eventKey: string, root: Obj, need: Need, headers: Headers | undefined, repoFallback?: unknown) {
  const repoRaw = root.repository ?? repoFallback;
  const repository = cloudRepository(repoRaw);
  if (!repository) {
    need.obj(root.repository, 'body.repository');
    return undefined;
  }
  if (repository.uuid === null && repository.fullName === null) {
    need.fail('body.repository', 'has neither uuid nor full_name');
    return undefined;
  }
  return {
    version: REPO_EVENT_VERSION,
    source: 'cloud-webhook' as const,
    eventKey,
    repository,
    workspace: cloudWorkspace(repoRaw),
    actor: cloudUser(root.actor),
    mainBranch: str(get(repoRaw, 'mainbranch', 'name')),
    headerTime: toIso(header(headers, 'x-event-time')),
  };
}

function commitStatus(eventKey: string, root: Obj, need: Need, headers: Headers | undefined): Out {
  const cs = need.obj(root.commit_status, 'body.commit_status');
  if (!cs) return err(need.error());
  const b = base(eventKey, root, need, headers, cs.repository);
  const build = commitStatusBuild(cs, need, 'body.commit_status');
  if (!b || !build) return err(need.error());
  const { headerTime, ...common } = b;
  const event: RepoEvent = {
    ...common,
    kind: 'build',
    occurredAt: firstIso(cs.updated_on, cs.created_on) ?? headerTime,
    build,
  };
  return ok(event);
}

function push(eventKey: string, root: Obj, need: Need, headers: Headers | undefined): Out {
  const p = need.obj(root.push, 'body.push');
  const list = p ? need.arr(p.changes, 'body.push.changes') : undefined;
  const b = list ? base(eventKey, root, need, headers) : undefined;
  if (!list || !b) return err(need.error());
  const read = cloudPushChanges(eventKey, list);
  if (!read.ok) return err({ message: read.message });
  const changes = read.changes;
  const { headerTime, ...common } = b;
  // Push bodies carry commit dates only, not the push time.
  return ok({ ...common, kind: 'push', occurredAt: headerTime, push: { changes } });
}

function pullRequest(
  eventKey: string,
  root: Obj,
  need: Need,
  headers: Headers | undefined,
  action: PullRequestAction,
): Out {
  const pr = need.obj(root.pullrequest, 'body.pullrequest');
  const id = pr ? need.int(pr.id, 'body.pullrequest.id') : undefined;
  const b = id !== undefined ? base(eventKey, root, need, headers, get(pr, 'destination', 'repository')) : undefined;
  if (!pr || id === undefined || !b) return err(need.error());
  const { headerTime, ...common } = b;
  // The time of this event, not of the PR: approvals, change requests and comments carry their own.
  const occurredAt =
    firstIso(
      get(root, 'approval', 'date'),
      get(root, 'changes_request', 'date'),
      get(root, 'comment', 'updated_on'),
      get(root, 'comment', 'created_on'),
      action === 'created' ? pr.created_on : pr.updated_on,
    ) ?? headerTime;
  return ok({
    ...common,
    kind: 'pullrequest',
    occurredAt,
    pullRequest: {
      id,
      action,
      title: str(pr.title),
      source: str(get(pr, 'source', 'branch', 'name')),
      destination: str(get(pr, 'destination', 'branch', 'name')),
      url: str(get(pr, 'links', 'html', 'href')),
      author: cloudUser(pr.author),
    },
  });
}
