import { evaluateBuild, evaluateDeployment, HISTORY_LENGTH, type BuildMemory } from '../../../src/core/alerts/state-machine';
import type { Alert } from '../../../src/core/alerts/alert';
import { isIgnored, type BuildState, type RepoEvent } from '../../../src/core/events/repo-event';
import { normalize } from '../../../src/core/events';
import {
  aBuildEvent, aDeploymentEvent, COMMIT_A, COMMIT_B, COMMIT_C, isoAt, type BuildEventOverrides,
} from '../../helpers/builders';
import { loadFixture } from '../../helpers/fixtures';

/** One step: a build state at minute `t` (commit A unless given). */
type Step = [BuildState, number, string?];

interface Run {
  /** Per step: the alert types raised ('' when none). */
  types: string[];
  /** Per step: did the caller have to write? */
  writes: boolean[];
  alerts: Alert[];
  memory: BuildMemory | undefined;
}

function run(steps: Step[], extra: BuildEventOverrides = {}, start?: BuildMemory): Run {
  let memory = start;
  const out: Run = { types: [], writes: [], alerts: [], memory };
  for (const [state, t, commit] of steps) {
    const { alerts, next } = evaluateBuild(memory, aBuildEvent({ ...extra, state, at: isoAt(t), commit: commit ?? COMMIT_A }));
    out.types.push(alerts.map((a) => a.type).join(','));
    out.writes.push(next !== undefined);
    out.alerts.push(...alerts);
    if (next) memory = next;
  }
  out.memory = memory;
  return out;
}

describe('evaluateBuild transitions', () => {
  const table: { name: string; steps: Step[]; types: string[]; writes: boolean[] }[] = [
    { name: 'first failure', steps: [['FAILED', 0]], types: ['build.failed'], writes: [true] },
    { name: 'failure after success', steps: [['SUCCESSFUL', 0], ['FAILED', 1]], types: ['', 'build.failed'], writes: [true, true] },
    { name: 'failure after failure', steps: [['FAILED', 0], ['FAILED', 1, COMMIT_B]], types: ['build.failed', 'build.still-failing'], writes: [true, true] },
    {
      name: 'fixed after a streak',
      steps: [['FAILED', 0], ['FAILED', 1, COMMIT_B], ['FAILED', 2, COMMIT_C], ['SUCCESSFUL', 30, COMMIT_C]],
      types: ['build.failed', 'build.still-failing', 'build.still-failing', 'build.fixed'],
      writes: [true, true, true, true],
    },
    { name: 'success with nothing known writes once', steps: [['SUCCESSFUL', 0]], types: [''], writes: [true] },
    { name: 'success after success writes nothing', steps: [['SUCCESSFUL', 0], ['SUCCESSFUL', 1, COMMIT_B]], types: ['', ''], writes: [true, false] },
    { name: 'in progress never writes', steps: [['INPROGRESS', 0], ['FAILED', 1], ['INPROGRESS', 2]], types: ['build.started', 'build.failed', 'build.started'], writes: [false, true, false] },
    {
      name: 'flapping',
      steps: [['FAILED', 0], ['SUCCESSFUL', 1], ['FAILED', 2], ['SUCCESSFUL', 3], ['FAILED', 4]],
      types: ['build.failed', 'build.fixed', 'build.failed', 'build.fixed', 'build.failed'],
      writes: [true, true, true, true, true],
    },
    {
      name: 'stopped inside a failing streak keeps the streak',
      steps: [['FAILED', 0], ['STOPPED', 1, COMMIT_B], ['FAILED', 2, COMMIT_C]],
      types: ['build.failed', 'build.stopped', 'build.still-failing'], writes: [true, true, true],
    },
    {
      name: 'stopped then success ends the streak',
      steps: [['FAILED', 0], ['STOPPED', 1, COMMIT_B], ['SUCCESSFUL', 2, COMMIT_C]],
      types: ['build.failed', 'build.stopped', 'build.fixed'], writes: [true, true, true],
    },
    {
      name: 'stopped on a healthy branch is not a failure',
      steps: [['SUCCESSFUL', 0], ['STOPPED', 1, COMMIT_B], ['SUCCESSFUL', 2, COMMIT_C], ['FAILED', 3, COMMIT_C]],
      types: ['', 'build.stopped', '', 'build.failed'], writes: [true, true, true, true],
    },
    {
      name: 'rerun of a failed commit fails again, then passes',
      steps: [['FAILED', 0], ['FAILED', 5], ['SUCCESSFUL', 9]],
      types: ['build.failed', 'build.still-failing', 'build.fixed'], writes: [true, true, true],
    },
    { name: 'older event is dropped', steps: [['FAILED', 10], ['SUCCESSFUL', 5]], types: ['build.failed', ''], writes: [true, false] },
    { name: 'late started is dropped', steps: [['FAILED', 10], ['INPROGRESS', 5]], types: ['build.failed', ''], writes: [true, false] },
    { name: 'exact repeat is dropped', steps: [['FAILED', 0], ['FAILED', 0]], types: ['build.failed', ''], writes: [true, false] },
    {
      name: 'same time, other commit is not a repeat',
      steps: [['FAILED', 0], ['FAILED', 0, COMMIT_B]], types: ['build.failed', 'build.still-failing'], writes: [true, true],
    },
    {
      name: 'out-of-order flapping keeps the newest truth',
      steps: [['FAILED', 1], ['FAILED', 3, COMMIT_C], ['SUCCESSFUL', 2, COMMIT_B], ['SUCCESSFUL', 4, COMMIT_C]],
      types: ['build.failed', 'build.still-failing', '', 'build.fixed'], writes: [true, true, false, true],
    },
    {
      name: 'a failure older than a recorded fix is dropped',
      steps: [['FAILED', 1], ['SUCCESSFUL', 5, COMMIT_B], ['FAILED', 3]],
      types: ['build.failed', 'build.fixed', ''], writes: [true, true, false],
    },
  ];

  test.each(table)('$name', ({ steps, types, writes }) => {
    const r = run(steps);
    expect(r.types).toEqual(types);
    expect(r.writes).toEqual(writes);
  });
});

describe('evaluateBuild details', () => {
  test('counts failures in a row and remembers when the streak began', () => {
    const r = run([['SUCCESSFUL', 0], ['FAILED', 10], ['FAILED', 20, COMMIT_B], ['FAILED', 30, COMMIT_C]]);
    expect(r.alerts.map((a) => a.failures)).toEqual([
      { count: 1, since: isoAt(10) }, { count: 2, since: isoAt(10) }, { count: 3, since: isoAt(10) },
    ]);
    expect(r.memory).toMatchObject({ state: 'FAILED', failures: 3, failingSince: isoAt(10), commit: COMMIT_C, at: isoAt(30) });
  });

  test('fixed carries the streak and how long the build was broken', () => {
    const r = run([['FAILED', 10], ['FAILED', 20, COMMIT_B], ['SUCCESSFUL', 70, COMMIT_C]]);
    const fixed = r.alerts[2]!;
    expect(fixed.type).toBe('build.fixed');
    expect(fixed.brokenForMs).toBe(60 * 60_000);
    expect(fixed.failures).toEqual({ count: 2, since: isoAt(10) });
    expect(fixed.previous).toEqual({ state: 'FAILED', at: isoAt(20), commit: COMMIT_B });
    expect(r.memory).toMatchObject({ state: 'SUCCESSFUL', failures: 0, failingSince: null });
  });

  test('stopped keeps failures and failingSince, and tells the streak', () => {
    const r = run([['FAILED', 0], ['FAILED', 1, COMMIT_B], ['STOPPED', 2, COMMIT_C]]);
    expect(r.alerts[2]!.failures).toEqual({ count: 2, since: isoAt(0) });
    expect(r.memory).toMatchObject({ state: 'STOPPED', failures: 2, failingSince: isoAt(0) });
  });

  test('in progress leaves the memory object untouched', () => {
    const before = run([['FAILED', 0]]).memory!;
    const snapshot = structuredClone(before);
    const { alerts, next } = evaluateBuild(before, aBuildEvent({ state: 'INPROGRESS', at: isoAt(1) }));
    expect(next).toBeUndefined();
    expect(alerts[0]!.previous).toEqual({ state: 'FAILED', at: isoAt(0), commit: COMMIT_A });
    expect(before).toEqual(snapshot);
  });

  test('first alert has no previous state', () => {
    expect(run([['FAILED', 0]]).alerts[0]!.previous).toBeNull();
  });

  test('history keeps the last states, oldest first, capped', () => {
    const steps: Step[] = Array.from({ length: HISTORY_LENGTH + 3 }, (_, i) => [i % 2 ? 'SUCCESSFUL' : 'FAILED', i] as Step);
    const history = run(steps).memory!.history!;
    expect(history).toHaveLength(HISTORY_LENGTH);
    expect(history[0]!.at).toBe(isoAt(3));
    expect(history[HISTORY_LENGTH - 1]).toEqual({
      state: 'FAILED', at: isoAt(HISTORY_LENGTH + 2), commit: COMMIT_A, url: 'https://bitbucket.org/acme/widgets/pipelines/results/42',
    });
  });

  test('a new streak forgets the reminders of the last one', () => {
    const start: BuildMemory = { ...run([['SUCCESSFUL', 0]]).memory!, remindedAt: { r: isoAt(0) }, lastRemindedAt: isoAt(0) };
    const { next } = evaluateBuild(start, aBuildEvent({ state: 'FAILED', at: isoAt(1) }));
    expect(next!.remindedAt).toBeUndefined();
    expect(next!.lastRemindedAt).toBeUndefined();
  });

  test('payload without a time: the alert uses receivedAt, ordering is skipped', () => {
    const first = evaluateBuild(undefined, aBuildEvent({ state: 'FAILED', occurredAt: null }), { receivedAt: isoAt(3) });
    expect(first.alerts[0]!.occurredAt).toBe(isoAt(3));
    expect(first.next!.failingSince).toBe(isoAt(3));
    const again = evaluateBuild(first.next, aBuildEvent({ state: 'FAILED', occurredAt: null }), { receivedAt: isoAt(4) });
    expect(again.alerts).toEqual([]);
  });

  test('times are normalised, so the same moment in other precisions is a repeat', () => {
    const a = evaluateBuild(undefined, aBuildEvent({ state: 'FAILED', at: '2025-01-31T00:42:46.866Z' }));
    const b = evaluateBuild(a.next, aBuildEvent({ state: 'FAILED', at: '2025-01-31T00:42:46.866793Z' }));
    expect(b).toEqual({ alerts: [], next: undefined, reason: 'duplicate' });
  });

});

describe('alert identity', () => {
  test('incidentKey is shared by failed, still-failing and fixed of one ref and key', () => {
    const r = run([['FAILED', 0], ['FAILED', 1, COMMIT_B], ['STOPPED', 2], ['SUCCESSFUL', 3]]);
    expect(new Set(r.alerts.map((a) => a.incidentKey)).size).toBe(1);
    expect(r.alerts[0]!.incidentKey).toBe('bb:15a31549-1cff-45dc-9d0d-310114c5038b:b:main:pipeline-key-main');
  });

  test('incidentKey differs across refs, keys and repositories', () => {
    const key = (o: BuildEventOverrides) => evaluateBuild(undefined, aBuildEvent({ state: 'FAILED', ...o })).alerts[0]!.incidentKey;
    const keys = [
      key({}),
      key({ ref: 'develop' }),
      key({ key: 'other-build' }),
      key({ repository: { uuid: '{00000000-1cff-45dc-9d0d-310114c5038b}' } }),
    ];
    expect(new Set(keys).size).toBe(keys.length);
  });

  test('incidentKey stays short and key-safe for long or odd names', () => {
    const long = evaluateBuild(undefined, aBuildEvent({ state: 'FAILED', ref: `feature/${'ü'.repeat(300)}`, key: 'k/'.repeat(400) })).alerts[0]!;
    expect(long.incidentKey.length).toBeLessThanOrEqual(300);
    expect(long.incidentKey).toMatch(/^[A-Za-z0-9:._\-#~]+$/);
  });

  test('a redelivered event raises the same alert id; another time or type does not', () => {
    const ev = aBuildEvent({ state: 'FAILED', at: isoAt(5) });
    const id1 = evaluateBuild(undefined, ev).alerts[0]!.id;
    const id2 = evaluateBuild(undefined, structuredClone(ev)).alerts[0]!.id;
    const later = evaluateBuild(undefined, aBuildEvent({ state: 'FAILED', at: isoAt(6) })).alerts[0]!.id;
    const stopped = evaluateBuild(undefined, aBuildEvent({ state: 'STOPPED', at: isoAt(5) })).alerts[0]!.id;
    expect(id1).toBe(id2);
    expect(new Set([id1, later, stopped]).size).toBe(3);
  });

  test('links: build, commit and repository (Cloud)', () => {
    const a = run([['FAILED', 0]]).alerts[0]!;
    expect(a.links).toEqual({
      build: 'https://bitbucket.org/acme/widgets/pipelines/results/42',
      commit: `https://bitbucket.org/acme/widgets/commits/${COMMIT_A}`,
      repository: 'https://bitbucket.org/acme/widgets',
    });
  });

  test('links: Data Center repository link ending in /browse', () => {
    const a = evaluateBuild(undefined, aBuildEvent({
      state: 'FAILED', source: 'server-webhook',
      repository: { uuid: null, fullName: 'PRJ/widgets', url: 'https://bitbucket.example.com/projects/PRJ/repos/widgets/browse' },
    })).alerts[0]!;
    expect(a.links.commit).toBe(`https://bitbucket.example.com/projects/PRJ/repos/widgets/commits/${COMMIT_A}`);
    expect(a.incidentKey.startsWith('bb:n-prj#2fwidgets:b:')).toBe(true);
  });

  test('links: Forge event without repository url but with a full name, and without either', () => {
    const named = evaluateBuild(undefined, aBuildEvent({ state: 'FAILED', repository: { url: null } })).alerts[0]!;
    expect(named.links.repository).toBe('https://bitbucket.org/acme/widgets');
    const bare = evaluateBuild(undefined, aBuildEvent({ state: 'FAILED', repository: { url: null, fullName: null } })).alerts[0]!;
    expect(bare.links).toEqual({ build: 'https://bitbucket.org/acme/widgets/pipelines/results/42', commit: null, repository: null });
  });

  test('a real Forge build-status payload raises build.failed for its commit and ref', () => {
    const normalized = normalize({ body: loadFixture('forge-build-status-created-failed.atlassian-docs.json') });
    if (!normalized.ok || Array.isArray(normalized.value) || isIgnored(normalized.value)) throw new Error('fixture did not normalize to one event');
    const event: RepoEvent = normalized.value;
    if (event.kind !== 'build') throw new Error(`fixture normalized to a ${event.kind} event`);
    const { alerts, next } = evaluateBuild(undefined, event);
    expect(alerts).toHaveLength(1);
    expect(alerts[0]).toMatchObject({
      type: 'build.failed', ref: 'main',
      build: { key: 'my-build1', commit: 'b88c4b490b648bf960eba6f59123456797960e55' },
      links: { build: 'https://some.url.com' },
    });
    expect(alerts[0]!.incidentKey).toBe('bb:15a31549-1cff-45dc-9d0d-310114c5038b:b:main:my-build1');
    expect(next).toMatchObject({ state: 'FAILED', failures: 1 });
    expect(evaluateBuild(next, event)).toEqual({ alerts: [], next: undefined, reason: 'duplicate' });
  });
});

describe('evaluateDeployment', () => {
  type DStep = ['FAILED' | 'SUCCESSFUL' | 'PENDING' | 'STARTED' | 'STOPPED', number];
  function runD(steps: DStep[], environment?: string) {
    let memory: BuildMemory | undefined;
    const types: string[] = [];
    const writes: boolean[] = [];
    const alerts: Alert[] = [];
    for (const [state, t] of steps) {
      const r = evaluateDeployment(memory, aDeploymentEvent({ state, at: isoAt(t), ...(environment ? { environmentUuid: environment } : {}) }));
      types.push(r.alerts.map((a) => a.type).join(','));
      writes.push(r.next !== undefined);
      alerts.push(...r.alerts);
      if (r.next) memory = r.next;
    }
    return { types, writes, alerts, memory };
  }

  test.each([
    { name: 'first failure', steps: [['FAILED', 0]] as DStep[], types: ['deployment.failed'], writes: [true] },
    { name: 'failure after failure raises deployment.failed again', steps: [['FAILED', 0], ['FAILED', 1]] as DStep[], types: ['deployment.failed', 'deployment.failed'], writes: [true, true] },
    { name: 'fixed after failure', steps: [['FAILED', 0], ['SUCCESSFUL', 9]] as DStep[], types: ['deployment.failed', 'deployment.fixed'], writes: [true, true] },
    { name: 'success after success writes nothing', steps: [['SUCCESSFUL', 0], ['SUCCESSFUL', 1]] as DStep[], types: ['', ''], writes: [true, false] },
    { name: 'pending, started and stopped change nothing', steps: [['PENDING', 0], ['STARTED', 1], ['STOPPED', 2]] as DStep[], types: ['', '', ''], writes: [false, false, false] },
    { name: 'stopped does not end a failing streak', steps: [['FAILED', 0], ['STOPPED', 1], ['SUCCESSFUL', 2]] as DStep[], types: ['deployment.failed', '', 'deployment.fixed'], writes: [true, false, true] },
    { name: 'older event dropped', steps: [['FAILED', 5], ['SUCCESSFUL', 1]] as DStep[], types: ['deployment.failed', ''], writes: [true, false] },
    { name: 'exact repeat dropped', steps: [['FAILED', 5], ['FAILED', 5]] as DStep[], types: ['deployment.failed', ''], writes: [true, false] },
  ])('$name', ({ steps, types, writes }) => {
    const r = runD(steps);
    expect(r.types).toEqual(types);
    expect(r.writes).toEqual(writes);
  });

  test('streak count, brokenForMs and one incident per environment', () => {
    const r = runD([['FAILED', 0], ['FAILED', 10], ['SUCCESSFUL', 25]]);
    expect(r.alerts.map((a) => a.failures?.count)).toEqual([1, 2, 2]);
    expect(r.alerts[2]!.brokenForMs).toBe(25 * 60_000);
    expect(new Set(r.alerts.map((a) => a.incidentKey)).size).toBe(1);
    expect(r.alerts[0]!.ref).toBeNull();
    const staging = runD([['FAILED', 0]], '{7a1b2c3d-0000-4000-8000-000000000002}');
    expect(staging.alerts[0]!.incidentKey).not.toBe(r.alerts[0]!.incidentKey);
    expect(r.alerts[0]!.incidentKey).toBe('bb:15a31549-1cff-45dc-9d0d-310114c5038b:d:7a1b2c3d-0000-4000-8000-000000000001');
  });
});
