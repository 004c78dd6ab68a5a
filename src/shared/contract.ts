/**
 * Resolver names and request/response types, declared once and imported by the backend
 * (src/app/settings, src/adapters/*) and by the Custom UI (static/settings). Type-only plus
 * constants: no runtime dependencies, so the browser bundle can import it.
 */

import { RULE_EVENTS, type RuleEvent } from '../core/alerts/alert';

export interface FieldErrorDto {
  path: string;
  message: string;
  line?: number;
  column?: number;
}

export type ResolverError =
  | { code: 'forbidden'; message: string }
  | { code: 'invalid'; message: string; fields: FieldErrorDto[] }
  | { code: 'not-found'; message: string }
  | { code: 'egress-denied'; message: string; host: string }
  | { code: 'internal'; message: string };

export type ResolverResponse<T> = { ok: true; data: T } | { ok: false; error: ResolverError };

/** Declared once, in the core (type-only: nothing of the core reaches the browser bundle). */
export type ChannelTypeDto = import('../core/channels/channel-types').ChannelType;

/** Rule events are declared once, in the core's alert model (a module of constants and types only). */
export type RuleEventDto = RuleEvent;
export const RULE_EVENT_NAMES: readonly RuleEventDto[] = Object.keys(RULE_EVENTS) as RuleEventDto[];

/** A channel as the browser sees it: secret fields replaced by `masked` ("•••• XXXX") or absent. */
export interface ChannelView {
  name: string;
  type: ChannelTypeDto;
  /** Non-secret config fields (region, mentions...). */
  config: Record<string, unknown>;
  /** Secret field name → masked hint, e.g. { url: "https://hooks.slack.com/…XXXX" }. Never the value. */
  secrets: Record<string, string>;
  disabled: { reason: string; at: string } | null;
  /** Inherited from workspace defaults (read-only on the repo page). */
  inherited?: boolean;
}

/**
 * A channel as the browser sends it. Secret fields are write-only: omit one to keep the stored value.
 */
export interface ChannelInput {
  name: string;
  type: ChannelTypeDto;
  [field: string]: unknown;
}

export interface QuietHoursDto {
  from: string;
  to: string;
  timezone: string;
}

export interface RuleDto {
  name: string;
  on: RuleEventDto[];
  branches?: string[];
  excludeBranches?: string[];
  builds?: string[];
  channels: string[];
  failAfter?: number;
  remindEvery?: string;
  groupWait?: string;
  quietHours?: QuietHoursDto;
  enabled?: boolean;
  /** false: leave the failed step's log out of this rule's alerts. */
  logTail?: boolean;
}

export type ChannelTypeInfo = import('../core/channels/channel-types').ChannelTypeInfo;

export interface SnoozeDto {
  target: { rule: string } | { branch: string };
  /** ISO time, or null with untilFixed. */
  until: string | null;
  untilFixed: boolean;
}

export interface SettingsView {
  repository: { uuid: string | null; fullName: string | null; key: string };
  channels: ChannelView[];
  rules: RuleDto[];
  /** True when the repository has no rules of its own and the default (or workspace) rules apply. */
  usingDefaults: boolean;
  channelTypes: ChannelTypeInfo[];
  snoozes: SnoozeDto[];
  /** URL Bitbucket webhooks should be sent to (web trigger or local /webhooks/bitbucket), when known. */
  webhookUrl: string | null;
  inboundSecretSet: boolean;
}

export interface DeliveryLogEntry {
  id: string;
  at: string;
  channel: string;
  rule: string;
  alertType: string;
  alertId: string;
  incidentKey: string;
  outcome: 'delivered' | 'retrying' | 'failed' | 'disabled' | 'skipped';
  /** Why a skipped or settled attempt sent nothing (src/core/reasons.ts name). */
  reason?: string;
  /** How a channel's follow-up request went (Discord's notifying reply after an edit). */
  followUp?: string;
  attempt: number;
  status: number | null;
  latencyMs: number | null;
  error: string | null;
  test?: boolean;
}

export interface BuildHealthCell {
  state: 'SUCCESSFUL' | 'FAILED' | 'INPROGRESS' | 'STOPPED';
  at: string | null;
  commit: string | null;
  url: string | null;
}

export interface BuildHealthRow {
  ref: string;
  buildKey: string;
  buildName: string | null;
  recent: BuildHealthCell[];
  openIncident: { since: string | null; failures: number; incidentKey: string } | null;
}

export interface TestResult {
  outcome: 'delivered' | 'retrying' | 'failed' | 'disabled' | 'skipped';
  status: number | null;
  latencyMs: number | null;
  /**
   * The vendor's answer, truncated; secrets redacted. Null for hosts outside the known vendor hosts
   * (generic webhook, self-hosted servers, API base overrides): those show only `status` and a short
   * `error`. Network failures of every kind read "could not reach the endpoint".
   */
  response: string | null;
  error: string | null;
  /** Incident tools: the test incident was opened, then resolved. */
  steps?: { step: 'open' | 'resolve'; outcome: TestResult['outcome']; status: number | null; error: string | null }[];
}

/** Person (e-mail, Atlassian account id or Bitbucket uuid) → chat handles per tool, as in the rules file. */
export type MentionsDto = Record<string, { slack?: string; teams?: string; discord?: string; 'google-chat'?: string; mattermost?: string }>;

/** What became of one event (app/activity.ts builds these; reasons are src/core/reasons.ts names). */
export interface ActivityEntryDto {
  at: string;
  event: { kind: string; source: string; ref: string | null; state: string | null; key: string | null; commit: string | null };
  /** `alerted`: at least one delivery was queued; `nothing`: see `reason` (and each alert's). */
  decision: 'alerted' | 'nothing';
  reason?: string;
  /** `reason` in words. */
  why?: string;
  alerts: { type: string; sent: { rule: string; channels: string[] }[]; reason?: string }[];
}

/**
 * A job set aside instead of retried (src/app/dead-letters.ts): it failed permanently, or failed too
 * many times in a row. Kept 14 days; "Retry" queues it again as new and removes the entry.
 */
export interface DeadLetterDto {
  /** Pass to `retryDeadLetter`. */
  id: string;
  /** When it was set aside (ISO). */
  at: string;
  /** Repository id (storage key form). */
  repo: string;
  /** Job type: `event`, `deliver`, `remind`, `flush-group`, `reconcile`. */
  type: string;
  /** What the job was about, in words: "build FAILED main my-build1", "build.failed to channel audit". */
  summary: string;
  /** "<ErrorName>: <message>", secrets redacted, at most about 1 KB. */
  error: string;
  /** True when no retry could have helped (the store refused the data, a bug); false when it failed too often. */
  permanent: boolean;
  /** Runs made, the last one included. */
  attempts: number;
  firstFailureAt: string;
  lastFailureAt: string;
}

/** Every resolver: name → [request, response]. */
export interface ResolverMap {
  getSettings: [Record<string, never>, SettingsView];
  saveChannel: [{ channel: ChannelInput; previousName?: string }, ChannelView];
  deleteChannel: [{ name: string }, { deleted: true }];
  setChannelEnabled: [{ name: string; enabled: boolean }, ChannelView];
  testChannel: [{ name: string }, TestResult];
  saveRules: [{ rules: RuleDto[] }, { rules: RuleDto[] }];
  previewBranches: [{ branches?: string[]; excludeBranches?: string[] }, { matches: string[]; total: number }];
  getDeliveryLog: [{ limit?: number; cursor?: string }, { entries: DeliveryLogEntry[]; nextCursor: string | null }];
  redeliver: [{ id: string }, { queued: true }];
  getBuildHealth: [Record<string, never>, { rows: BuildHealthRow[] }];
  getActivity: [{ limit?: number }, { entries: ActivityEntryDto[] }];
  snooze: [SnoozeDto, { snoozes: SnoozeDto[] }];
  unsnooze: [{ target: SnoozeDto['target'] }, { snoozes: SnoozeDto[] }];
  exportRules: [Record<string, never>, { yaml: string }];
  importRules: [{ yaml: string }, SettingsView];
  setInboundSecret: [{ secret: string | null }, { inboundSecretSet: boolean }];
  getWorkspaceDefaults: [Record<string, never>, { channels: ChannelView[]; rules: RuleDto[]; mentions: MentionsDto; channelTypes: ChannelTypeInfo[] }];
  /** The workspace's `mentions` map (the rules file's shape); `{}` clears it. Repositories' own maps override it per person. */
  saveWorkspaceMentions: [{ mentions: MentionsDto }, { mentions: MentionsDto }];
  saveWorkspaceDefaults: [{ rules: RuleDto[] }, { rules: RuleDto[] }];
  saveWorkspaceChannel: [{ channel: ChannelInput; previousName?: string }, ChannelView];
  deleteWorkspaceChannel: [{ name: string }, { deleted: true }];
  /** A workspace's inbound webhook secret: signs webhooks of every repository in it. */
  setWorkspaceInboundSecret: [{ secret: string | null }, { inboundSecretSet: boolean }];
  /** Jobs of this repository set aside after failing (newest first). */
  getDeadLetters: [Record<string, never>, { entries: DeadLetterDto[] }];
  /** Queues a dead-lettered job again, as new, and removes its entry. */
  retryDeadLetter: [{ id: string }, { queued: true }];
}

export type ResolverName = keyof ResolverMap;
export type ResolverRequest<N extends ResolverName> = ResolverMap[N][0];
export type ResolverData<N extends ResolverName> = ResolverMap[N][1];

export const RESOLVER_NAMES = [
  'getSettings', 'saveChannel', 'deleteChannel', 'setChannelEnabled', 'testChannel', 'saveRules',
  'previewBranches', 'getDeliveryLog', 'redeliver', 'getBuildHealth', 'getActivity', 'snooze', 'unsnooze',
  'exportRules', 'importRules', 'setInboundSecret', 'getWorkspaceDefaults', 'saveWorkspaceDefaults',
  'saveWorkspaceChannel', 'deleteWorkspaceChannel', 'setWorkspaceInboundSecret', 'getDeadLetters', 'retryDeadLetter',
  'saveWorkspaceMentions',
] as const satisfies readonly ResolverName[];

/** Workspace-level resolvers check workspace admin rights; the rest check repository admin rights. */
export const WORKSPACE_RESOLVERS: readonly ResolverName[] = [
  'getWorkspaceDefaults', 'saveWorkspaceDefaults', 'saveWorkspaceChannel', 'deleteWorkspaceChannel', 'setWorkspaceInboundSecret',
  'saveWorkspaceMentions',
];

/**
 * The Forge context the browser's `invoke` carries. In Bitbucket the product fills `extension`;
 * the local runtime's bridge shim fills it from the page URL. Never trusted without an admin check.
 */
export interface ExtensionContext {
  repository?: { uuid?: string; fullName?: string };
  workspace?: { uuid?: string; slug?: string };
}
