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

export interface Alert {
  version: 1;
  /** Deterministic: the same event raises an alert with the same id (idempotency across redelivery). */
  id: string;
  type: AlertType;
  occurredAt: string;
  repository: RepositoryRef;
  /** Branch (or tag) the alert is about, when there is one. */
  ref: string | null;
  build?: BuildInfo;
  deployment?: DeploymentInfo;
  push?: { changes: PushChange[] };
  pullRequest?: PullRequestInfo;
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
