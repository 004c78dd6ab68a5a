/**
 * `build-alerts dead-letters --data-dir D [--repo R]`: jobs set aside after failing (app/dead-letters.ts),
 * one JSON line each, newest first: `{ at, repo, type, error, attempts, id }`. Retry one from the
 * repository's settings page (or the `retryDeadLetter` resolver).
 */
import { listDeadLetters } from '../app/dead-letters';
import type { RepoRecord } from '../app/evaluate';
import type { KeyValueStore } from '../core/ports';
import { PREFIX, repoKeyFromString } from '../core/storage-keys';
import { openCliDeps } from './cli-deps';

/** As `activity`: a repository named "workspace/slug" is filed under its uuid once its events named one. */
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

export async function deadLettersCommand(options: { repo?: string; dataDir: string }): Promise<void> {
  const { deps, close } = await openCliDeps(options.dataDir, true);
  try {
    const repo = options.repo ? await resolveRepoKey(deps.store, options.repo) : undefined;
    for (const e of await listDeadLetters(deps, repo)) {
      process.stdout.write(JSON.stringify({ at: e.at, repo: e.repo, type: e.type, error: e.error, attempts: e.attempts, id: e.id }) + '\n');
    }
  } finally {
    await close();
  }
}
