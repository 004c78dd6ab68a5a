import type { Alert, AlertType, RuleEvent } from '../../../src/core/alerts/alert';
import { evaluateBuild, type BuildMemory } from '../../../src/core/alerts/state-machine';
import {
  branchMatches, buildMatches, defaultRulesDocument, matchRules, previewBranches, type Rule,
} from '../../../src/core/rules';
import { aBuildEvent, aChannel, anAlert, aRule, aRulesDoc, COMMIT_A, isoAt } from '../../helpers/builders';

const NOW = Date.parse('2025-01-15T12:00:00Z');
const opts = { mainBranch: 'main', now: NOW };
const names = (doc = aRulesDoc(), alert: Alert = anAlert(), o: Partial<typeof opts> & { knownChannels?: string[] } = {}) =>
  matchRules(doc, alert, { ...opts, ...o }).map((m) => m.rule.name);

describe('branch globs', () => {
  test.each([
    { globs: undefined, excludes: undefined, branch: 'anything/at/all', main: 'main', expected: true },
    { globs: ['@default'], excludes: undefined, branch: 'main', main: 'main', expected: true },
    { globs: ['@default'], excludes: undefined, branch: 'master', main: 'main', expected: false },
    { globs: ['@default'], excludes: undefined, branch: 'develop', main: 'develop', expected: true },
    { globs: ['@default'], excludes: undefined, branch: 'master', main: null, expected: true },
    { globs: ['@default'], excludes: undefined, branch: 'develop', main: null, expected: false },
    { globs: ['release/**'], excludes: undefined, branch: 'release/1.2', main: 'main', expected: true },
    { globs: ['release/**'], excludes: undefined, branch: 'release/1.2/hotfix', main: 'main', expected: true },
    { globs: ['release/*'], excludes: undefined, branch: 'release/1.2/hotfix', main: 'main', expected: false },
    { globs: ['*'], excludes: undefined, branch: 'feature/x', main: 'main', expected: false },
    { globs: ['**'], excludes: undefined, branch: 'feature/x', main: 'main', expected: true },
    { globs: ['release/**'], excludes: ['release/old-*'], branch: 'release/old-1', main: 'main', expected: false },
    { globs: undefined, excludes: ['@default'], branch: 'main', main: 'main', expected: false },
    { globs: ['main'], excludes: ['main'], branch: 'main', main: 'main', expected: false },
    { globs: ['feature/{a,b}'], excludes: [], branch: 'feature/b', main: 'main', expected: true },
  ])('$globs minus $excludes on $branch (main: $main) → $expected', ({ globs, excludes, branch, main, expected }) => {
    expect(branchMatches(globs, excludes, branch, main)).toBe(expected);
  });

  test('previewBranches lists what the globs select, in the given order', () => {
    const branches = ['main', 'develop', 'release/1.2', 'release/1.3', 'release/old', 'feature/x'];
    expect(previewBranches(['@default', 'release/**'], ['release/old'], branches, 'main')).toEqual(['main', 'release/1.2', 'release/1.3']);
    expect(previewBranches([], undefined, branches, 'main')).toEqual(branches);
    expect(previewBranches(undefined, ['feature/**'], branches, 'main')).toEqual(branches.slice(0, 5));
  });
});

describe('build globs', () => {
  test.each([
    { patterns: undefined, key: 'k', name: null, expected: true },
    { patterns: ['*'], key: 'k', name: 'Pipeline #4 for feature/x', expected: true },
    { patterns: ['Pipeline *'], key: 'abc', name: 'Pipeline #4 for feature/x', expected: true },
    { patterns: ['sonar*'], key: 'sonarcloud', name: 'SonarCloud', expected: true },
    { patterns: ['sonar*'], key: 'pipeline-key', name: 'Pipeline #4 for main', expected: false },
    { patterns: ['jenkins-*'], key: null, name: null, expected: false },
  ])('$patterns on key $key / name $name → $expected', ({ patterns, key, name, expected }) => {
    expect(buildMatches(patterns, { key, name })).toBe(expected);
  });
});

describe('matchRules', () => {
  test('event types via the on list', () => {
    const doc = aRulesDoc({
      rules: [
        aRule({ name: 'failures', on: ['failed'] }),
        aRule({ name: 'fixes', on: ['fixed'] }),
        aRule({ name: 'all build', on: ['failed', 'still-failing', 'fixed', 'stopped', 'started'] }),
        aRule({ name: 'prs', on: ['pr-opened', 'pr-merged'] }),
      ],
    });
    const table: [AlertType, string[]][] = [
      ['build.failed', ['failures', 'all build']],
      ['build.fixed', ['fixes', 'all build']],
      ['build.stopped', ['all build']],
      ['build.started', ['all build']],
      ['pr.opened', ['prs']],
      ['pr.declined', []],
    ];
    for (const [type, expected] of table) expect([type, names(doc, anAlert({ type }))]).toEqual([type, expected]);
  });

  test('every rule event name maps to exactly one alert type', () => {
    const all: RuleEvent[] = ['failed', 'still-failing', 'fixed', 'stopped', 'started', 'deployment-failed', 'deployment-fixed', 'push', 'tag', 'pr-opened', 'pr-merged', 'pr-declined'];
    const doc = aRulesDoc({ rules: all.map((e) => aRule({ name: e, on: [e] })) });
    const types: AlertType[] = ['build.failed', 'build.still-failing', 'build.fixed', 'build.stopped', 'build.started', 'deployment.failed', 'deployment.fixed', 'push', 'tag', 'pr.opened', 'pr.merged', 'pr.declined'];
    expect(types.map((type) => names(doc, anAlert({ type, failures: { count: 2, since: null } })))).toEqual(all.map((e) => [e]));
  });

  test('branches, @default, exclusions and disabled rules', () => {
    const doc = aRulesDoc({
      rules: [
        aRule({ name: 'main', branches: ['@default'] }),
        aRule({ name: 'releases', branches: ['release/**'], excludeBranches: ['release/legacy'] }),
        aRule({ name: 'everything' }),
        aRule({ name: 'off', enabled: false }),
      ],
    });
    expect(names(doc, anAlert({ ref: 'main' }))).toEqual(['main', 'everything']);
    expect(names(doc, anAlert({ ref: 'release/2.0' }))).toEqual(['releases', 'everything']);
    expect(names(doc, anAlert({ ref: 'release/legacy' }))).toEqual(['everything']);
    expect(names(doc, anAlert({ ref: 'trunk' }), { mainBranch: 'trunk' })).toEqual(['main', 'everything']);
    expect(names(doc, anAlert({ ref: null }))).toEqual(['everything']);
  });

  test('builds globs match the key or the name', () => {
    const doc = aRulesDoc({ rules: [aRule({ name: 'pipelines', builds: ['Pipeline *'] }), aRule({ name: 'sonar', builds: ['sonar*'] })] });
    expect(names(doc, anAlert())).toEqual(['pipelines']);
    const sonar = anAlert({ build: { key: 'sonarcloud', name: null, state: 'FAILED', commit: COMMIT_A, ref: 'main', url: null } });
    expect(names(doc, sonar)).toEqual(['sonar']);
  });

  test('tags and deployments are not filtered by branches', () => {
    const doc = aRulesDoc({ rules: [aRule({ name: 'main only', on: ['tag', 'deployment-failed'], branches: ['@default'] })] });
    expect(names(doc, anAlert({ type: 'tag', ref: 'v1.0.0', build: undefined }))).toEqual(['main only']);
    expect(names(doc, anAlert({ type: 'deployment.failed', ref: null, build: undefined }))).toEqual(['main only']);
  });

  test('"@all" expands to the document channels and inherited ones, without duplicates', () => {
    const doc = aRulesDoc({
      channels: [aChannel({ name: 'a' }), aChannel({ name: 'b' })],
      rules: [aRule({ channels: ['b', '@all'] })],
    });
    const [m] = matchRules(doc, anAlert(), { ...opts, knownChannels: ['ws-pager', 'a'] });
    expect(m!.channels).toEqual(['b', 'a', 'ws-pager']);
  });

  test('the default rules: main branch failed and fixed only, to all channels; no channels = nothing', () => {
    const doc = defaultRulesDocument([aChannel({ name: 'slack' })]);
    expect(matchRules(doc, anAlert(), opts).map((m) => m.channels)).toEqual([['slack']]);
    expect(matchRules(doc, anAlert({ ref: 'feature/x' }), opts)).toEqual([]);
    expect(matchRules(doc, anAlert({ type: 'build.still-failing', failures: { count: 2, since: null } }), opts)).toEqual([]);
    expect(matchRules(defaultRulesDocument(), anAlert(), opts)).toEqual([]);
    expect(matchRules(defaultRulesDocument(), anAlert(), { ...opts, knownChannels: ['inherited'] })[0]!.channels).toEqual(['inherited']);
  });

  test('quiet hours hold the alert', () => {
    const doc = aRulesDoc({
      rules: [
        aRule({ name: 'loud' }),
        aRule({ name: 'quiet', quietHours: { from: '11:00', to: '13:30', timezone: 'UTC' } }),
      ],
    });
    expect(matchRules(doc, anAlert(), opts).map((m) => [m.rule.name, m.quietForMs])).toEqual([['loud', 0], ['quiet', 90 * 60_000]]);
  });
});

describe('failAfter gating through real state-machine alerts', () => {
  function alertsFor(states: ('FAILED' | 'SUCCESSFUL')[]): Alert[] {
    let memory: BuildMemory | undefined;
    const out: Alert[] = [];
    states.forEach((state, i) => {
      const r = evaluateBuild(memory, aBuildEvent({ state, at: isoAt(i) }));
      out.push(...r.alerts);
      if (r.next) memory = r.next;
    });
    return out;
  }
  const sent = (rule: Rule, alerts: Alert[]) =>
    alerts.map((a) => matchRules(aRulesDoc({ rules: [rule] }), a, opts).map((m) => m.alert.type).join(','));

  test('failAfter 3 with on [failed, fixed]: silent until the third failure, which goes out as failed', () => {
    const alerts = alertsFor(['FAILED', 'FAILED', 'FAILED', 'FAILED', 'SUCCESSFUL']);
    expect(alerts.map((a) => a.type)).toEqual(['build.failed', 'build.still-failing', 'build.still-failing', 'build.still-failing', 'build.fixed']);
    expect(sent(aRule({ failAfter: 3 }), alerts)).toEqual(['', '', 'build.failed', '', 'build.fixed']);
  });

  test('failAfter 3: a streak of two that recovers sends nothing at all (flaky build)', () => {
    expect(sent(aRule({ failAfter: 3 }), alertsFor(['FAILED', 'FAILED', 'SUCCESSFUL']))).toEqual(['', '', '']);
  });

  test('failAfter 3 with still-failing too: failed once, then still-failing', () => {
    const alerts = alertsFor(['FAILED', 'FAILED', 'FAILED', 'FAILED']);
    expect(sent(aRule({ failAfter: 3, on: ['failed', 'still-failing'] }), alerts)).toEqual(['', '', 'build.failed', 'build.still-failing']);
  });

  test('the promoted alert gets its own deterministic id, other fields unchanged', () => {
    const third = alertsFor(['FAILED', 'FAILED', 'FAILED'])[2]!;
    const [m] = matchRules(aRulesDoc({ rules: [aRule({ failAfter: 3 })] }), third, opts);
    expect(m!.alert.id).not.toBe(third.id);
    expect(m!.alert).toEqual({ ...third, type: 'build.failed', id: m!.alert.id });
    const [again] = matchRules(aRulesDoc({ rules: [aRule({ failAfter: 3 })] }), structuredClone(third), opts);
    expect(again!.alert.id).toBe(m!.alert.id);
  });

  test('failAfter 1 (default): every failure streak and fix goes out', () => {
    expect(sent(aRule(), alertsFor(['FAILED', 'SUCCESSFUL', 'FAILED', 'SUCCESSFUL']))).toEqual(['build.failed', 'build.fixed', 'build.failed', 'build.fixed']);
  });
});
