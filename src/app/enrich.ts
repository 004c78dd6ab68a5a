/**
 * Forge events carry only UUIDs. Before an alert goes out, fill in what people need to act:
 * repository name, commit message and author, the failing step. Calls are cached and any failure
 * leaves the alert as it was (graceful degradation): an alert without a commit message beats none.
 */
import type { Alert } from '../core/alerts/alert';
import type { AppDeps } from './app-types';

const MAX_MESSAGE = 2000;

export async function enrichAlerts(deps: AppDeps, alerts: Alert[], repo: string): Promise<Alert[]> {
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
    const build = next.build;
    if (build?.commit && (!build.commitMessage || !build.author)) {
      const commit = await safe(deps, () => deps.bitbucket.getCommit(repoId, build.commit!));
      if (commit) {
        next = {
          ...next,
          build: { ...build, commitMessage: build.commitMessage ?? commit.message?.slice(0, MAX_MESSAGE) ?? null, author: build.author ?? commit.author },
          links: { ...next.links, commit: next.links.commit ?? commit.url },
        };
      }
    }
    // The failing step, when the pipeline run is known (Pipelines API results carry its uuid).
    const failing = next.build;
    if (failing && failing.state === 'FAILED' && failing.runId && !failing.failedStep) {
      const step = await safe(deps, () => deps.bitbucket.getFailedStep(repoId, failing.runId!));
      if (step) next = { ...next, build: { ...failing, failedStep: step } };
    }
    out.push(next);
  }
  return out;
}

async function safe<T>(deps: AppDeps, call: () => Promise<T | null>): Promise<T | null> {
  try {
    return await call();
  } catch (e) {
    deps.log.warn({ err: (e as Error).message }, 'Bitbucket enrichment failed; sending without it');
    return null;
  }
}
