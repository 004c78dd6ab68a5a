/**
 * Forge product events (`avi:bitbucket:<verb>:<noun>`), passed to the trigger as its first argument.
 * They carry UUIDs rather than names: `repository.fullName` stays null unless enriched later.
 * https://developer.atlassian.com/platform/forge/events-reference/bitbucket/
 */
import type { Result } from '../result';
import { err, ok } from '../result';
import type { NormalizeError } from './normalize-error';
import {
  REPO_EVENT_VERSION,
  type DeploymentState,
  type NormalizeOutcome,
  type Person,
  type PullRequestAction,
} from './repo-event';
import { buildState, deploymentState, firstIso, hashOrNull, pipelineNumber, splitRef } from './common';
import { Need, get, obj, rawStr, str, type Obj } from './read';

type Out = Result<NormalizeOutcome, NormalizeError>;

const PR_ACTIONS: Readonly<Record<string, PullRequestAction>> = {
  'avi:bitbucket:created:pullrequest': 'created',
  'avi:bitbucket:updated:pullrequest': 'updated',
  'avi:bitbucket:fulfilled:pullrequest': 'merged',
  'avi:bitbucket:rejected:pullrequest': 'declined',
  'avi:bitbucket:deleted:pullrequest': 'deleted',
  'avi:bitbucket:created:pullrequest-comment': 'commented',
  // Approvals and change requests (and their clearing when the source branch moves) arrive as one event.
  'avi:bitbucket:updated:pullrequest-reviewer-status': 'reviewer-status',
};

/** Used when `deployment.state` is absent or unfamiliar: the event name still says the phase. */
const DEPLOYMENT_BY_EVENT: Readonly<Record<string, DeploymentState>> = {
  'avi:bitbucket:pending:deployment': 'PENDING',
  'avi:bitbucket:started:deployment': 'STARTED',
};

export function normalizeForgeEvent(body: unknown): Out {
  const need = new Need('forge event');
  const root = need.obj(body, 'body');
  const eventType = root ? need.str(root.eventType, 'body.eventType') : undefined;
  if (!root || eventType === undefined) return err(need.error());
  const ev = new Need(eventType.slice(0, 120));

  if (eventType === 'avi:bitbucket:created:build-status' || eventType === 'avi:bitbucket:updated:build-status') {
    return buildStatus(eventType, root, ev);
  }
  if (eventType === 'avi:bitbucket:push:repository') return push(eventType, root, ev);
  if (Object.prototype.hasOwnProperty.call(PR_ACTIONS, eventType)) {
    return pullRequest(eventType, root, ev, PR_ACTIONS[eventType] as PullRequestAction);
  }
  if (eventType.startsWith('avi:bitbucket:') && eventType.endsWith(':deployment')) {
    return deployment(eventType, root, ev);
  }
  return ok({ ignored: true, reason: `Forge event "${eventType.slice(0, 120)}" is not handled` });
}

function forgePerson(v: unknown): Person | null {
  const a = obj(v);
  if (!a) return null;
  return { name: str(a.displayName) ?? str(a.nickname), accountId: str(a.accountId), uuid: str(a.uuid) };
}

function base(eventKey: string, root: Obj, need: Need) {
  const repo = need.obj(root.repository, 'body.repository');
  const uuid = repo ? need.str(repo.uuid, 'body.repository.uuid') : undefined;
  if (!repo || uuid === undefined) return undefined;
  const slug = str(repo.slug);
  const workspaceSlug = str(get(root, 'workspace', 'slug'));
  return {
    version: REPO_EVENT_VERSION,
    source: 'forge' as const,
    eventKey,
    repository: {
      uuid,
      fullName: str(repo.fullName) ?? str(repo.full_name) ?? (workspaceSlug && slug ? `${workspaceSlug}/${slug}` : null),
      slug,
    },
    workspace: str(get(root, 'workspace', 'uuid')),
    actor: forgePerson(root.actor),
    // Forge marks events that the app's own API calls caused; the app skips those to avoid loops.
    selfGenerated: root.selfGenerated === true,
  };
}

function buildStatus(eventType: string, root: Obj, need: Need): Out {
  const bs = need.obj(root.buildStatus, 'body.buildStatus');
  const rawState = bs ? need.str(bs.state, 'body.buildStatus.state') : undefined;
  const b = rawState !== undefined ? base(eventType, root, need) : undefined;
  if (!bs || rawState === undefined || !b) return err(need.error());
  const state = buildState(rawState);
  if (state === null) {
    return err({ message: `${eventType}: body.buildStatus.state has unknown value ${JSON.stringify(rawState.slice(0, 40))}` });
  }
  const name = need.optStr(bs.name, 'body.buildStatus.name');
  const url = need.optStr(bs.url, 'body.buildStatus.url');
  const key = need.optStr(bs.key, 'body.buildStatus.key');
  if (need.failed) return err(need.error());
  return ok({
    ...b,
    kind: 'build',
    occurredAt: firstIso(bs.updatedOn, bs.createdOn, root.timestamp),
    build: {
      key,
      // Forge build statuses have no `name`; the Pipelines build number is still in the url.
      name,
      state,
      commit: str(get(bs, 'commit', 'hash')),
      ref: str(bs.refName),
      url,
      number: pipelineNumber(name, url),
      description: rawStr(bs.description) || null,
      commitMessage: str(get(bs, 'commit', 'message')),
      author: null,
    },
  });
}

/**
 * `push` is a CommitPush (`ref`, `before`, `after`, `created`, `closed`, `commits`) or, for tags, a
 * TagPush (`date`, `message`, `author`) that names no ref.
 */
function push(eventType: string, root: Obj, need: Need): Out {
  const p = need.obj(root.push, 'body.push');
  const b = p ? base(eventType, root, need) : undefined;
  if (!p || !b) return err(need.error());
  const ref = need.optStr(p.ref, 'body.push.ref');
  if (need.failed) return err(need.error());
  if (ref === null) return ok({ ignored: true, reason: `${eventType}: push names no ref (tag push)` });
  const split = splitRef(ref);
  const typeGiven = str(p.type)?.toLowerCase();
  const refType =
    typeGiven === 'branch' || typeGiven === 'tag' ? typeGiven : split.refType ?? (p.mainbranch === true ? 'branch' : null);
  const created = p.created === true;
  const closed = p.closed === true;
  const commits = Array.isArray(p.commits) ? p.commits : [];
  return ok({
    ...b,
    kind: 'push',
    occurredAt: firstIso(root.timestamp),
    // `mainbranch: true` says the pushed ref is the repository's main branch.
    mainBranch: typeof p.mainbranch === 'string' ? p.mainbranch : p.mainbranch === true ? split.name : null,
    push: {
      changes: [
        {
          refType,
          name: split.name,
          action: created ? 'created' : closed ? 'deleted' : 'updated',
          before: created ? null : hashOrNull(p.before),
          after: closed ? null : hashOrNull(p.after) ?? hashOrNull(get(commits[0], 'hash')),
        },
      ],
    },
  });
}

function branchName(v: unknown): string | null {
  return str(get(v, 'branch')) ?? str(get(v, 'branch', 'name'));
}

function pullRequest(eventType: string, root: Obj, need: Need, action: PullRequestAction): Out {
  const pr = need.obj(root.pullrequest, 'body.pullrequest');
  const id = pr ? need.int(pr.id, 'body.pullrequest.id') : undefined;
  const b = id !== undefined ? base(eventType, root, need) : undefined;
  if (!pr || id === undefined || !b) return err(need.error());
  return ok({
    ...b,
    kind: 'pullrequest',
    occurredAt: firstIso(root.timestamp, pr.updatedOn),
    pullRequest: {
      id,
      action,
      title: str(get(pr, 'title', 'value')) ?? str(pr.title),
      source: branchName(pr.source),
      destination: branchName(pr.destination),
      url: str(get(pr, 'links', 'html', 'href')),
      author: forgePerson(pr.author),
    },
  });
}

function deployment(eventType: string, root: Obj, need: Need): Out {
  const d = need.obj(root.deployment, 'body.deployment');
  const b = d ? base(eventType, root, need) : undefined;
  if (!d || !b) return err(need.error());
  const mapped = deploymentState(d.state, d.status);
  if (mapped === 'undeployed') return ok({ ignored: true, reason: `${eventType}: deployment was undeployed` });
  const state = mapped ?? DEPLOYMENT_BY_EVENT[eventType] ?? null;
  if (state === null) {
    return err({ message: `${eventType}: body.deployment.state has unknown value ${JSON.stringify(String(d.state).slice(0, 40))}` });
  }
  // Documented at the top level; accept it nested under the deployment too, as the REST API has it.
  const env = obj(root.environment) ?? obj(d.environment);
  return ok({
    ...b,
    kind: 'deployment',
    occurredAt: firstIso(d.updatedTimestamp, root.timestamp),
    deployment: {
      state,
      environment: str(env?.name),
      environmentType: str(env?.type),
      commit: str(get(d, 'commit', 'hash')) ?? str(get(root, 'commit', 'hash')) ?? str(get(d, 'release', 'commit', 'hash')),
      environmentUuid: str(env?.uuid),
      url: str(d.url),
    },
  });
}
