/** Repository lookups shared by the CLI's data-dir commands (`activity`, `dead-letters`). */
import type { RepoRecord } from '../app/evaluate';
import type { KeyValueStore } from '../core/ports';
import { PREFIX, repoKeyFromString } from '../core/storage-keys';

/** A repository named "workspace/slug" is filed under its uuid once its events named one: find it in the repository index. */
export async function resolveRepoKey(store: KeyValueStore, repository: string): Promise<string> {
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
