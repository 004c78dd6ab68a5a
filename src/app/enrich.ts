/**
 * Forge events carry only UUIDs. Before an alert goes out, fill in what people need to act:
 * repository name, commit message and author, and for a failed Pipelines run the failing step, how
 * long it ran, the end of its log and who started the run. Calls are cached and any failure leaves
 * the alert as it was (graceful degradation): an alert without a commit message beats none.
 */
import type { Alert, BuildAlert } from '../core/alerts/alert';
import type { AppDeps } from './app-types';

const MAX_MESSAGE = 2000;

export interface EnrichOptions {
  /** False when no matching rule shows the log tail (every one says `logTail: false`): the log is not fetched. */
  logTail?: boolean;
}

export async function enrichAlerts(deps: AppDeps, alerts: Alert[], repo: string, options: EnrichOptions = {}): Promise<Alert[]> {
  const needsRepo = alerts.some((a) => !a.repository.fullName);
  const repoId = alerts[0]?.repository.uuid ?? alerts[0]?.repository.fullName ?? repo;
  const details = needsRepo ? await safe(deps, () => deps.bitbucket.getRepository(repoId)) : null;
  const out: Alert[] = [];
  for (const alert of alerts) {
    let next: Alert = alert;
    if (details) {
      next = {
        ...next,
        repository: {
          ...next.repository,
          fullName: next.repository.fullName ?? details.fullName,
          slug: next.repository.slug ?? details.slug,
          url: next.repository.url ?? details.url,
        },
        links: { ...next.links, repository: next.links.repository ?? details.url },
      };
    }
    if (next.build) next = await enrichBuild(deps, next, repoId, options);
    out.push(next);
  }
  return out;
}

/** The commit behind a build alert and, for a failed Pipelines run, its failing step, log tail and trigger. */
async function enrichBuild(deps: AppDeps, alert: BuildAlert, repoId: string, options: EnrichOptions): Promise<BuildAlert> {
  let next = alert;
  const build = next.build;
  const sha = build.commit;
  if (sha && (!build.commitMessage || !build.author)) {
    const commit = await safe(deps, () => deps.bitbucket.getCommit(repoId, sha));
    if (commit) {
      next = {
        ...next,
        build: { ...build, commitMessage: build.commitMessage ?? commit.message?.slice(0, MAX_MESSAGE) ?? null, author: build.author ?? commit.author },
        links: { ...next.links, commit: next.links.commit ?? commit.url },
      };
    }
  }
  // The failing step, when the pipeline run is known. Pipelines API results carry its uuid; a live
  // build-status event carries only the run's number (its url ends in /results/<n>): find the run
  // among the repository's recent ones (one call, cached briefly by the adapter).
  let failing = next.build;
  if (failing.state === 'FAILED' && !failing.runId && failing.number != null) {
    const wanted = failing.number;
    const recent = await safe(deps, () => deps.bitbucket.listRecentPipelines(repoId, 20));
    const run = (recent ?? []).find((p) => (p as { build_number?: unknown }).build_number === wanted) as { uuid?: unknown } | undefined;
    if (run && typeof run.uuid === 'string') {
      failing = { ...failing, runId: run.uuid };
      next = { ...next, build: failing };
    }
  }
  if (failing.state === 'FAILED' && failing.runId) {
    const runId = failing.runId;
    const details = await safe(deps, () => deps.bitbucket.getFailedStepDetails(repoId, runId));
    const name = details?.name ?? (failing.failedStep ? null : await safe(deps, () => deps.bitbucket.getFailedStep(repoId, runId)));
    if (name && !failing.failedStep) next = { ...next, build: { ...failing, failedStep: name } };
    if (details?.durationSeconds != null && next.failedStepDurationSeconds == null) next = { ...next, failedStepDurationSeconds: details.durationSeconds };
    if (details?.uuid && options.logTail !== false && !next.logTail) {
      const stepUuid = details.uuid;
      const tail = await safe(deps, () => deps.bitbucket.getStepLogTail(repoId, runId, stepUuid));
      if (tail && tail.lines.length > 0) next = { ...next, logTail: tail };
    }
    if (!next.triggeredBy) {
      const run = await safe(deps, () => deps.bitbucket.getPipeline(repoId, runId));
      if (run?.creator) next = { ...next, triggeredBy: run.creator };
    }
  }
  return next;
}

async function safe<T>(deps: AppDeps, call: () => Promise<T | null>): Promise<T | null> {
  try {
    return await call();
  } catch (e) {
    deps.log.warn({ err: (e as Error).message }, 'Bitbucket enrichment failed; sending without it');
    return null;
  }
}
