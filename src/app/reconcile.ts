/**
 * Hourly reconciliation (scheduled trigger): Forge may drop an event. For every repository with
 * rules, list recent pipelines (Pipelines REST API) and feed terminal results through the same
 * path as live events. The state machine drops what it has already seen (the same run's result, live
 * or reconciled), so a lost event alerts once and a seen one not again.
 */
import { normalize } from '../core/events';
import type { RepoEvent } from '../core/events/repo-event';
import { isIgnored } from '../core/events/repo-event';
import { PREFIX } from '../core/storage-keys';
import type { AppDeps } from './app-types';
import { queueEvents } from './ingest';
import type { RepoConfig } from './repo-config';

/** Pipelines finished longer ago than this are left alone (their alert would be stale anyway). */
const LOOKBACK_MS = 3 * 3600 * 1000;
const PIPELINES_PER_REPO = 20;
/** Bounded work per run: 1,000 repositories × 1 API call stays well inside a 900 s scheduled trigger. */
const MAX_REPOS = 1000;
/**
 * Scheduled triggers get 900 s (https://developer.atlassian.com/platform/forge/platform-quotas-and-limits/).
 * A slow Bitbucket (each call may wait for its own timeout) must not run the invocation out of time
 * half-way through a queue push: stop listing once this much time has gone; the next run starts over.
 */
const RUN_BUDGET_MS = 10 * 60 * 1000;

type Configured = { uuid: string | null; fullName: string | null };

/**
 * The repository reconciliation asked about is authoritative: a pipeline object may omit `repository`
 * and its links may name the repository by slug (or not at all), in which case the normalizer cannot
 * place it, and the event would be lost or filed elsewhere. The configured identity fills both in.
 *
 * The object has no commit-status key (`build.key` null); evaluate joins it to the state slot of the
 * status Pipelines wrote on the same branch, when one is remembered (see pipelines-slot.ts).
 */
function withRepository(raw: unknown, repo: Configured): unknown {
  if (!raw || typeof raw !== 'object' || Array.isArray(raw) || (raw as Record<string, unknown>).repository) return raw;
  return { ...(raw as Record<string, unknown>), repository: { type: 'repository', uuid: repo.uuid, full_name: repo.fullName } };
}

function asBuildEvent(event: RepoEvent, repo: Configured): RepoEvent {
  // Links that named another repository named its workspace too: not ours to trust.
  const foreign = repo.uuid !== null && event.repository.uuid !== null && event.repository.uuid.toLowerCase() !== repo.uuid.toLowerCase();
  return {
    ...event,
    ...(foreign ? { workspace: null } : {}),
    repository: {
      ...event.repository,
      uuid: repo.uuid ?? event.repository.uuid,
      fullName: event.repository.fullName ?? repo.fullName,
    },
  };
}

export async function reconcile(deps: AppDeps): Promise<{ repositories: number; fed: number }> {
  const started = deps.clock.now();
  let repositories = 0;
  let fed = 0;
  let cursor: string | undefined;
  let outOfTime = false;
  do {
    const page = await deps.store.query<RepoConfig>({ beginsWith: PREFIX.rules, limit: 100, cursor });
    for (const { value: config } of page.results) {
      if (repositories >= MAX_REPOS) break;
      if (deps.clock.now() - started > RUN_BUDGET_MS) {
        outOfTime = true;
        break;
      }
      const configured: Configured = { uuid: config?.repository?.uuid ?? null, fullName: config?.repository?.fullName ?? null };
      const id = configured.uuid ?? configured.fullName;
      if (!id) continue;
      repositories++;
      const pipelines = await deps.bitbucket.listRecentPipelines(id, PIPELINES_PER_REPO).catch(() => []);
      const now = deps.clock.now();
      const events: RepoEvent[] = [];
      for (const raw of pipelines) {
        const result = normalize({ body: withRepository(raw, configured), headers: {} });
        if (!result.ok || Array.isArray(result.value) || isIgnored(result.value)) continue;
        const event = result.value;
        if (event.kind !== 'build' || event.build.state === 'INPROGRESS') continue;
        if (!event.occurredAt || now - Date.parse(event.occurredAt) > LOOKBACK_MS) continue;
        events.push(asBuildEvent(event, configured));
      }
      // Oldest first, so the state machine sees them in order.
      events.sort((a, b) => Date.parse(a.occurredAt!) - Date.parse(b.occurredAt!));
      if (events.length) fed += (await queueEvents(deps, events, { configured: true })).queued;
    }
    cursor = page.nextCursor;
  } while (cursor && repositories < MAX_REPOS && !outOfTime);
  if (outOfTime) deps.log.warn({ repositories, budgetMs: RUN_BUDGET_MS }, 'reconciliation stopped early: out of time');
  deps.log.info({ repositories, fed }, 'reconciliation done');
  return { repositories, fed };
}
