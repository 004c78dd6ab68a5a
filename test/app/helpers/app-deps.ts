/**
 * AppDeps built in-process for resolver tests: the real LMDB local store in a temp dir (so the KVS
 * key and value rules are enforced exactly as in the runtime), an AccessChecker that grants admin
 * rights only to named accounts, a queue and an HTTP client that record what they were given.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openLocalStore, type LocalStore } from '../../../src/adapters/local/store/lmdb-store';
import type { App, AppDeps } from '../../../src/app/app-types';
import { createApp } from '../../../src/app/create-app';
import type { EgressPolicy } from '../../../src/core/delivery/egress';
import type { AccessChecker, Caller, HttpClient, HttpRequest, HttpResponse, HttpResult, QueueJob } from '../../../src/core/ports';
import { keys, PREFIX } from '../../../src/core/storage-keys';
import type { ExtensionContext, ResolverName, ResolverResponse } from '../../../src/shared/contract';
import { recordingLogger } from '../../fakes/recording-logger';
import { fakeClock, type FakeClock } from '../../helpers/builders';

export const REPO_ADMIN = 'acct-repo-admin';
export const WORKSPACE_ADMIN = 'acct-workspace-admin';
export const STRANGER = 'acct-stranger';

export const REPO_UUID = '{8f1c2a3b-4d5e-4f60-8a7b-9c0d1e2f3a4b}';
export const WORKSPACE_UUID = '{11111111-2222-4333-8444-555555555555}';
export const EXTENSION: ExtensionContext = {
  repository: { uuid: REPO_UUID, fullName: 'acme/rockets' },
  workspace: { uuid: WORKSPACE_UUID, slug: 'acme' },
};

/** Vendor hosts as the manifest lists them, without the `*` the generic webhook needs, so allow-list denials are testable. */
export const STRICT_EGRESS: EgressPolicy = {
  allowedHosts: ['hooks.slack.com', 'events.pagerduty.com', 'events.eu.pagerduty.com', 'hooks.example.com'],
  allowLoopback: false,
  allowPrivate: false,
  ownHosts: ['alerts.acme.example:8443'],
};

export interface FakeHttp extends HttpClient {
  sent: HttpRequest[];
  /** Answer for the next sends; `respond` returns the default afterwards. */
  respond: (request: HttpRequest) => HttpResponse;
}

export function fakeHttp(): FakeHttp {
  const http: FakeHttp = {
    sent: [],
    respond: () => ({ status: 200, headers: {}, body: '{"ok":true}' }),
    async send(request: HttpRequest): Promise<HttpResult> {
      http.sent.push(request);
      return { ok: true, response: http.respond(request), latencyMs: 3 };
    },
  };
  return http;
}

export interface FakeAccess extends AccessChecker {
  repoChecks: { caller: Caller; repo: string }[];
  workspaceChecks: { caller: Caller; workspace: string }[];
}

export function fakeAccess(repoAdmins: string[], workspaceAdmins: string[]): FakeAccess {
  const access: FakeAccess = {
    repoChecks: [],
    workspaceChecks: [],
    async canAdminRepository(caller, repo) {
      access.repoChecks.push({ caller, repo });
      return caller.accountId !== null && repoAdmins.includes(caller.accountId);
    },
    async canAdminWorkspace(caller, workspace) {
      access.workspaceChecks.push({ caller, workspace });
      return caller.accountId !== null && workspaceAdmins.includes(caller.accountId);
    },
  };
  return access;
}

export interface TestApp {
  app: App;
  deps: AppDeps;
  store: LocalStore;
  http: FakeHttp;
  access: FakeAccess;
  pushes: QueueJob[];
  clock: FakeClock;
  log: ReturnType<typeof recordingLogger>;
  /** Calls a resolver as `account` (default: the repository admin) in EXTENSION's context. */
  call(name: ResolverName, payload?: unknown, account?: string, extension?: ExtensionContext): Promise<ResolverResponse<any>>;
  close(): Promise<void>;
}

export function startTestApp(options: { egress?: EgressPolicy; branches?: string[] } = {}): TestApp {
  const dir = mkdtempSync(join(tmpdir(), 'build-alerts-app-'));
  const clock = fakeClock('2025-03-01T12:00:00.000Z');
  const store = openLocalStore(dir, { clock });
  const http = fakeHttp();
  const access = fakeAccess([REPO_ADMIN], [WORKSPACE_ADMIN]);
  const pushes: QueueJob[] = [];
  const log = recordingLogger();
  const deps: AppDeps = {
    store,
    secrets: store,
    queue: { push: async (jobs) => void pushes.push(...jobs) },
    http,
    clock,
    log,
    bitbucket: {
      getRepository: async () => null,
      getCommit: async () => null,
      listBranches: async () => options.branches ?? [],
      listRecentPipelines: async () => [],
      getFailedStep: async () => null,
      getFailedStepDetails: async () => null,
      getPipeline: async () => null,
      getStepLogTail: async () => null,
    },
    access,
    egress: options.egress ?? { ...STRICT_EGRESS, allowedHosts: [...STRICT_EGRESS.allowedHosts, '*'] },
    runtime: 'local',
    webhookUrl: async () => 'https://alerts.acme.example:8443/webhooks/bitbucket',
    envWebhookSecret: null,
  };
  const app = createApp(deps);
  return {
    app, deps, store, http, access, pushes, clock, log,
    call: (name, payload = {}, account = REPO_ADMIN, extension = EXTENSION) =>
      app.resolve(name, { caller: { accountId: account }, extension, payload }),
    async close() {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/**
 * Everything in storage: every key under every PREFIX (all pages), plus the secrets under the keys
 * the caller names (secrets cannot be listed, by design).
 */
export async function snapshotStorage(t: TestApp, secretKeys: string[]): Promise<{ entries: Record<string, unknown>; secrets: Record<string, unknown> }> {
  const entries: Record<string, unknown> = {};
  for (const prefix of [...Object.values(PREFIX), '']) {
    let cursor: string | undefined;
    do {
      const page = await t.store.query({ beginsWith: prefix, limit: 100, ...(cursor ? { cursor } : {}) });
      for (const { key, value } of page.results) entries[key] = value;
      cursor = page.nextCursor;
    } while (cursor);
  }
  const secrets: Record<string, unknown> = {};
  for (const key of secretKeys) secrets[key] = (await t.store.getSecret(key)) ?? null;
  return { entries, secrets };
}

/** Secret keys for the repository and workspace scopes used in EXTENSION, for the named channels. */
export function secretKeysFor(repoKey: string, workspaceScope: string, channels: string[]): string[] {
  return [
    keys.inboundSecret(repoKey),
    ...channels.flatMap((name) => [keys.channelSecret(repoKey, name), keys.channelSecret(workspaceScope, name)]),
  ];
}
