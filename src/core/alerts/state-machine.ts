import type { Reason } from '../reasons';
import type { BuildEvent, BuildInfo, DeploymentEvent, DeploymentInfo, EventSource, RepoEvent, RepositoryRef } from '../events/repo-event';
import { remindEveryMs, type Rule } from '../rules/schema';
import type { Alert, AlertType, BuildAlert, BuildAlertType, DeploymentAlert, DeploymentAlertType, FailureStreak, PreviousState } from './alert';
import { alertId, alertLinks, buildIncidentKey, deploymentIncidentKey, normalizeTime } from './identity';

/**
 * The fail/recover state machine. Pure: the caller loads the memory (one read), calls `evaluateBuild`
 * and writes `next` only when it is defined, so an event that changes nothing costs no write.
 *
 * Decisions worth knowing:
 * - "Failing" means `failures > 0`, not `state === 'FAILED'`. STOPPED is remembered but neither counts
 *   as a failure nor ends a streak: F, STOPPED, F is still-failing (2 in a row); F, STOPPED, S is fixed.
 * - SUCCESSFUL after SUCCESSFUL writes nothing (the common case on a healthy branch). The price: the
 *   remembered time stays at the first success, so a very late FAILED that is older than an
 *   unrecorded later success still counts as new. Successes that end nothing are not in `history`.
 * - Events older than the remembered one are dropped (Forge delivers late and out of order); equal
 *   times are processed unless the event is an exact repeat (at-least-once delivery).
 * - A Pipelines rerun updates the same status key: F then a rerun F of the same commit at a later
 *   time is still-failing; F then a passing rerun is fixed.
 * - INPROGRESS raises build.started and never changes memory.
 */
export type RememberedState = 'SUCCESSFUL' | 'FAILED' | 'STOPPED';

/** One cell of the build-health strip. */
export interface HistoryEntry {
  state: RememberedState;
  at: string | null;
  commit: string | null;
  url: string | null;
}

/** The last build seen for this key: enough to raise a reminder without another event. */
export type RememberedBuild = Pick<BuildInfo, 'key' | 'name' | 'ref' | 'url' | 'commit' | 'state'> &
  Partial<Pick<BuildInfo, 'number' | 'failedStep'>>;

export interface BuildMemory {
  state: RememberedState;
  /** Time of the remembered event (normalised ISO), or null when the payload had none. */
  at: string | null;
  commit: string | null;
  /** Failures in a row; 0 when not failing. */
  failures: number;
  /** Time of the first failure of the current streak. */
  failingSince: string | null;
  /** "commit|key|state|time" of the last event applied, for exact-repeat detection. */
  lastEvent: string;
  /** Latest reminder sent for this streak (any rule). */
  lastRemindedAt?: string | null;
  /** Latest reminder per rule name, so rules with different `remindEvery` do not reset each other. */
  remindedAt?: Record<string, string>;
  /** Last ~10 remembered terminal states, oldest first. */
  history?: HistoryEntry[];
  repository?: RepositoryRef;
  /** Where the last event came from: decides how commit links are built for reminders. */
  source?: EventSource;
  build?: RememberedBuild;
  deployment?: DeploymentInfo;
}

/** Deployments use the same memory, keyed by (repository, environment). */
export type DeploymentMemory = BuildMemory;

export interface Evaluation {
  alerts: Alert[];
  /** undefined = nothing changed, write nothing. */
  next: BuildMemory | undefined;
  /** Why no alert was raised, when none was. */
  reason?: Reason;
}

export interface EvaluateOptions {
  /** When the event was received (ISO); the alert time for payloads that carry none. */
  receivedAt?: string;
}

export const HISTORY_LENGTH = 10;
const EPOCH = '1970-01-01T00:00:00.000Z';
const nothing = (reason: Reason): Evaluation => ({ alerts: [], next: undefined, reason });

const ms = (time: string | null | undefined): number | null => {
  if (!time) return null;
  const t = Date.parse(time);
  return Number.isNaN(t) ? null : t;
};

export function fingerprint(commit: string | null, key: string | null, state: string, at: string | null): string {
  return `${commit ?? '-'}|${key ?? '-'}|${state}|${at ?? '-'}`;
}

/** Older than what we remember (dropped), or an exact repeat of the last applied event (dropped). */
/** 'duplicate' for the exact event seen last, 'stale' for one older than what is remembered. */
function staleness(memory: BuildMemory | undefined, at: string | null, print: string): 'duplicate' | 'stale' | null {
  if (!memory) return null;
  if (memory.lastEvent === print) return 'duplicate';
  const eventMs = ms(at);
  const memoryMs = ms(memory.at);
  return eventMs !== null && memoryMs !== null && eventMs < memoryMs ? 'stale' : null;
}

/**
 * Reconciliation (source 'pipelines-api') observes a Pipelines run again, stamped with the pipeline's
 * `completed_on` rather than the status's `updatedOn`, so neither the fingerprint nor time order says it is
 * the result already applied. The same commit, terminal state and run number (when both sides know it) is
 * the same result, whichever side came first. Live events alone keep the rules above: a step rerun of one
 * run that fails again later is still-failing.
 */
function sameRunSeenTwice(memory: BuildMemory | undefined, source: EventSource, build: BuildInfo): boolean {
  if (!memory || (source !== 'pipelines-api' && memory.source !== 'pipelines-api')) return false;
  if (build.state === 'INPROGRESS' || memory.state !== build.state || memory.commit === null || memory.commit !== build.commit) return false;
  const seen = memory.build?.number ?? null;
  const now = build.number ?? null;
  return seen === null || now === null || seen === now;
}

function pushHistory(memory: BuildMemory | undefined, entry: HistoryEntry): HistoryEntry[] {
  return [...(memory?.history ?? []), entry].slice(-HISTORY_LENGTH);
}

const previousOf = (memory: BuildMemory | undefined): PreviousState | null =>
  memory ? { state: memory.state, at: memory.at, commit: memory.commit } : null;

function rememberBuild(b: BuildInfo): RememberedBuild {
  const out: RememberedBuild = { key: b.key, name: b.name, ref: b.ref, url: b.url, commit: b.commit, state: b.state };
  if (b.number !== undefined) out.number = b.number;
  if (b.failedStep !== undefined) out.failedStep = b.failedStep;
  return out;
}

function buildAlert(
  event: RepoEvent, build: BuildInfo, type: BuildAlertType, occurredAt: string,
  extra: { previous: PreviousState | null; failures?: FailureStreak | null; brokenForMs?: number | null },
): BuildAlert {
  const incidentKey = buildIncidentKey(event.repository, build.ref, build.key);
  const alert: BuildAlert = {
    version: 1,
    id: alertId(incidentKey, type, occurredAt, build.commit),
    type,
    occurredAt,
    repository: event.repository,
    ref: build.ref,
    build,
    previous: extra.previous,
    incidentKey,
    links: alertLinks(event.repository, event.source, { build: build.url, commit: build.commit }),
  };
  if (extra.failures !== undefined) alert.failures = extra.failures;
  if (extra.brokenForMs !== undefined) alert.brokenForMs = extra.brokenForMs;
  return alert;
}

/** Applies one build status to the remembered state of its (repository, ref, build key). */
export function evaluateBuild(memory: BuildMemory | undefined, event: BuildEvent, options: EvaluateOptions = {}): Evaluation {
  const build = event.build;
  const at = event.occurredAt ? normalizeTime(event.occurredAt) : null;
  const occurredAt = at ?? (options.receivedAt ? normalizeTime(options.receivedAt) : memory?.at ?? EPOCH);
  const print = fingerprint(build.commit, build.key, build.state, at);
  const old = staleness(memory, at, print);
  if (old) return nothing(old);
  if (sameRunSeenTwice(memory, event.source, build)) return nothing('duplicate');

  const previous = previousOf(memory);
  const failing = memory !== undefined && memory.failures > 0;

  if (build.state === 'INPROGRESS') {
    return { alerts: [buildAlert(event, build, 'build.started', occurredAt, { previous })], next: undefined };
  }

  const base = {
    at: at ?? memory?.at ?? null,
    commit: build.commit,
    lastEvent: print,
    history: pushHistory(memory, { state: build.state, at: at ?? occurredAt, commit: build.commit, url: build.url }),
    repository: event.repository,
    source: event.source,
    build: rememberBuild(build),
  };

  switch (build.state) {
    case 'FAILED': {
      const failures = failing ? memory.failures + 1 : 1;
      const failingSince = failing ? memory.failingSince : occurredAt;
      const type: AlertType = failing ? 'build.still-failing' : 'build.failed';
      const next: BuildMemory = { ...memory, ...base, state: 'FAILED', failures, failingSince };
      if (!failing) {
        delete next.remindedAt;
        delete next.lastRemindedAt;
      }
      return {
        alerts: [buildAlert(event, build, type, occurredAt, { previous, failures: { count: failures, since: failingSince } })],
        next,
      };
    }
    case 'SUCCESSFUL': {
      if (failing) {
        const since = ms(memory.failingSince);
        const brokenForMs = since === null ? null : Math.max(0, (ms(occurredAt) ?? since) - since);
        const next: BuildMemory = { ...memory, ...base, state: 'SUCCESSFUL', failures: 0, failingSince: null };
        delete next.remindedAt;
        delete next.lastRemindedAt;
        return {
          alerts: [buildAlert(event, build, 'build.fixed', occurredAt, {
            previous, failures: { count: memory.failures, since: memory.failingSince }, brokenForMs,
          })],
          next,
        };
      }
      if (memory?.state === 'SUCCESSFUL') return nothing('no-change');
      return { alerts: [], next: { ...memory, ...base, state: 'SUCCESSFUL', failures: 0, failingSince: null }, reason: memory ? 'no-change' : 'first-result' };
    }
    case 'STOPPED': {
      const next: BuildMemory = {
        ...memory, ...base, state: 'STOPPED',
        failures: memory?.failures ?? 0, failingSince: memory?.failingSince ?? null,
      };
      return {
        alerts: [buildAlert(event, build, 'build.stopped', occurredAt, {
          previous, failures: failing ? { count: memory.failures, since: memory.failingSince } : null,
        })],
        next,
      };
    }
  }
}

/** The key a deployment's state lives under: the environment UUID when present, else its name. */
export const deploymentEnvironmentKey = (d: DeploymentInfo): string | null => d.environmentUuid ?? d.environment;

function deploymentAlert(
  event: RepoEvent, d: DeploymentInfo, type: DeploymentAlertType, occurredAt: string,
  extra: { previous: PreviousState | null; failures: FailureStreak; brokenForMs?: number | null },
): DeploymentAlert {
  const incidentKey = deploymentIncidentKey(event.repository, deploymentEnvironmentKey(d));
  const alert: DeploymentAlert = {
    version: 1,
    id: alertId(incidentKey, type, occurredAt, d.commit),
    type,
    occurredAt,
    repository: event.repository,
    ref: null,
    deployment: d,
    previous: extra.previous,
    failures: extra.failures,
    incidentKey,
    links: alertLinks(event.repository, event.source, { build: d.url ?? null, commit: d.commit }),
  };
  if (extra.brokenForMs !== undefined) alert.brokenForMs = extra.brokenForMs;
  return alert;
}

/**
 * Deployments per (repository, environment). There is no "still failing" type for deployments: every
 * failed deployment raises deployment.failed (each is a deliberate action someone waits on), with the
 * streak count; the first success after failures raises deployment.fixed. PENDING, STARTED and
 * STOPPED raise nothing and change nothing.
 */
export function evaluateDeployment(memory: DeploymentMemory | undefined, event: DeploymentEvent, options: EvaluateOptions = {}): Evaluation {
  const d = event.deployment;
  if (d.state !== 'FAILED' && d.state !== 'SUCCESSFUL') return nothing('not-terminal');
  const at = event.occurredAt ? normalizeTime(event.occurredAt) : null;
  const occurredAt = at ?? (options.receivedAt ? normalizeTime(options.receivedAt) : memory?.at ?? EPOCH);
  const print = fingerprint(d.commit, deploymentEnvironmentKey(d), d.state, at);
  const old = staleness(memory, at, print);
  if (old) return nothing(old);

  const previous = previousOf(memory);
  const failing = memory !== undefined && memory.failures > 0;
  const base = {
    at: at ?? memory?.at ?? null,
    commit: d.commit,
    lastEvent: print,
    history: pushHistory(memory, { state: d.state, at: at ?? occurredAt, commit: d.commit, url: d.url ?? null }),
    repository: event.repository,
    source: event.source,
    deployment: d,
  };
  if (d.state === 'FAILED') {
    const failures = failing ? memory.failures + 1 : 1;
    const failingSince = failing ? memory.failingSince : occurredAt;
    return {
      alerts: [deploymentAlert(event, d, 'deployment.failed', occurredAt, { previous, failures: { count: failures, since: failingSince } })],
      next: { ...memory, ...base, state: 'FAILED', failures, failingSince },
    };
  }
  if (failing) {
    const since = ms(memory.failingSince);
    return {
      alerts: [deploymentAlert(event, d, 'deployment.fixed', occurredAt, {
        previous,
        failures: { count: memory.failures, since: memory.failingSince },
        brokenForMs: since === null ? null : Math.max(0, (ms(occurredAt) ?? since) - since),
      })],
      next: { ...memory, ...base, state: 'SUCCESSFUL', failures: 0, failingSince: null },
    };
  }
  if (memory?.state === 'SUCCESSFUL') return nothing('no-change');
  return { alerts: [], next: { ...memory, ...base, state: 'SUCCESSFUL', failures: 0, failingSince: null }, reason: memory ? 'no-change' : 'first-result' };
}

export interface DueReminder {
  alert: Alert;
  /** Memory with this rule's reminder time recorded; write it once the reminder is queued. */
  next: BuildMemory;
}

/**
 * Called from the scheduled tick for each failing build and each rule with `remindEvery`. A reminder
 * is due `remindEvery` after the later of the last build event and the rule's last reminder. Its time
 * (and so its id) is that due time, not `now`, so a retried tick raises the same alert; the rule's
 * reminder clock restarts at `now`, so a tick after a long pause sends one reminder, not a burst.
 * Quiet hours are the caller's concern (`quietHoursDelay`), as for any alert.
 */
export function dueReminder(memory: BuildMemory | undefined, rule: Rule, now: number): DueReminder | null {
  if (!memory || memory.failures <= 0 || !rule.enabled || !memory.build || !memory.repository) return null;
  if (memory.failures < rule.failAfter) return null;
  if (!rule.on.some((e) => e === 'failed' || e === 'still-failing')) return null;
  const every = remindEveryMs(rule);
  if (every === null) return null;
  const last = Math.max(
    ms(memory.remindedAt?.[rule.name]) ?? -Infinity,
    ms(memory.at) ?? -Infinity,
    ms(memory.failingSince) ?? -Infinity,
  );
  if (!Number.isFinite(last) || now < last + every) return null;
  const dueAt = new Date(last + every).toISOString();
  const build: BuildInfo = { ...memory.build };
  const incidentKey = buildIncidentKey(memory.repository, build.ref, build.key);
  const alert: Alert = {
    version: 1,
    id: alertId(incidentKey, 'build.still-failing', dueAt, build.commit),
    type: 'build.still-failing',
    occurredAt: dueAt,
    repository: memory.repository,
    ref: build.ref,
    build,
    previous: previousOf(memory),
    failures: { count: memory.failures, since: memory.failingSince },
    incidentKey,
    links: alertLinks(memory.repository, memory.source, { build: build.url, commit: build.commit }),
    reminder: true,
  };
  const nowIso = new Date(now).toISOString();
  return { alert, next: { ...memory, lastRemindedAt: nowIso, remindedAt: { ...memory.remindedAt, [rule.name]: nowIso } } };
}
