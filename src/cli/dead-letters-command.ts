/**
 * `build-alerts dead-letters --data-dir D [--repo R]`: jobs set aside after failing (app/dead-letters.ts),
 * one JSON line each, newest first: `{ at, repo, type, error, attempts, id }`. Retry one from the
 * repository's settings page (or the `retryDeadLetter` resolver).
 */
import { listDeadLetters } from '../app/dead-letters';
import { openCliDeps } from './cli-deps';
import { resolveRepoKey } from './repo-lookup';


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
