/**
 * Test-data builders shared by every team: sensible defaults, override only what the test is about.
 *   aBuildEvent({ state: 'FAILED', ref: 'main', at: isoAt(5) })
 *   aRulesDoc({ rules: [aRule({ on: ['failed'], branches: ['@default'] })] })
 *   const clock = fakeClock('2025-03-30T00:00:00Z'); clock.advance(5 * 60_000);
 * Builders return fresh objects each call, so tests may mutate them.
 */
import type { Alert, AlertBase, AlertType } from '../../src/core/alerts/alert';
import type { BuildMemory } from '../../src/core/alerts/state-machine';
import type { EffectiveRules } from '../../src/app/effective-rules';
import type { Clock } from '../../src/core/ports';
import type {
  BuildInfo, DeploymentInfo, EventSource, PullRequestInfo, PushChange, RepoEvent, RepositoryRef, RepoEventBase, BuildEvent, DeploymentEvent, PushEvent, PullRequestEvent,
} from '../../src/core/events/repo-event';
import type { ChannelDefinition, Rule, RulesDocument } from '../../src/core/rules/schema';

export const REPO_UUID = '{15a31549-1cff-45dc-9d0d-310114c5038b}';
export const REPO_FULL_NAME = 'acme/widgets';
export const COMMIT_A = 'b88c4b490b648bf960eba6f59123456797960e55';
export const COMMIT_B = 'c99d5c5a1a759cf071fbb7a60234567808a71f66';
export const COMMIT_C = 'd00e6d6b2b86add182accb871345678919b82a77';

/** A fixed base time; `isoAt(n)` is n minutes after it. */
export const BASE_TIME = '2025-01-31T00:00:00.000Z';
export const isoAt = (minutes: number, base: string = BASE_TIME): string =>
  new Date(Date.parse(base) + minutes * 60_000).toISOString();

export function aRepository(overrides: Partial<RepositoryRef> = {}): RepositoryRef {
  return { uuid: REPO_UUID, fullName: REPO_FULL_NAME, slug: 'widgets', url: 'https://bitbucket.org/acme/widgets', ...overrides };
}

interface EventCommon {
  /** Shorthand for occurredAt. */
  at?: string | null;
  occurredAt?: string | null;
  source?: EventSource;
  repository?: Partial<RepositoryRef>;
  mainBranch?: string | null;
}

function common(o: EventCommon): RepoEventBase {
  const occurredAt = o.occurredAt !== undefined ? o.occurredAt : o.at !== undefined ? o.at : BASE_TIME;
  const event: RepoEventBase = {
    version: 1,
    source: o.source ?? 'forge',
    occurredAt,
    repository: aRepository(o.repository),
  };
  if (o.mainBranch !== undefined) event.mainBranch = o.mainBranch;
  return event;
}

export type BuildEventOverrides = Partial<BuildInfo> & EventCommon;

/** A Pipelines-like build status on main (key stable per branch, as Pipelines writes it). */
export function aBuildEvent(o: BuildEventOverrides = {}): BuildEvent {
  const { at: _a, occurredAt: _o, source: _s, repository: _r, mainBranch: _m, ...buildFields } = o;
  const ref = buildFields.ref !== undefined ? buildFields.ref : 'main';
  const build: BuildInfo = {
    key: 'pipeline-key-main',
    name: `Pipeline #42 for ${ref ?? 'main'}`,
    state: 'SUCCESSFUL',
    commit: COMMIT_A,
    ref,
    url: 'https://bitbucket.org/acme/widgets/pipelines/results/42',
    number: 42,
    ...buildFields,
  };
  return { ...common(o), kind: 'build', build };
}

export type DeploymentEventOverrides = Partial<DeploymentInfo> & EventCommon;

export function aDeploymentEvent(o: DeploymentEventOverrides = {}): DeploymentEvent {
  const { at: _a, occurredAt: _o, source: _s, repository: _r, mainBranch: _m, ...fields } = o;
  const deployment: DeploymentInfo = {
    state: 'SUCCESSFUL',
    environment: 'Production',
    environmentType: 'Production',
    commit: COMMIT_A,
    environmentUuid: '{7a1b2c3d-0000-4000-8000-000000000001}',
    url: 'https://bitbucket.org/acme/widgets/deployments',
    ...fields,
  };
  return { ...common(o), kind: 'deployment', deployment };
}

export function aPushChange(o: Partial<PushChange> = {}): PushChange {
  return { refType: 'branch', name: 'main', action: 'updated', before: COMMIT_A, after: COMMIT_B, ...o };
}

export function aPushEvent(o: EventCommon & { changes?: PushChange[] } = {}): PushEvent {
  return { ...common(o), kind: 'push', push: { changes: o.changes ?? [aPushChange()] } };
}

export function aPullRequestEvent(o: Partial<PullRequestInfo> & EventCommon = {}): PullRequestEvent {
  const { at: _a, occurredAt: _o, source: _s, repository: _r, mainBranch: _m, ...fields } = o;
  const pullRequest: PullRequestInfo = {
    id: 7,
    action: 'created',
    title: 'Add widgets',
    source: 'feature/widgets',
    destination: 'main',
    url: 'https://bitbucket.org/acme/widgets/pull-requests/7',
    ...fields,
  };
  return { ...common(o), kind: 'pullrequest', pullRequest };
}

export function aChannel(o: Partial<ChannelDefinition> = {}): ChannelDefinition {
  return { name: 'team-slack', type: 'slack', config: { url: 'https://hooks.slack.com/services/T000/B000/XXXX' }, ...o };
}

export function aRule(o: Partial<Rule> = {}): Rule {
  return { name: 'main is broken', on: ['failed', 'fixed'], channels: ['team-slack'], failAfter: 1, enabled: true, ...o };
}

export function aRulesDoc(o: Partial<RulesDocument> = {}): RulesDocument {
  return { version: 1, channels: [aChannel()], rules: [aRule()], ...o };
}

/**
 * Overrides for any part of any alert. Tests build edge shapes on purpose (a deployment alert that also
 * names a build, a build alert without one), so the builder takes the parts loosely and casts once.
 */
export type AlertOverrides = Partial<AlertBase> & {
  type?: AlertType; build?: BuildInfo; deployment?: DeploymentInfo; push?: { changes: PushChange[] }; pullRequest?: PullRequestInfo;
};

/** A parsed-looking alert; the fields the matcher reads are the ones worth overriding. */
export function anAlert(o: AlertOverrides = {}): Alert {
  const type = o.type ?? 'build.failed';
  return {
    version: 1,
    id: `al_test_${type}`,
    type,
    occurredAt: BASE_TIME,
    repository: aRepository(),
    ref: 'main',
    build: {
      key: 'pipeline-key-main', name: 'Pipeline #42 for main', state: 'FAILED', commit: COMMIT_A, ref: 'main',
      url: 'https://bitbucket.org/acme/widgets/pipelines/results/42',
    },
    previous: null,
    failures: { count: 1, since: BASE_TIME },
    incidentKey: 'bb:15a31549-1cff-45dc-9d0d-310114c5038b:b:main:pipeline-key-main',
    links: {},
    ...o,
  } as Alert;
}

export function aBuildMemory(o: Partial<BuildMemory> = {}): BuildMemory {
  return {
    state: 'FAILED',
    at: BASE_TIME,
    commit: COMMIT_A,
    failures: 1,
    failingSince: BASE_TIME,
    lastEvent: `${COMMIT_A}|pipeline-key-main|FAILED|${BASE_TIME}`,
    repository: aRepository(),
    source: 'forge',
    build: {
      key: 'pipeline-key-main', name: 'Pipeline #42 for main', ref: 'main', state: 'FAILED', commit: COMMIT_A,
      url: 'https://bitbucket.org/acme/widgets/pipelines/results/42',
    },
    ...o,
  };
}

export interface FakeClock extends Clock {
  advance(ms: number): void;
  set(time: string | number): void;
  iso(): string;
}

/** A Clock port that only moves when told to. */
export function fakeClock(start: string | number = BASE_TIME): FakeClock {
  let now = typeof start === 'number' ? start : Date.parse(start);
  return {
    now: () => now,
    advance: (ms: number) => { now += ms; },
    set: (time: string | number) => { now = typeof time === 'number' ? time : Date.parse(time); },
    iso: () => new Date(now).toISOString(),
  };
}

/** A repository's effective rules and channels (app/effective-rules.ts): pager-named channels are PagerDuty, the rest Slack. */
export function anEffectiveRules(rules: Rule[], channels = ['team-slack', 'pager'], mentions: EffectiveRules['mentions'] = {}): EffectiveRules {
  const defs = channels.map((name) => aChannel({ name, type: name === 'pager' ? 'pagerduty' : 'slack' }));
  return {
    doc: aRulesDoc({ channels: defs, rules }),
    channels: new Map(defs.map((def) => [def.name, { def: { name: def.name, type: def.type, config: {}, secretHints: {} }, scope: 'r', inherited: false }])),
    usingDefaults: false,
    mentions,
  };
}
