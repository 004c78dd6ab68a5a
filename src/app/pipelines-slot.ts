/**
 * One Bitbucket Pipelines result can reach the app twice: live, as the commit status Pipelines writes
 * (Forge build-status event or webhook: `key` = the status key, stable per branch; url ending in
 * `/results/<n>`), and from hourly reconciliation, as a Pipelines REST object, which carries no status
 * key (`build.key` null). Keyed naively the two land on different state slots (`…:<status key>` and
 * `…:~`), and each raises its own build.failed.
 *
 * The choice made here: per (repository, branch) the Pipelines build lives in ONE slot, whichever the
 * first observation created, and the event takes that slot's build key, so failed and fixed share one
 * incidentKey whichever side saw which.
 * - A reconciled run (source `pipelines-api`, no key) looks up the branch's remembered builds with one
 *   query on the branch's state prefix and joins the one Pipelines wrote (a remembered run number).
 *   None yet: the `~` slot.
 * - A live Pipelines status (run number known) whose own slot is empty joins the `~` slot when
 *   reconciliation created it. That slot is read in the same batch as everything else: no extra round trip.
 * The state machine then drops the second observation of the same run (`sameRunSeenTwice`).
 *
 * Not chosen: asking Bitbucket for the status key (`GET …/commit/{hash}/statuses`) — one more API call
 * per pipeline per hourly run, for a key the app has usually seen already. Not chosen either: rewriting
 * every Pipelines status to a constant key, which would move existing state and incident keys.
 */
import type { BuildMemory } from '../core/alerts';
import type { BuildEvent, BuildInfo, RepoEvent } from '../core/events/repo-event';
import { encodeKeyPart, keys } from '../core/storage-keys';
import type { AppDeps } from './app-types';

/** A build status (or remembered build) Bitbucket Pipelines wrote: it names a run number. */
export const isPipelinesBuild = (build: Pick<BuildInfo, 'number'> | undefined): boolean => build?.number != null;

const isPipelinesMemory = (memory: BuildMemory | undefined): memory is BuildMemory =>
  !!memory && (memory.source === 'pipelines-api' || isPipelinesBuild(memory.build));

/** A Pipelines REST object fed by reconciliation: no status key of its own. */
export const isReconciledRun = (event: RepoEvent): event is BuildEvent =>
  event.kind === 'build' && event.source === 'pipelines-api' && event.build.key === null;

/** The slot a live Pipelines status may join: the keyless one reconciliation creates. */
export function keylessSlot(repo: string, event: RepoEvent): string | null {
  if (event.kind !== 'build') return null;
  const build = event.build;
  if (build.key === null || event.source === 'pipelines-api' || !isPipelinesBuild(build)) return null;
  return keys.buildState(repo, build.ref, null);
}

export interface Slot {
  stateKey: string;
  event: RepoEvent;
}

const withKey = (event: BuildEvent, key: string | null): BuildEvent => ({ ...event, build: { ...event.build, key } });

/** For a reconciled run: the branch's Pipelines slot, if one is remembered (one query, at most 100 builds per branch). */
export async function slotForReconciledRun(deps: AppDeps, repo: string, event: BuildEvent): Promise<Slot | null> {
  const build = event.build;
  const prefix = `${keys.buildStatePrefix(repo)}${encodeKeyPart(build.ref ?? '~')}:`;
  const page = await deps.store.query<BuildMemory>({ beginsWith: prefix, limit: 100 });
  const candidates = page.results.filter((r) => isPipelinesMemory(r.value));
  if (candidates.length === 0) return null;
  const latest = candidates.reduce((a, b) => ((Date.parse(b.value.at ?? '') || 0) > (Date.parse(a.value.at ?? '') || 0) ? b : a));
  return { stateKey: latest.key, event: withKey(event, latest.value.build?.key ?? null) };
}

/** For a live Pipelines status whose own slot is empty: join the keyless slot reconciliation made, if any. */
export function slotForLiveStatus(found: Map<string, unknown>, ownKey: string, keyless: string | null, event: RepoEvent): Slot | null {
  if (event.kind !== 'build' || !keyless || found.has(ownKey) || !isPipelinesMemory(found.get(keyless) as BuildMemory | undefined)) return null;
  return { stateKey: keyless, event: withKey(event, null) };
}
