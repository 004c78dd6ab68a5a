/**
 * `build-alerts activity --data-dir D --repo R`: what became of a repository's last events, one JSON
 * line each, newest first: `{ at, event, decision, reason, alerts }` (app/activity.ts).
 */
import { listActivity } from '../app/activity';
import type { RepoRecord } from '../app/evaluate';
import type { KeyValueStore } from '../core/ports';
import { keys, PREFIX, repoKeyFromString } from '../core/storage-keys';
import { CliError } from './cli-support';
import { openCliDeps } from './cli-deps';

/** A repository named "workspace/slug" is filed under its uuid once its events named one: find it in the repository index. */
async function resolveRepoKey(store: KeyValueStore, repository: string): Promise<string> {
  const direct = repoKeyFromString(repository);
  if (/^\{?[0-9a-f-]{36}\}?$/i.test(repository.trim())) return direct;
  const wanted = repository.trim().toLowerCase();
  let cursor: string | undefined;
  for (let page = 0; page < 50; page++) {
    const res = await store.query<RepoRecord>({ beginsWith: PREFIX.repos, limit: 100, ...(cursor ? { cursor } : {}) });
    const hit = res.results.find((r) => r.value.fullName?.toLowerCase() === wanted);
    if (hit) return hit.key.slice(PREFIX.repos.length);
    if (!res.nextCursor) break;
    cursor = res.nextCursor;
  }
  return direct;
}

export async function activityCommand(options: { repo: string; dataDir: string; limit: string }): Promise<void> {
  const limit = Number(options.limit);
  if (!Number.isInteger(limit) || limit < 1 || limit > 100) throw new CliError(`--limit must be a whole number from 1 to 100, got "${options.limit}"`);
  const { deps, close } = await openCliDeps(options.dataDir, true);
  try {
    const repo = await resolveRepoKey(deps.store, options.repo);
    const known = await deps.store.get(keys.repoIndex(repo));
    const entries = await listActivity(deps.store, repo, limit);
    if (!known && entries.length === 0) throw new CliError(`no repository "${options.repo}" in ${options.dataDir}`);
    for (const e of entries) {
      process.stdout.write(JSON.stringify({ at: e.at, event: e.event, decision: e.decision, reason: e.reason ?? null, why: e.why ?? null, alerts: e.alerts }) + '\n');
    }
  } finally {
    await close();
  }
}
