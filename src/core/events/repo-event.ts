/**
 * One event model for every Bitbucket source. Version 1; documented in README ("RepoEvent").
 * Fields beyond the ones listed in the public contract are optional extras for richer messages.
 */
export const REPO_EVENT_VERSION = 1 as const;

export type EventSource = 'forge' | 'cloud-webhook' | 'server-webhook' | 'post-webhooks' | 'pipelines-api';
export type EventKind = 'build' | 'push' | 'pullrequest' | 'deployment' | 'ping';
export type BuildState = 'SUCCESSFUL' | 'FAILED' | 'INPROGRESS' | 'STOPPED';
export type DeploymentState = 'PENDING' | 'STARTED' | 'SUCCESSFUL' | 'FAILED' | 'STOPPED';
export type PullRequestAction =
  | 'created' | 'updated' | 'merged' | 'declined' | 'deleted' | 'commented'
  | 'approved' | 'unapproved' | 'changes-requested' | 'reviewer-status';

export interface RepositoryRef {
  /** Bitbucket Cloud UUID with braces, e.g. "{15a31549-...}"; null for Data Center. */
  uuid: string | null;
  /** "workspace/slug" on Cloud, "<PROJECTKEY>/<slug>" on Data Center. */
  fullName: string | null;
  slug: string | null;
  /** Web link to the repository, when the payload has one. */
  url?: string | null;
}

export interface Person {
  /** Display name or the raw "Name <email>" string of a commit author. */
  name: string | null;
  accountId?: string | null;
  uuid?: string | null;
  email?: string | null;
}

export interface BuildInfo {
  key: string | null;
  name: string | null;
  state: BuildState;
  commit: string | null;
  ref: string | null;
  url: string | null;
  /** Pipelines build number, from the name ("Pipeline #4 for main") or url (".../results/4"). */
  number?: number | null;
  description?: string | null;
  /** Commit message and author, when the payload carries them (or after enrichment). */
  commitMessage?: string | null;
  author?: Person | null;
  /** The failing step, when known (Pipelines API enrichment). */
  failedStep?: string | null;
  /** This run's own id when the source has one (Pipelines API pipeline UUID); unlike `key`, it changes on rerun. */
  runId?: string | null;
}

export interface PushChange {
  refType: 'branch' | 'tag' | null;
  name: string;
  action: 'created' | 'updated' | 'deleted';
  /** All-zero hashes become null. */
  before: string | null;
  after: string | null;
}

export interface PullRequestInfo {
  id: number;
  action: PullRequestAction;
  title: string | null;
  /** Source and destination branch names. */
  source: string | null;
  destination: string | null;
  url?: string | null;
  author?: Person | null;
}

export interface DeploymentInfo {
  state: DeploymentState;
  environment: string | null;
  environmentType: string | null;
  commit: string | null;
  /** Environment UUID, the stable key of a deployment's state machine when present. */
  environmentUuid?: string | null;
  url?: string | null;
}

/** What every event carries, whatever its kind. */
export interface RepoEventBase {
  version?: typeof REPO_EVENT_VERSION;
  source: EventSource;
  /** ISO-8601, or null when the payload has no time. */
  occurredAt: string | null;
  repository: RepositoryRef;
  /** The raw event name: Forge `eventType` or the `X-Event-Key` header. */
  eventKey?: string | null;
  /** Workspace UUID (Cloud) or project key (DC), when known. */
  workspace?: string | null;
  /** Who triggered the event. On Cloud build statuses this is the workspace, not the committer. */
  actor?: Person | null;
  /** The repository's main branch, when the payload says. */
  mainBranch?: string | null;
  /** True for Forge events the app caused itself (`selfGenerated`). */
  selfGenerated?: boolean;
}

/**
 * The kind decides which part is present: a build event always has `build`, a push always has `push`.
 * The other parts are declared `never` so reading `event.build` on any event stays legal (and undefined).
 */
export interface BuildEvent extends RepoEventBase {
  kind: 'build'; build: BuildInfo; push?: never; pullRequest?: never; deployment?: never;
}
export interface PushEvent extends RepoEventBase {
  kind: 'push'; push: { changes: PushChange[] }; build?: never; pullRequest?: never; deployment?: never;
}
export interface PullRequestEvent extends RepoEventBase {
  kind: 'pullrequest'; pullRequest: PullRequestInfo; build?: never; push?: never; deployment?: never;
}
export interface DeploymentEvent extends RepoEventBase {
  kind: 'deployment'; deployment: DeploymentInfo; build?: never; push?: never; pullRequest?: never;
}
/** A webhook's connectivity test (Data Center `diagnostics:ping`): no payload part. */
export interface PingEvent extends RepoEventBase {
  kind: 'ping'; build?: never; push?: never; pullRequest?: never; deployment?: never;
}

export type RepoEvent = BuildEvent | PushEvent | PullRequestEvent | DeploymentEvent | PingEvent;

/** What a normalizer returns for a payload the app understands but does not act on. */
export interface IgnoredEvent {
  ignored: true;
  reason: string;
}

export type NormalizeOutcome = RepoEvent | IgnoredEvent;

export const isIgnored = (o: NormalizeOutcome): o is IgnoredEvent => (o as IgnoredEvent).ignored === true;

/** Headers as received; names are matched case-insensitively by the normalizers. */
export type Headers = Readonly<Record<string, string | string[] | undefined>>;
