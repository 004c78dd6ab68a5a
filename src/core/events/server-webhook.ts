/**
 * Bitbucket Data Center / Server webhooks.
 * https://confluence.atlassian.com/bitbucketserver/event-payload-938025882.html
 */
import type { Result } from '../result';
import { err, ok } from '../result';
import type { NormalizeError } from './normalize-error';
import {
  REPO_EVENT_VERSION,
  type NormalizeOutcome,
  type PullRequestAction,
  type PushChange,
  type RepositoryRef,
} from './repo-event';
import { EMPTY_REPOSITORY, actionOf, dcRepository, dcUser, hashOrNull, splitRef, toIso } from './common';
import { Need, firstHref, get, str, type Obj } from './read';

type Out = Result<NormalizeOutcome, NormalizeError>;

const PR_ACTIONS: Readonly<Record<string, PullRequestAction>> = {
  'pr:opened': 'created',
  'pr:modified': 'updated',
  'pr:from_ref_updated': 'updated',
  'pr:to_ref_updated': 'updated',
  'pr:merged': 'merged',
  'pr:declined': 'declined',
  'pr:deleted': 'deleted',
  'pr:comment:added': 'commented',
  'pr:reviewer:approved': 'approved',
  'pr:reviewer:unapproved': 'unapproved',
  'pr:reviewer:needs_work': 'changes-requested',
  // Later DC versions name the same review state "changes requested".
  'pr:reviewer:changes_requested': 'changes-requested',
};

const REF_CHANGE_ACTIONS: Readonly<Record<string, PushChange['action']>> = {
  ADD: 'created',
  UPDATE: 'updated',
  DELETE: 'deleted',
};

export function normalizeServerWebhook(eventKey: string, body: unknown): Out {
  const need = new Need(eventKey);
  if (eventKey === 'diagnostics:ping') {
    // "Test connection" posts `{"test": true}`: no repository, no time.
    return ok({
      version: REPO_EVENT_VERSION,
      source: 'server-webhook',
      kind: 'ping',
      eventKey,
      occurredAt: toIso(get(body, 'date')),
      repository: EMPTY_REPOSITORY,
    });
  }
  const action = actionOf(PR_ACTIONS, eventKey);
  if (eventKey !== 'repo:refs_changed' && action === null) {
    return ok({ ignored: true, reason: `Bitbucket Data Center event "${eventKey.slice(0, 80)}" is not handled` });
  }
  const root = need.obj(body, 'body');
  if (!root) return err(need.error());
  return action === null ? refsChanged(eventKey, root, need) : pullRequest(eventKey, root, need, action);
}

function repositoryOf(v: unknown, path: string, need: Need): RepositoryRef | undefined {
  const raw = need.obj(v, path);
  const repo = raw ? dcRepository(raw) : null;
  if (!raw || !repo) return undefined;
  if (repo.fullName === null) return need.fail(path, 'has no project.key and slug');
  return repo;
}

function common(eventKey: string, root: Obj, repository: RepositoryRef, workspace: string | null) {
  return {
    version: REPO_EVENT_VERSION,
    source: 'server-webhook' as const,
    eventKey,
    occurredAt: toIso(root.date),
    repository,
    workspace,
    actor: dcUser(root.actor),
  };
}

function refsChanged(eventKey: string, root: Obj, need: Need): Out {
  const repository = repositoryOf(root.repository, 'body.repository', need);
  const list = need.arr(root.changes, 'body.changes');
  if (!repository || !list) return err(need.error());
  const changes: PushChange[] = [];
  for (let i = 0; i < list.length; i++) {
    const c = list[i];
    const refId = str(get(c, 'refId')) ?? str(get(c, 'ref', 'id'));
    const display = str(get(c, 'ref', 'displayId'));
    if (refId === null && display === null) return err({ message: `${eventKey}: body.changes[${i}].refId is missing` });
    const split = splitRef(refId ?? display ?? '');
    const refTypeRaw = str(get(c, 'ref', 'type'));
    const refType = refTypeRaw === 'BRANCH' ? 'branch' : refTypeRaw === 'TAG' ? 'tag' : split.refType;
    const typeRaw = str(get(c, 'type'));
    const action = typeRaw !== null ? actionOf(REF_CHANGE_ACTIONS, typeRaw) : null;
    if (action === null) {
      return err({ message: `${eventKey}: body.changes[${i}].type must be ADD, UPDATE or DELETE` });
    }
    changes.push({
      refType,
      name: display ?? split.name,
      action,
      before: hashOrNull(get(c, 'fromHash')),
      after: hashOrNull(get(c, 'toHash')),
    });
  }
  const workspace = str(get(root.repository, 'project', 'key'));
  return ok({ ...common(eventKey, root, repository, workspace), kind: 'push', push: { changes } });
}

function pullRequest(eventKey: string, root: Obj, need: Need, action: PullRequestAction): Out {
  const pr = need.obj(root.pullRequest, 'body.pullRequest');
  const id = pr ? need.int(pr.id, 'body.pullRequest.id') : undefined;
  // A PR belongs to the repository of its target ref; the source may be a fork.
  const repoRaw = get(pr, 'toRef', 'repository');
  const repository = id !== undefined ? repositoryOf(repoRaw, 'body.pullRequest.toRef.repository', need) : undefined;
  if (!pr || id === undefined || !repository) return err(need.error());
  const workspace = str(get(repoRaw, 'project', 'key'));
  return ok({
    ...common(eventKey, root, repository, workspace),
    kind: 'pullrequest',
    pullRequest: {
      id,
      action,
      title: str(pr.title),
      source: refName(get(pr, 'fromRef')),
      destination: refName(get(pr, 'toRef')),
      url: firstHref(get(pr, 'links', 'self')),
      author: dcUser(get(pr, 'author', 'user')),
    },
  });
}

function refName(ref: unknown): string | null {
  const display = str(get(ref, 'displayId'));
  if (display !== null) return display;
  const id = str(get(ref, 'id'));
  return id === null ? null : splitRef(id).name;
}
