import type {
  BuildInfo, BuildState, DeploymentInfo, DeploymentState, Person, PullRequestInfo, PushChange, RepositoryRef,
} from '../events/repo-event';

/**
 * What the state machine raises. One alert is sent to every channel of every matching rule.
 * The generic webhook channel posts it (plus `rule`) as its versioned JSON body.
 */
export const ALERT_TYPES = [
  'build.failed', 'build.still-failing', 'build.fixed', 'build.stopped', 'build.started',
  'deployment.failed', 'deployment.fixed', 'push', 'tag', 'pr.opened', 'pr.merged', 'pr.declined',
] as const;
export type AlertType = (typeof ALERT_TYPES)[number];

/** Names used in the rules file's `on:` list, one per alert type. */
export const RULE_EVENTS = {
  failed: 'build.failed',
  'still-failing': 'build.still-failing',
  fixed: 'build.fixed',
  stopped: 'build.stopped',
  started: 'build.started',
  'deployment-failed': 'deployment.failed',
  'deployment-fixed': 'deployment.fixed',
  push: 'push',
  tag: 'tag',
  'pr-opened': 'pr.opened',
  'pr-merged': 'pr.merged',
  'pr-declined': 'pr.declined',
} as const satisfies Record<string, AlertType>;
export type RuleEvent = keyof typeof RULE_EVENTS;

/** Alert types that open an incident, and the ones that resolve it. */
export const OPENING_TYPES: readonly AlertType[] = ['build.failed', 'build.still-failing', 'deployment.failed'];
export const RESOLVING_TYPES: readonly AlertType[] = ['build.fixed', 'deployment.fixed'];

export interface PreviousState {
  state: BuildState | DeploymentState;
  at: string | null;
  commit?: string | null;
}

export interface FailureStreak {
  /** Failures in a row, including this one for failed/still-failing; the streak just ended for fixed. */
  count: number;
  /** When the streak began (the first failure's time). */
  since: string | null;
}

/** Another build of the same commit, folded into this alert by a rule's `groupWait`. */
export interface GroupedBuild {
  type: AlertType;
  build: BuildInfo;
  links: AlertLinks;
}

export interface AlertLinks {
  build?: string | null;
  commit?: string | null;
  repository?: string | null;
  pullRequest?: string | null;
}

/** The last meaningful lines of the failed step's log (core/log-tail.ts): at most 20 lines, 2 KB, secrets masked. */
export interface LogTail {
  lines: string[];
  /** The log has lines that are not shown. */
  truncated: boolean;
}

/** What every alert carries, whatever its type. */
export interface AlertBase {
  version: 1;
  /** Deterministic: the same event raises an alert with the same id (idempotency across redelivery). */
  id: string;
  occurredAt: string;
  repository: RepositoryRef;
  /** Branch (or tag) the alert is about, when there is one. */
  ref: string | null;
  previous: PreviousState | null;
  failures?: FailureStreak | null;
  /** For fixed alerts: milliseconds from the first failure to the fix. */
  brokenForMs?: number | null;
  /** Same for failed, still-failing and fixed of one (repository, ref, build key): one incident. */
  incidentKey: string;
  links: AlertLinks;
  group?: GroupedBuild[];
  /** True when sent by "Send test alert". */
  test?: boolean;
  /** True for a still-failing reminder raised by a rule's `remindEvery` (not by a new build). */
  reminder?: boolean;
  /** How long the failed step (`build.failedStep`) ran, when known (Pipelines API enrichment). */
  failedStepDurationSeconds?: number | null;
  /** The end of the failed step's log, when it could be read. A rule's `logTail: false` keeps it out of messages. */
  logTail?: LogTail | null;
  /** Who started the Pipelines run (the pipeline's `creator`), when known; may be the commit author. */
  triggeredBy?: Person | null;
}

export type BuildAlertType = Extract<AlertType, `build.${string}`>;
export type DeploymentAlertType = Extract<AlertType, `deployment.${string}`>;
export type PullRequestAlertType = Extract<AlertType, `pr.${string}`>;

/**
 * The type decides which part is present: a build.* alert always has `build`, a pr.* alert `pullRequest`.
 * The other parts are declared `never`, so reading `alert.build` on any alert stays legal (and undefined).
 */
export interface BuildAlert extends AlertBase {
  type: BuildAlertType; build: BuildInfo; deployment?: never; push?: never; pullRequest?: never;
}
export interface DeploymentAlert extends AlertBase {
  type: DeploymentAlertType; deployment: DeploymentInfo; build?: never; push?: never; pullRequest?: never;
}
export interface PushAlert extends AlertBase {
  type: 'push' | 'tag'; push: { changes: PushChange[] }; build?: never; deployment?: never; pullRequest?: never;
}
export interface PullRequestAlert extends AlertBase {
  type: PullRequestAlertType; pullRequest: PullRequestInfo; build?: never; deployment?: never; push?: never;
}

export type Alert = BuildAlert | DeploymentAlert | PushAlert | PullRequestAlert;

/**
 * The same alert under another type of its own family, with that type's id: a rule's `failAfter` turns
 * the Nth build.still-failing into build.failed. The caller keeps the family (build stays build).
 */
export const retyped = <A extends Alert>(alert: A, type: A['type'], id: string): A => ({ ...alert, type, id });
