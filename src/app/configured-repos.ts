/**
 * Whether a repository has anything that could alert (its own rules document, one filed under its
 * name, or its workspace's defaults). The trigger checks this so that events of repositories nobody
 * configured cost no queue push and no consumer invocation: in a workspace of 1,000 repositories with
 * rules on ten, that is most events. Answers are cached per instance for a minute; a save in this
 * instance forgets them at once, and elsewhere (another Forge container) new rules apply within a minute.
 * The local runtime caches only "configured": a `rules import` from another process must take effect
 * at once, and a local read costs microseconds.
 */
import type { RepoEvent } from '../core/events/repo-event';
import { keys, repoKey } from '../core/storage-keys';
import type { AppDeps } from './app-types';
import { configKeyList, configKeys, hasConfig } from './config-keys';
import { mergeRepoRecord, type RepoRecord } from './evaluate';

export const CONFIGURED_CACHE_MS = 60_000;
const CACHE_LIMIT = 5_000;

interface Entry {
  configured: boolean;
  at: number;
}

const caches = new WeakMap<AppDeps, Map<string, Entry>>();

function cacheOf(deps: AppDeps): Map<string, Entry> {
  let cache = caches.get(deps);
  if (!cache) {
    cache = new Map();
    caches.set(deps, cache);
  }
  return cache;
}

/** Called when a configuration is saved in this instance. */
export function forgetConfigured(deps: AppDeps): void {
  caches.get(deps)?.clear();
}

/** `remember: false`: an unconfigured repository seen here is not recorded (unsigned webhooks leave no lasting records). */
export async function isConfigured(deps: AppDeps, event: RepoEvent, options: { remember?: boolean } = {}): Promise<boolean> {
  const repo = repoKey(event.repository);
  if (!repo) return false;
  const now = deps.clock.now();
  const cache = cacheOf(deps);
  const cacheKey = `${repo}|${event.workspace ?? ''}`;
  const hit = cache.get(cacheKey);
  if (hit && now - hit.at < CONFIGURED_CACHE_MS && (hit.configured || deps.runtime === 'forge')) return hit.configured;

  const config = configKeys(repo, event.repository.fullName, event.workspace);
  const found = await deps.store.getMany<unknown>([...configKeyList(config), keys.repoIndex(repo)]);
  const configured = hasConfig(found, config);
  if (!configured && options.remember !== false) {
    // First sight of a repository nobody configured yet: remember it, so the local settings page lists it.
    const record = mergeRepoRecord(found.get(keys.repoIndex(repo)) as RepoRecord | undefined, event, now);
    if (record) await deps.store.set(keys.repoIndex(repo), record);
  }
  if (cache.size >= CACHE_LIMIT) cache.delete(cache.keys().next().value as string);
  cache.set(cacheKey, { configured, at: now });
  return configured;
}
