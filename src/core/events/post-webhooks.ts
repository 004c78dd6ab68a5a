/**
 * "Post Webhooks for Bitbucket" (Moveworkforward, a Data Center app). It sends Cloud-style
 * `X-Event-Key`s with `X-Bitbucket-Type: server`, but its bodies are its own: `pullrequest.id` is a
 * string, `fromRef`/`toRef` hold `branch.name`, dates are locale strings without a zone
 * ("6/4/25 11:15 PM") and there is no PR state, so the event key alone says what happened.
 * Reference: the plugin processors in jenkinsci/bitbucket-branch-source-plugin
 * (https://github.com/jenkinsci/bitbucket-branch-source-plugin, `impl/webhook/plugin`).
 */
import type { Result } from '../result';
import { err, ok } from '../result';
import type { NormalizeError } from './normalize-error';
import { REPO_EVENT_VERSION, type NormalizeOutcome, type PullRequestAction } from './repo-event';
import { CLOUD_PR_ACTIONS, actionOf, cloudPushChanges, dcRepository } from './common';
import { Need, get, obj, str, type Obj } from './read';

type Out = Result<NormalizeOutcome, NormalizeError>;

export function normalizePostWebhook(eventKey: string, body: unknown): Out {
  const need = new Need(eventKey);
  const action = actionOf(CLOUD_PR_ACTIONS, eventKey);
  if (eventKey !== 'repo:push' && action === null) {
    return ok({ ignored: true, reason: `Post Webhooks event "${eventKey.slice(0, 80)}" is not handled` });
  }
  const root = need.obj(body, 'body');
  if (!root) return err(need.error());
  return action === null ? push(eventKey, root, need) : pullRequest(eventKey, root, need, action);
}

function base(eventKey: string, root: Obj, need: Need, repoRaw: unknown, path: string) {
  const raw = need.obj(repoRaw, path);
  const repository = raw ? dcRepository(raw) : null;
  if (!repository) return undefined;
  if (repository.fullName === null) return need.fail(path, 'has no project.key and slug, nor fullName');
  const actor = obj(root.actor);
  return {
    version: REPO_EVENT_VERSION,
    source: 'post-webhooks' as const,
    eventKey,
    // Its only dates are zone-less locale strings; guessing a zone would invent a time.
    occurredAt: null,
    repository,
    workspace: str(get(raw, 'project', 'key')),
    actor: actor ? { name: str(actor.displayName) ?? str(actor.username), email: str(actor.emailAddress) } : null,
  };
}

function push(eventKey: string, root: Obj, need: Need): Out {
  const p = need.obj(root.push, 'body.push');
  const list = p ? need.arr(p.changes, 'body.push.changes') : undefined;
  const b = list ? base(eventKey, root, need, root.repository, 'body.repository') : undefined;
  if (!list || !b) return err(need.error());
  const read = cloudPushChanges(eventKey, list);
  if (!read.ok) return err({ message: read.message });
  const changes = read.changes;
  return ok({ ...b, kind: 'push', push: { changes } });
}

function pullRequest(eventKey: string, root: Obj, need: Need, action: PullRequestAction): Out {
  const pr = need.obj(root.pullrequest, 'body.pullrequest');
  const id = pr ? need.int(pr.id, 'body.pullrequest.id') : undefined;
  const repoRaw = root.repository ?? get(pr, 'toRef', 'repository');
  const b = id !== undefined ? base(eventKey, root, need, repoRaw, 'body.repository') : undefined;
  if (!pr || id === undefined || !b) return err(need.error());
  const authorLogin = str(pr.authorLogin);
  return ok({
    ...b,
    kind: 'pullrequest',
    pullRequest: {
      id,
      action,
      title: str(pr.title),
      source: str(get(pr, 'fromRef', 'branch', 'name')),
      destination: str(get(pr, 'toRef', 'branch', 'name')),
      url: str(pr.link),
      author: authorLogin === null ? null : { name: authorLogin },
    },
  });
}
