/**
 * Hourly reconciliation (scheduled trigger): Forge may drop an event. For every repository with
 * rules, list recent pipelines (Pipelines REST API) and feed terminal results through the same
 * path as live events. The state machine drops what it has already seen (same commit, key, state
 * and time), so a lost event alerts once and a seen one not again.
 */
import { normalize } from '../core/events';
import type { RepoEvent } from '../core/events/repo-event';
import { isIgnored } from '../core/events/repo-event';
import { PREFIX } from '../core/storage-keys';
import type { AppDeps } from './app-types';
import type { RepoRecord } from './evaluate';
import { queueEvents } from './ingest';

/** Pipelines finished longer ago than this are left alone (their alert would be stale anyway). */
const LOOKBACK_MS = 3 * 3600 * 1000;
const PIPELINES_PER_REPO = 20;
/** Bounded work per run: 1,000 repositories × 1 API call stays well inside a 900 s scheduled trigger. */
const MAX_REPOS = 1000;

/**
 * A pipeline's status key is the one Pipelines writes on its commit status, which the live
 * build-status event carries; the Pipelines API object does not say it, so reconciliation keys
 * by branch: the state machine treats the pipeline of a branch as one build.
 */
function asBuildEvent(event: RepoEvent, repo: RepoRecord): RepoEvent {
  return {
    ...event,
    repository: { uuid: event.repository.uuid ?? repo.uuid, fullName: event.repository.fullName ?? repo.fullName, slug: event.repository.slug ?? repo.slug },
  };
}

export async function reconcile(deps: AppDeps): Promise<{ repositories: number; fed: number }> {
  const now = deps.clock.now();
  let repositories = 0;
  let fed = 0;
  let cursor: string | undefined;
  do {
    const page = await deps.store.query<RepoRecord>({ beginsWith: PREFIX.rules, limit: 100, cursor });
    for (const { key, value } of page.results) {
      if (repositories >= MAX_REPOS) break;
      const config = value as unknown as { repository?: { uuid: string | null; fullName: string | null } };
      const id = config.repository?.uuid ?? config.repository?.fullName;
      if (!id) continue;
      repositories++;
      const pipelines = await deps.bitbucket.listRecentPipelines(id, PIPELINES_PER_REPO).catch(() => []);
      const events: RepoEvent[] = [];
      for (const raw of pipelines) {
        const result = normalize({ body: raw, headers: {} });
        if (!result.ok || Array.isArray(result.value) || isIgnored(result.value)) continue;
        const event = result.value;
        if (event.kind !== 'build' || event.build?.state === 'INPROGRESS') continue;
        if (!event.occurredAt || now - Date.parse(event.occurredAt) > LOOKBACK_MS) continue;
        events.push(asBuildEvent(event, { uuid: config.repository?.uuid ?? null, fullName: config.repository?.fullName ?? null, slug: null, mainBranch: null, firstSeen: '' }));
      }
      // Oldest first, so the state machine sees them in order.
      events.sort((a, b) => Date.parse(a.occurredAt!) - Date.parse(b.occurredAt!));
      if (events.length) fed += (await queueEvents(deps, events)).queued;
      void key;
    }
    cursor = page.nextCursor;
  } while (cursor && repositories < MAX_REPOS);
  deps.log.info({ repositories, fed }, 'reconciliation done');
  return { repositories, fed };
}
