/**
 * A fake Forge host for component tests: `globalThis.__bridge.callBridge('invoke', …)` is routed to a
 * typed backend object keyed by resolver name, so the real @forge/bridge and the app's typed client
 * both run. Unhandled resolvers answer `internal`, which tests notice.
 */
import type {
  ActivityEntryDto,
  BuildHealthRow,
  ChannelTypeInfo,
  ChannelView,
  DeadLetterDto,
  DeliveryLogEntry,
  ResolverData,
  ResolverName,
  ResolverRequest,
  ResolverResponse,
  RuleDto,
  SettingsView,
  TestResult,
} from '../../../src/shared/contract';

export type Handler<N extends ResolverName> = (
  req: ResolverRequest<N>,
) => ResolverResponse<ResolverData<N>> | Promise<ResolverResponse<ResolverData<N>>>;

export type FakeBackend = { [N in ResolverName]?: Handler<N> };

export interface Call {
  name: ResolverName;
  payload: unknown;
}

let backend: FakeBackend = {};
let context: Record<string, unknown> = { accountId: 'a1', moduleKey: 'repo-settings', extension: { repository: { uuid: '{r1}' } } };
export const calls: Call[] = [];

export function useBackend(b: FakeBackend, ctx?: Record<string, unknown>): void {
  backend = b;
  calls.length = 0;
  if (ctx) context = ctx;
}

export function callsTo<N extends ResolverName>(name: N): ResolverRequest<N>[] {
  return calls.filter((c) => c.name === name).map((c) => c.payload as ResolverRequest<N>);
}

export function installBridge(): void {
  (globalThis as unknown as { __bridge: unknown }).__bridge = {
    callBridge: async (name: string, payload: { functionKey: ResolverName; payload: unknown }) => {
      if (name === 'getContext') return context;
      if (name !== 'invoke') return undefined;
      const key = payload.functionKey;
      calls.push({ name: key, payload: payload.payload });
      const h = backend[key] as ((req: unknown) => unknown) | undefined;
      if (!h) return { ok: false, error: { code: 'internal', message: `no fake for ${key}` } };
      return h(payload.payload);
    },
  };
}

export const ok = <T>(data: T): ResolverResponse<T> => ({ ok: true, data });

// ---- builders ----

export function aWebhookType(): ChannelTypeInfo {
  return {
    type: 'webhook',
    label: 'Webhook',
    fields: [
      { name: 'url', label: 'URL', secret: true, required: true, placeholder: 'https://example.com/hook' },
      { name: 'secret', label: 'Signing secret', secret: true, required: false },
    ],
  };
}

export function aSlackType(): ChannelTypeInfo {
  return {
    type: 'slack',
    label: 'Slack',
    fields: [
      { name: 'url', label: 'Webhook URL', secret: true, required: true },
      { name: 'mention', label: 'Mention', secret: false, required: false },
    ],
  };
}

export function aChannel(over: Partial<ChannelView> = {}): ChannelView {
  return {
    name: 'team-builds',
    type: 'slack',
    config: { mention: '@here' },
    secrets: { url: 'https://hooks.slack.com/…X9Z2' },
    disabled: null,
    ...over,
  };
}

export function aRule(over: Partial<RuleDto> = {}): RuleDto {
  return { name: 'Main failures', on: ['failed', 'fixed'], branches: ['main'], channels: ['team-builds'], ...over };
}

export function aSettingsView(over: Partial<SettingsView> = {}): SettingsView {
  return {
    repository: { uuid: '{r1}', fullName: 'acme/api', key: 'r1' },
    channels: [],
    rules: [aRule({ name: 'Default', channels: [] })],
    usingDefaults: true,
    channelTypes: [aSlackType(), aWebhookType()],
    snoozes: [],
    webhookUrl: 'http://127.0.0.1:8080/webhooks/bitbucket',
    inboundSecretSet: false,
    ...over,
  };
}

export function aLogEntry(over: Partial<DeliveryLogEntry> = {}): DeliveryLogEntry {
  return {
    id: 'd1',
    at: '2026-11-23T10:00:00.000Z',
    channel: 'team-builds',
    rule: 'Main failures',
    alertType: 'failed',
    alertId: 'a1',
    incidentKey: 'i1',
    outcome: 'delivered',
    attempt: 1,
    status: 200,
    latencyMs: 120,
    error: null,
    ...over,
  };
}

export function aTestResult(over: Partial<TestResult> = {}): TestResult {
  return { outcome: 'delivered', status: 200, latencyMs: 87, response: 'ok', error: null, ...over };
}

export function aHealthRow(over: Partial<BuildHealthRow> = {}): BuildHealthRow {
  return {
    ref: 'main',
    buildKey: 'pipeline',
    buildName: 'Pipeline',
    recent: [
      { state: 'SUCCESSFUL', at: '2026-11-23T09:00:00.000Z', commit: 'aaaaaaa1', url: null },
      { state: 'FAILED', at: '2026-11-23T10:00:00.000Z', commit: 'bbbbbbb2', url: null },
    ],
    openIncident: { since: '2026-11-23T10:00:00.000Z', failures: 1, incidentKey: 'i1' },
    ...over,
  };
}

export function anActivityEntry(over: Partial<ActivityEntryDto> = {}): ActivityEntryDto {
  return {
    at: '2026-11-23T10:00:00.000Z',
    event: { kind: 'build', source: 'forge', ref: 'main', state: 'FAILED', key: 'ci', commit: 'bbbbbbb2cafe' },
    decision: 'alerted',
    alerts: [{ type: 'failed', sent: [{ rule: 'Main failures', channels: ['team-builds', 'pager'] }] }],
    ...over,
  };
}

export function aDeadLetter(over: Partial<DeadLetterDto> = {}): DeadLetterDto {
  return {
    id: 'r1:dl-1',
    at: '2026-11-23T10:05:00.000Z',
    repo: 'r1',
    type: 'deliver',
    summary: 'build.failed to channel audit',
    error: 'StorageContractError: value too large',
    permanent: true,
    attempts: 1,
    firstFailureAt: '2026-11-23T10:00:00.000Z',
    lastFailureAt: '2026-11-23T10:05:00.000Z',
    ...over,
  };
}

/** A backend for the repository page with sensible answers for the side panels. */
export function aRepoBackend(view: SettingsView, over: FakeBackend = {}): FakeBackend {
  return {
    getSettings: () => ok(view),
    getDeliveryLog: () => ok({ entries: [], nextCursor: null }),
    getBuildHealth: () => ok({ rows: [] }),
    getActivity: () => ok({ entries: [] }),
    getDeadLetters: () => ok({ entries: [] }),
    previewBranches: (req) => ok({ matches: req.branches?.length ? ['main'] : [], total: 3 }),
    ...over,
  };
}
