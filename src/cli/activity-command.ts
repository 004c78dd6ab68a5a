/**
 * `build-alerts activity --data-dir D --repo R`: what became of a repository's last events, one JSON
 * line each, newest first: `{ at, event, decision, reason, alerts }` (app/activity.ts).
 */
import { listActivity } from '../app/activity';
import { keys } from '../core/storage-keys';
import { CliError } from './cli-support';
import { openCliDeps } from './cli-deps';
import { resolveRepoKey } from './repo-lookup';


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
