/**
 * Which stored documents make up a repository's configuration: its own rules document (filed under
 * its id), a document filed under its name ("workspace/slug", saved before its uuid was known, or by
 * the CLI), and its workspace's defaults. The one definition: the trigger's "is it configured"
 * filter, evaluation and reminders all read through it, so they always agree.
 */
import { keys, repoKeyFromString } from '../core/storage-keys';
import type { LoadedConfig } from './effective-rules';
import type { RepoConfig } from './repo-config';

export interface ConfigKeys {
  own: string;
  /** Rules filed by name, when the repository's id is its uuid (else `own` already is the name key). */
  byName: string | null;
  workspace: string | null;
}

/** `repo`: the repository key (repoKey); `fullName` and `workspace` when known. */
export function configKeys(repo: string, fullName: string | null | undefined, workspace: string | null | undefined): ConfigKeys {
  const nameRepo = fullName ? repoKeyFromString(fullName) : null;
  return {
    own: keys.rules(repo),
    byName: nameRepo && nameRepo !== repo ? keys.rules(nameRepo) : null,
    workspace: workspace ? keys.workspaceDefaults(workspace) : null,
  };
}

export const configKeyList = (k: ConfigKeys): string[] => [k.own, k.byName, k.workspace].filter((key): key is string => key !== null);

/** The documents of one batched read, as effectiveRules takes them. */
export function loadedConfig(found: ReadonlyMap<string, unknown>, k: ConfigKeys): LoadedConfig {
  return {
    repo: found.get(k.own) as RepoConfig | undefined,
    byName: k.byName ? (found.get(k.byName) as RepoConfig | undefined) : undefined,
    workspace: k.workspace ? (found.get(k.workspace) as RepoConfig | undefined) : undefined,
  };
}

/** Anything there that could alert. */
export const hasConfig = (found: ReadonlyMap<string, unknown>, k: ConfigKeys): boolean => configKeyList(k).some((key) => found.has(key));
