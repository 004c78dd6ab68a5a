/**
 * Cloud commit status (`commitstatus`) → BuildInfo. Shared by the `repo:commit_status_*` webhooks
 * and REST objects of `type: "build"`.
 * https://developer.atlassian.com/cloud/bitbucket/rest/api-group-commit-statuses/
 */
import type { BuildInfo } from './repo-event';
import { buildState, cloudCommitAuthor, hashFromHref, pipelineNumber } from './common';
import { get, rawStr, str, type Need, type Obj } from './read';

export function commitStatusBuild(cs: Obj, need: Need, path: string): BuildInfo | undefined {
  const rawState = need.str(cs.state, `${path}.state`);
  if (rawState === undefined) return undefined;
  const state = buildState(rawState);
  if (state === null) {
    need.fail(`${path}.state`, `has unknown value ${JSON.stringify(rawState.slice(0, 40))}`);
    return undefined;
  }
  const name = need.optStr(cs.name, `${path}.name`);
  const url = need.optStr(cs.url, `${path}.url`);
  const key = need.optStr(cs.key, `${path}.key`);
  // `refname` is null for statuses that tools such as SonarCloud post without a branch.
  const ref = need.optStr(cs.refname, `${path}.refname`);
  if (need.failed) return undefined;
  const commit = get(cs, 'commit');
  return {
    key,
    name,
    state,
    // Older statuses (and some REST responses) omit `commit`; the hash is still in the links.
    commit:
      str(get(commit, 'hash')) ??
      hashFromHref(get(cs, 'links', 'commit', 'href')) ??
      hashFromHref(get(cs, 'links', 'self', 'href')) ??
      hashFromHref(get(commit, 'links', 'html', 'href')),
    ref,
    url,
    number: pipelineNumber(name, url),
    description: rawStr(cs.description) || null,
    commitMessage: str(get(commit, 'message')),
    // The person who broke the build: the commit's author. The webhook `actor` is the workspace.
    author: cloudCommitAuthor(get(commit, 'author')),
  };
}
