/**
 * The settings page's resolvers. Every call first checks, as the user, that the caller administers
 * the repository (or workspace) named by the extension context: the browser's context alone is
 * never trusted. Validation uses the same schema as the CLI; errors come back per field.
 */
import type { Alert } from '../core/alerts/alert';
import type { BuildMemory } from '../core/alerts';
import { buildIncidentKey } from '../core/alerts';
import { channelTypeInfo, getChannel } from '../core/channels/registry';
import type { DeliveryJob } from '../core/delivery/delivery-job';
import { StorageContractError, type Caller } from '../core/ports';
import { previewBranches, serializeRules } from '../core/rules';
import { keys, repoKey } from '../core/storage-keys';
import type {
  BuildHealthRow, ChannelView, DeliveryLogEntry, ExtensionContext, ResolverError, ResolverName, ResolverResponse, SettingsView, SnoozeDto,
} from '../shared/contract';
import type { AppDeps, ResolverCall } from './app-types';
import type { ConfigError, ConfigTarget } from './config-store';
import { importRulesText, loadConfig, removeChannel, replaceMentions, replaceRules, upsertChannel } from './config-store';
import { channelHealthKey, sendTest } from './deliver';
import { workspaceScope } from './effective-rules';
import { deliveryQueueJob, type RepoRecord } from './evaluate';
import { pushJobs } from './queue-commit';
import { listActivity } from './activity';
import { DeadLetterNotRetryableError, getDeadLetter, listDeadLetters, retryDeadLetter } from './dead-letters';
import { INBOUND_SECRET_FLAG } from './inbound-trust';
import type { ChannelHealth, RepoConfig, Snooze, StoredChannel } from './repo-config';

type Handler = (deps: AppDeps, scope: Scope, payload: any) => Promise<unknown>;

interface Scope {
  caller: Caller;
  repo: string | null;
  workspace: string | null;
  target: ConfigTarget;
}

class ResolverFailure extends Error {
  constructor(readonly error: ResolverError) {
    super(error.message);
  }
}

const fail = (error: ResolverError): never => {
  throw new ResolverFailure(error);
};

const unwrap = <T>(r: { ok: true; value: T } | { ok: false; error: ConfigError }): T => {
  if (!r.ok) fail(r.error);
  return (r as { ok: true; value: T }).value;
};

const str = (v: unknown, path: string): string => {
  if (typeof v !== 'string' || v.length === 0) fail({ code: 'invalid', message: `${path} is required`, fields: [{ path, message: 'required' }] });
  return v as string;
};

function channelView(def: StoredChannel, health: ChannelHealth | undefined, inherited: boolean): ChannelView {
  return { name: def.name, type: def.type, config: def.config, secrets: def.secretHints, disabled: health?.disabled ?? null, ...(inherited ? { inherited } : {}) };
}

async function viewChannels(deps: AppDeps, channels: StoredChannel[], scope: string, inherited: boolean): Promise<ChannelView[]> {
  const healthKeys = channels.map((c) => channelHealthKey(scope, c.name));
  const health = healthKeys.length ? await deps.store.getMany<ChannelHealth>(healthKeys) : new Map<string, ChannelHealth>();
  return channels.map((c) => channelView(c, health.get(channelHealthKey(scope, c.name)), inherited));
}

async function workspaceConfig(deps: AppDeps, workspace: string | null): Promise<RepoConfig | undefined> {
  return workspace ? deps.store.get<RepoConfig>(keys.workspaceDefaults(workspace)) : undefined;
}

async function settingsView(deps: AppDeps, scope: Scope): Promise<SettingsView> {
  const config = await loadConfig(deps, scope.target);
  const ws = await workspaceConfig(deps, scope.workspace);
  const own = await viewChannels(deps, config?.channels ?? [], scope.target.secretScope, false);
  const inherited = ws && scope.workspace
    ? (await viewChannels(deps, ws.channels, workspaceScope(scope.workspace), true)).filter((c) => !own.some((o) => o.name === c.name))
    : [];
  const snoozes = (await deps.store.get<Snooze[]>(keys.snooze(scope.repo!))) ?? [];
  const inbound = await deps.secrets.getSecret<string>(keys.inboundSecret(scope.repo!));
  return {
    repository: { uuid: scope.target.repository.uuid, fullName: scope.target.repository.fullName, key: scope.repo! },
    channels: [...own, ...inherited],
    rules: config?.rules ?? [],
    usingDefaults: !config?.rules.length,
    channelTypes: channelTypeInfo(),
    snoozes,
    webhookUrl: deps.webhookUrl ? await deps.webhookUrl() : null,
    inboundSecretSet: Boolean(inbound) || Boolean(deps.envWebhookSecret),
  };
}

function sampleAlert(scope: Scope, now: number): Alert {
  const at = new Date(now).toISOString();
  return {
    version: 1,
    id: `test-${now}`,
    type: 'build.failed',
    occurredAt: at,
    repository: { uuid: scope.target.repository.uuid, fullName: scope.target.repository.fullName ?? 'example/repository', slug: null },
    ref: 'main',
    build: {
      key: 'build-alerts-test', name: 'Test alert from Build Alerts', state: 'FAILED', commit: '0000000000000000000000000000000000000000',
      ref: 'main', url: null, commitMessage: 'This is a test alert sent from the settings page', author: null,
    },
    previous: null,
    failures: { count: 1, since: at },
    // One incident per test: a second test never appends to (or resolves) an earlier one.
    incidentKey: `test:${scope.repo}:${now}`,
    links: {},
    test: true,
  };
}

const MUTATING = new Set<string>(['saveChannel', 'saveRules', 'importRules', 'setInboundSecret', 'snooze']);

const SNOOZE_MAX_MS = 30 * 24 * 3600 * 1000;

function parseSnooze(payload: any, now: number): Snooze {
  const t = payload?.target;
  const target =
    t && typeof t.rule === 'string' && t.rule ? { rule: t.rule as string } : t && typeof t.branch === 'string' && t.branch ? { branch: t.branch as string } : null;
  if (!target) fail({ code: 'invalid', message: 'snooze needs a rule or a branch', fields: [{ path: 'target', message: 'give { rule } or { branch }' }] });
  const untilFixed = payload.untilFixed === true;
  let until: string | null = null;
  if (!untilFixed) {
    const ms = typeof payload.until === 'string' ? Date.parse(payload.until) : NaN;
    if (!Number.isFinite(ms) || ms <= now || ms - now > SNOOZE_MAX_MS) {
      fail({ code: 'invalid', message: 'until must be a future time within 30 days', fields: [{ path: 'until', message: 'a future ISO time within 30 days' }] });
    }
    until = new Date(ms).toISOString();
  }
  return { target: target!, until, untilFixed };
}

const sameTarget = (a: Snooze['target'], b: Snooze['target']) => JSON.stringify(a) === JSON.stringify(b);

async function knownBranches(deps: AppDeps, repo: string, repoId: string): Promise<string[]> {
  const fromApi = await deps.bitbucket.listBranches(repoId, 100).catch(() => []);
  if (fromApi.length) return fromApi;
  const refs = new Set<string>();
  let cursor: string | undefined;
  for (let page = 0; page < 3; page++) {
    const res = await deps.store.query<BuildMemory>({ beginsWith: keys.buildStatePrefix(repo), limit: 100, cursor });
    for (const r of res.results) if (r.value.build?.ref) refs.add(r.value.build.ref);
    if (!res.nextCursor) break;
    cursor = res.nextCursor;
  }
  return [...refs].sort();
}

const repoHandlers: Record<string, Handler> = {
  getSettings: (deps, scope) => settingsView(deps, scope),
  saveChannel: async (deps, scope, p) => {
    const def = unwrap(await upsertChannel(deps, scope.target, p?.channel, p?.previousName));
    return channelView(def, undefined, false);
  },
  deleteChannel: async (deps, scope, p) => {
    unwrap(await removeChannel(deps, scope.target, str(p?.name, 'name')));
    return { deleted: true };
  },
  setChannelEnabled: async (deps, scope, p) => {
    const name = str(p?.name, 'name');
    const config = await loadConfig(deps, scope.target);
    const def = config?.channels.find((c) => c.name === name) ?? fail({ code: 'not-found', message: `no channel named "${name}"` });
    const key = channelHealthKey(scope.target.secretScope, name);
    const health = (await deps.store.get<ChannelHealth>(key)) ?? {};
    const next: ChannelHealth = p?.enabled === true
      ? { disabled: null } // re-enabling also closes the breaker
      : { ...health, disabled: { reason: 'disabled by an administrator', at: new Date(deps.clock.now()).toISOString() } };
    await deps.store.set(key, next);
    return channelView(def, next, false);
  },
  testChannel: async (deps, scope, p) => {
    const name = str(p?.name, 'name');
    const config = await loadConfig(deps, scope.target);
    const def = config?.channels.find((c) => c.name === name) ?? fail({ code: 'not-found', message: `no channel named "${name}"` });
    const now = deps.clock.now();
    const job: DeliveryJob = {
      id: `test-${now}:${name}`, repo: scope.repo!, channelScope: scope.target.secretScope, channel: name, channelType: def.type,
      channelConfig: def.config, rule: 'test', alert: sampleAlert(scope, now), attempt: 1, raisedAt: now, manual: 'test',
    };
    return sendTest(deps, job);
  },
  saveRules: async (deps, scope, p) => ({ rules: unwrap(await replaceRules(deps, scope.target, p?.rules)) }),
  previewBranches: async (deps, scope, p) => {
    const repoId = scope.target.repository.uuid ?? scope.target.repository.fullName ?? scope.repo!;
    const record = await deps.store.get<RepoRecord>(keys.repoIndex(scope.repo!));
    const branches = await knownBranches(deps, scope.repo!, repoId);
    const globs = Array.isArray(p?.branches) ? p.branches.filter((g: unknown) => typeof g === 'string') : undefined;
    const excludes = Array.isArray(p?.excludeBranches) ? p.excludeBranches.filter((g: unknown) => typeof g === 'string') : [];
    const matches = previewBranches(globs, excludes, branches, record?.mainBranch ?? null);
    return { matches, total: branches.length };
  },
  getDeliveryLog: async (deps, scope, p) => {
    const limit = Math.min(100, Math.max(1, Number.isInteger(p?.limit) ? p.limit : 25));
    const cursor = typeof p?.cursor === 'string' && p.cursor ? p.cursor : undefined;
    const page = await deps.store
      .query<DeliveryLogEntry & { job?: unknown }>({ beginsWith: keys.logPrefix(scope.repo!), limit, ...(cursor ? { cursor } : {}) })
      .catch((e: unknown) => {
        // Cursors come back from the browser: one the store cannot read is the caller's mistake, not ours.
        if (cursor && e instanceof StorageContractError) fail({ code: 'invalid', message: 'cursor is not valid', fields: [{ path: 'cursor', message: 'use nextCursor from a previous page' }] });
        throw e;
      });
    const entries = page.results.map(({ value }) => {
      const { job: _job, ...entry } = value;
      return entry;
    });
    return { entries, nextCursor: page.nextCursor ?? null };
  },
  redeliver: async (deps, scope, p) => {
    const id = str(p?.id, 'id');
    const at = Number(id.slice(id.lastIndexOf(':') + 1));
    const entry = Number.isFinite(at) ? await deps.store.get<DeliveryLogEntry & { job: DeliveryJob }>(keys.log(scope.repo!, at, id)) : undefined;
    if (!entry || entry.job.repo !== scope.repo) fail({ code: 'not-found', message: `no delivery log entry "${id}"` });
    const job: DeliveryJob = { ...entry!.job, attempt: 1, raisedAt: deps.clock.now(), manual: 'redeliver' };
    delete job.notBefore;
    await pushJobs(deps, [deliveryQueueJob(job)]);
    return { queued: true };
  },
  getActivity: async (deps, scope, p) => {
    const limit = p?.limit === undefined ? 50 : Number(p.limit);
    if (!Number.isInteger(limit) || limit < 1 || limit > 100) fail({ code: 'invalid', message: 'limit must be a whole number from 1 to 100', fields: [{ path: 'limit', message: 'from 1 to 100' }] });
    return { entries: await listActivity(deps.store, scope.repo!, limit) };
  },
  getBuildHealth: async (deps, scope) => {
    const rows: BuildHealthRow[] = [];
    const page = await deps.store.query<BuildMemory>({ beginsWith: keys.buildStatePrefix(scope.repo!), limit: 100 });
    for (const { value: m } of page.results) {
      const history = (m.history ?? []) as BuildHealthRow['recent'];
      rows.push({
        ref: m.build?.ref ?? '(no branch)',
        buildKey: m.build?.key ?? '',
        buildName: m.build?.name ?? null,
        recent: history.length ? history : [{ state: m.state, at: m.at, commit: m.commit, url: m.build?.url ?? null }],
        openIncident:
          m.state === 'FAILED' && m.repository
            ? { since: m.failingSince ?? m.at, failures: m.failures, incidentKey: buildIncidentKey(m.repository, m.build?.ref ?? null, m.build?.key ?? m.build?.name ?? null) }
            : null,
      });
    }
    return { rows };
  },
  snooze: async (deps, scope, p) => {
    const snooze = parseSnooze(p, deps.clock.now());
    const current = (await deps.store.get<Snooze[]>(keys.snooze(scope.repo!))) ?? [];
    const next = [...current.filter((s) => !sameTarget(s.target, snooze.target)), snooze].slice(-100);
    await deps.store.set(keys.snooze(scope.repo!), next);
    return { snoozes: next as SnoozeDto[] };
  },
  unsnooze: async (deps, scope, p) => {
    const target = parseSnooze({ ...p, untilFixed: true }, deps.clock.now()).target;
    const current = (await deps.store.get<Snooze[]>(keys.snooze(scope.repo!))) ?? [];
    const next = current.filter((s) => !sameTarget(s.target, target));
    if (next.length !== current.length) await deps.store.set(keys.snooze(scope.repo!), next);
    return { snoozes: next as SnoozeDto[] };
  },
  exportRules: async (deps, scope) => {
    const config = await loadConfig(deps, scope.target);
    return { yaml: exportYaml(config, scope) };
  },
  importRules: async (deps, scope, p) => {
    unwrap(await importRulesText(deps, scope.target, str(p?.yaml, 'yaml')));
    return settingsView(deps, scope);
  },
  setInboundSecret: async (deps, scope, p) => setInbound(deps, scope.repo!, p?.secret),
  getDeadLetters: async (deps, scope) => ({ entries: await listDeadLetters(deps, scope.repo!) }),
  retryDeadLetter: async (deps, scope, p) => {
    const id = str(p?.id, 'id');
    // Ids start with the repository they were filed under: another repository's are not found here.
    const record = id.startsWith(`${scope.repo}:`) ? await getDeadLetter(deps, id) : undefined;
    if (!record || record.repo !== scope.repo) fail({ code: 'not-found', message: `no dead letter "${id.slice(0, 200)}"` });
    try {
      return (await retryDeadLetter(deps, id)) ?? fail({ code: 'not-found', message: `no dead letter "${id.slice(0, 200)}"` });
    } catch (e) {
      if (e instanceof DeadLetterNotRetryableError) fail({ code: 'invalid', message: e.message, fields: [{ path: 'id', message: e.message }] });
      throw e;
    }
  },
};

/**
 * Sets or clears an inbound webhook secret (a repository's, or `ws-<workspace>` for a workspace's).
 * Setting one also raises the flag that makes unsigned webhooks of unconfigured repositories refused
 * (inbound-trust.ts); the flag stays once raised: secrets cannot be listed to know the last went.
 */
async function setInbound(deps: AppDeps, scopeKey: string, secret: unknown): Promise<{ inboundSecretSet: boolean }> {
  if (secret === null || secret === '') {
    await deps.secrets.deleteSecret(keys.inboundSecret(scopeKey));
    return { inboundSecretSet: Boolean(deps.envWebhookSecret) };
  }
  if (typeof secret !== 'string' || secret.length < 16 || secret.length > 200) {
    fail({ code: 'invalid', message: 'the secret must be 16-200 characters', fields: [{ path: 'secret', message: '16-200 characters' }] });
  }
  await deps.secrets.setSecret(keys.inboundSecret(scopeKey), secret);
  await deps.store.set(INBOUND_SECRET_FLAG, true);
  return { inboundSecretSet: true };
}

export function exportYaml(config: RepoConfig | undefined, scope: { target: ConfigTarget }): string {
  const repository = scope.target.repository.uuid ?? scope.target.repository.fullName ?? undefined;
  return serializeRules(
    {
      version: 1,
      ...(repository ? { repository } : {}),
      // serializeRules takes channels as { name, type, config }; secret fields hold the stored hints, masked again on output.
      channels: (config?.channels ?? []).map((c) => ({ name: c.name, type: c.type, config: { ...c.config, ...c.secretHints } })),
      rules: config?.rules ?? [],
      ...(config?.mentions ? { mentions: config.mentions } : {}),
    } as never,
    { secrets: 'mask', secretFields: (type) => getChannel(type).secretFields },
  );
}

const workspaceHandlers: Record<string, Handler> = {
  getWorkspaceDefaults: async (deps, scope) => {
    const config = await loadConfig(deps, scope.target);
    return {
      channels: await viewChannels(deps, config?.channels ?? [], scope.target.secretScope, false),
      rules: config?.rules ?? [],
      mentions: config?.mentions ?? {},
      channelTypes: channelTypeInfo(),
    };
  },
  saveWorkspaceMentions: async (deps, scope, p) => ({ mentions: unwrap(await replaceMentions(deps, scope.target, p?.mentions)) }),
  saveWorkspaceDefaults: async (deps, scope, p) => ({ rules: unwrap(await replaceRules(deps, scope.target, p?.rules)) }),
  saveWorkspaceChannel: async (deps, scope, p) => channelView(unwrap(await upsertChannel(deps, scope.target, p?.channel, p?.previousName)), undefined, false),
  setWorkspaceInboundSecret: async (deps, scope, p) => setInbound(deps, scope.target.secretScope, p?.secret),
  deleteWorkspaceChannel: async (deps, scope, p) => {
    unwrap(await removeChannel(deps, scope.target, str(p?.name, 'name')));
    return { deleted: true };
  },
};

function workspaceOf(extension: ExtensionContext): string | null {
  return extension.workspace?.uuid ?? extension.workspace?.slug ?? null;
}

export async function resolve(deps: AppDeps, name: ResolverName, call: ResolverCall): Promise<ResolverResponse<unknown>> {
  const extension = (call.extension ?? {}) as ExtensionContext;
  try {
    const workspace = workspaceOf(extension);
    if (name in workspaceHandlers) {
      if (!workspace) return { ok: false, error: { code: 'invalid', message: 'no workspace in the context', fields: [] } };
      if (!(await deps.access.canAdminWorkspace(call.caller, workspace))) {
        return { ok: false, error: { code: 'forbidden', message: 'only workspace administrators can change workspace defaults' } };
      }
      const wsKey = workspaceScope(workspace);
      const scope: Scope = {
        caller: call.caller, repo: null, workspace,
        target: { storeKey: keys.workspaceDefaults(workspace), secretScope: wsKey, repository: { uuid: null, fullName: null } },
      };
      return { ok: true, data: await workspaceHandlers[name]!(deps, scope, call.payload) };
    }
    const handler = repoHandlers[name];
    if (!handler) return { ok: false, error: { code: 'not-found', message: `unknown resolver "${name}"` } };
    const repository = { uuid: extension.repository?.uuid ?? null, fullName: extension.repository?.fullName ?? null };
    const repo = repoKey(repository);
    if (!repo) return { ok: false, error: { code: 'invalid', message: 'no repository in the context', fields: [] } };
    const repoId = repository.uuid ?? repository.fullName!;
    if (!(await deps.access.canAdminRepository(call.caller, repoId))) {
      return { ok: false, error: { code: 'forbidden', message: 'only repository administrators can view or change build alerts' } };
    }
    const record = await deps.store.get<RepoRecord>(keys.repoIndex(repo));
    const ws = workspace ? await workspaceConfig(deps, workspace) : undefined;
    const scope: Scope = {
      caller: call.caller, repo, workspace,
      target: {
        storeKey: keys.rules(repo), secretScope: repo,
        repository: { uuid: repository.uuid ?? record?.uuid ?? null, fullName: repository.fullName ?? record?.fullName ?? null },
        inheritedChannels: ws?.channels.map((c) => c.name) ?? [],
      },
    };
    const data = await handler(deps, scope, call.payload);
    if (!record && MUTATING.has(name)) {
      // A repository configured before any of its events arrived still shows up in listings.
      await deps.store.set(keys.repoIndex(repo), {
        uuid: scope.target.repository.uuid, fullName: scope.target.repository.fullName, slug: null, mainBranch: null,
        firstSeen: new Date(deps.clock.now()).toISOString(),
      } satisfies RepoRecord);
    }
    return { ok: true, data };
  } catch (e) {
    if (e instanceof ResolverFailure) return { ok: false, error: e.error };
    if (deps.mustPropagate?.(e)) throw e;
    deps.log.error({ resolver: name, err: (e as Error).name }, 'resolver failed');
    return { ok: false, error: { code: 'internal', message: 'something went wrong; the error was logged' } };
  }
}

