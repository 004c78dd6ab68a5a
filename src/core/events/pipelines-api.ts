/**
 * Bitbucket Cloud REST objects, as read by reconciliation: pipelines (`type: "pipeline"`), commit
 * statuses (`type: "build"`) and deployments (`type: "deployment"`). All get source 'pipelines-api'.
 * https://developer.atlassian.com/cloud/bitbucket/rest/api-group-pipelines/
 * https://developer.atlassian.com/cloud/bitbucket/rest/api-group-deployments/
 */
import type { Result } from '../result';
import { err, ok } from '../result';
import type { NormalizeError } from './normalize-error';
import { REPO_EVENT_VERSION, type BuildState, type NormalizeOutcome, type RepositoryRef } from './repo-event';
import { commitStatusBuild } from './commit-status';
import {
  cloudCommitAuthor,
  cloudRepository,
  cloudRepositoryFromLink,
  cloudUser,
  cloudWorkspace,
  deploymentState,
  firstIso,
  pipelineNumber,
} from './common';
import { Need, get, int, obj, str, type Obj } from './read';

type Out = Result<NormalizeOutcome, NormalizeError>;

export const PIPELINES_API_TYPES: ReadonlySet<string> = new Set(['pipeline', 'build', 'deployment']);

/** One REST object. `path` names it in messages (`body`, `body.values[3]`). */
export function normalizePipelinesApiObject(item: unknown, path = 'body'): Out {
  const type = str(get(item, 'type'));
  const need = new Need(`pipelines-api ${type ?? 'object'}`);
  const root = need.obj(item, path);
  if (!root) return err(need.error());
  switch (type) {
    case 'pipeline':
      return pipeline(root, need, path);
    case 'build':
      return commitStatus(root, need, path);
    case 'deployment':
      return deployment(root, need, path);
    case 'error': {
      const message = str(get(root, 'error', 'message')) ?? 'no message';
      return err({ message: `pipelines-api: ${path} is a Bitbucket API error: ${message.slice(0, 200)}` });
    }
    default:
      return err({
        message: `pipelines-api: ${path}.type ${type === null ? 'is missing' : `"${type.slice(0, 40)}" is not pipeline, build or deployment`}`,
      });
  }
}

/**
 * The API's `{uuid}` path segments: `.../accounts/{workspace}/repositories/{repo}/pipelines/...`
 * (internal link) or `.../repositories/{workspace}/{repo}/...` (public API link).
 */
const UUID_PATH = /\/(?:accounts|workspaces|repositories)\/(\{[0-9a-f-]{36}\}|%7B[0-9a-f-]{36}%7D)\/(?:repositories\/)?(\{[0-9a-f-]{36}\}|%7B[0-9a-f-]{36}%7D)/i;

function uuidsFromLink(href: string | null): { workspace: string; repository: string } | null {
  const m = href === null ? null : UUID_PATH.exec(href);
  if (!m?.[1] || !m[2]) return null;
  const clean = (s: string) => s.replace(/%7B/i, '{').replace(/%7D/i, '}').toLowerCase();
  return { workspace: clean(m[1]), repository: clean(m[2]) };
}

function repositoryOf(root: Obj, extraLink?: unknown): { repository: RepositoryRef; workspace: string | null } | null {
  const fromLinks = uuidsFromLink(str(get(root, 'links', 'self', 'href')));
  const given = cloudRepository(root.repository);
  const fromWeb = cloudRepositoryFromLink(extraLink);
  const repository: RepositoryRef = {
    uuid: given?.uuid ?? fromLinks?.repository ?? null,
    fullName: given?.fullName ?? fromWeb?.fullName ?? null,
    slug: given?.slug ?? fromWeb?.slug ?? null,
    url: given?.url ?? fromWeb?.url ?? null,
  };
  if (repository.uuid === null && repository.fullName === null) return null;
  return { repository, workspace: cloudWorkspace(root.repository) ?? fromLinks?.workspace ?? null };
}

/**
 * Pipeline state → build state. COMPLETED carries a `result` (SUCCESSFUL, FAILED, ERROR, STOPPED,
 * EXPIRED); PENDING and IN_PROGRESS (any `stage`, including HALTED for a manual step and PAUSED
 * behind another deployment) are still running.
 * https://confluence.atlassian.com/display/BBKB/Differences+between+Bitbucket+pipelines+status+from+UI+and+API+results
 */
export function pipelineBuildState(state: unknown): BuildState | null {
  const name = (str(get(state, 'name')) ?? typeSuffix(get(state, 'type'), 'pipeline_state_'))?.toUpperCase();
  if (name === 'PENDING' || name === 'IN_PROGRESS' || name === 'PARSING') return 'INPROGRESS';
  if (name !== 'COMPLETED') return null;
  const result = (
    str(get(state, 'result', 'name')) ?? typeSuffix(get(state, 'result', 'type'), 'pipeline_state_completed_')
  )?.toUpperCase();
  switch (result) {
    case 'SUCCESSFUL':
      return 'SUCCESSFUL';
    case 'FAILED':
    case 'ERROR':
      return 'FAILED';
    case 'STOPPED':
    case 'EXPIRED':
      return 'STOPPED';
    default:
      return null;
  }
}

function typeSuffix(v: unknown, prefix: string): string | null {
  const s = str(v);
  if (s === null || !s.startsWith(prefix)) return null;
  const rest = s.slice(prefix.length);
  return rest.includes('_') ? null : rest;
}

/**
 * A pipeline run. It has no commit-status `key` (the status Pipelines writes uses a key stable per
 * branch that the API object does not expose), so `build.key` is null and `runId` holds the pipeline
 * UUID; match it to webhook builds by repository, ref and commit. `completed_on` can be earlier than
 * `created_on` for a pipeline that failed at once; both are kept as given.
 */
function pipeline(root: Obj, need: Need, path: string): Out {
  const stateObj = need.obj(root.state, `${path}.state`);
  if (!stateObj) return err(need.error());
  const state = pipelineBuildState(stateObj);
  if (state === null) {
    const shown = [str(stateObj.name), str(get(stateObj, 'result', 'name'))].filter((s) => s !== null).join('/');
    return err({ message: `pipelines-api pipeline: ${path}.state ${shown ? `"${shown.slice(0, 60)}" is not a known state` : 'has no name'}` });
  }
  const repo = repositoryOf(root);
  if (!repo) return err({ message: `pipelines-api pipeline: ${path}.repository is missing and links.self names no repository` });
  const number = int(root.build_number);
  const html = repo.repository.url ?? null;
  const url = str(get(root, 'links', 'html', 'href')) ?? (html !== null && number !== null ? `${html}/pipelines/results/${number}` : null);
  const target = obj(root.target);
  const commit = get(target, 'commit');
  return ok({
    version: REPO_EVENT_VERSION,
    source: 'pipelines-api',
    kind: 'build',
    eventKey: null,
    occurredAt: firstIso(root.completed_on, root.created_on),
    repository: repo.repository,
    workspace: repo.workspace,
    actor: cloudUser(root.creator),
    build: {
      key: null,
      name: null,
      state,
      commit: str(get(commit, 'hash')),
      ref: str(target?.ref_name) ?? str(get(target, 'source')),
      url,
      number: number ?? pipelineNumber(null, url),
      description: null,
      commitMessage: str(get(commit, 'message')),
      author: cloudCommitAuthor(get(commit, 'author')),
      runId: str(root.uuid),
    },
  });
}

function commitStatus(root: Obj, need: Need, path: string): Out {
  const build = commitStatusBuild(root, need, path);
  if (!build) return err(need.error());
  const repo = repositoryOf(root, get(root, 'commit', 'links', 'html', 'href'));
  if (!repo) return err({ message: `pipelines-api build: ${path}.repository is missing` });
  return ok({
    version: REPO_EVENT_VERSION,
    source: 'pipelines-api',
    kind: 'build',
    eventKey: null,
    occurredAt: firstIso(root.updated_on, root.created_on),
    repository: repo.repository,
    workspace: repo.workspace,
    build,
  });
}

function deployment(root: Obj, need: Need, path: string): Out {
  const stateObj = need.obj(root.state, `${path}.state`);
  if (!stateObj) return err(need.error());
  const mapped = deploymentState(stateObj.name, get(stateObj, 'status', 'name'));
  if (mapped === 'undeployed') return ok({ ignored: true, reason: 'pipelines-api deployment: UNDEPLOYED (replaced by a later release)' });
  if (mapped === null) {
    return err({ message: `pipelines-api deployment: ${path}.state.name ${JSON.stringify(String(stateObj.name ?? 'missing').slice(0, 40))} is not a known state` });
  }
  const release = obj(root.release) ?? obj(root.deployable);
  const repo = repositoryOf(root, get(release, 'url') ?? get(release, 'commit', 'links', 'html', 'href'));
  if (!repo) return err({ message: `pipelines-api deployment: ${path}.repository is missing and no link names one` });
  const env = obj(root.environment);
  return ok({
    version: REPO_EVENT_VERSION,
    source: 'pipelines-api',
    kind: 'deployment',
    eventKey: null,
    occurredAt: firstIso(stateObj.completed_on, stateObj.started_on, root.last_update_time, get(release, 'created_on')),
    repository: repo.repository,
    workspace: repo.workspace,
    deployment: {
      state: mapped,
      environment: str(env?.name),
      environmentType: str(get(env, 'environment_type', 'name')),
      commit: str(get(release, 'commit', 'hash')),
      environmentUuid: str(env?.uuid),
      url: str(stateObj.url) ?? str(get(release, 'url')),
    },
  });
}
