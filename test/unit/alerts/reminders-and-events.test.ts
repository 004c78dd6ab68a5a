import { alertsForEvent } from '../../../src/core/alerts/event-alerts';
import { dueReminder, evaluateBuild } from '../../../src/core/alerts/state-machine';
import {
  aBuildEvent, aBuildMemory, aDeploymentEvent, aPullRequestEvent, aPushChange, aPushEvent, aRule, COMMIT_A, COMMIT_B,
  fakeClock, isoAt,
} from '../../helpers/builders';

const MIN = 60_000;

describe('dueReminder', () => {
  const rule = aRule({ name: 'nag', remindEvery: '4h' });

  test('not due before remindEvery has passed since the last failure', () => {
    const clock = fakeClock(isoAt(0));
    clock.advance(4 * 60 * MIN - 1);
    expect(dueReminder(aBuildMemory(), rule, clock.now())).toBeNull();
  });

  test('due at remindEvery: a still-failing reminder timed at the due moment', () => {
    const memory = aBuildMemory({ failures: 2, at: isoAt(30), failingSince: isoAt(0) });
    const due = dueReminder(memory, rule, Date.parse(isoAt(30 + 240 + 7)));
    expect(due).not.toBeNull();
    expect(due!.alert).toMatchObject({
      type: 'build.still-failing', reminder: true, occurredAt: isoAt(270), ref: 'main',
      failures: { count: 2, since: isoAt(0) },
      incidentKey: 'bb:15a31549-1cff-45dc-9d0d-310114c5038b:b:main:pipeline-key-main',
      links: { commit: `https://bitbucket.org/acme/widgets/commits/${COMMIT_A}` },
    });
    expect(due!.next.remindedAt).toEqual({ nag: isoAt(277) });
    expect(due!.next.lastRemindedAt).toBe(isoAt(277));
  });

  test('the same due reminder has the same id on a retried tick', () => {
    const memory = aBuildMemory();
    const a = dueReminder(memory, rule, Date.parse(isoAt(241)));
    const b = dueReminder(memory, rule, Date.parse(isoAt(250)));
    expect(a!.alert.id).toBe(b!.alert.id);
  });

  test('after a reminder the next one waits another interval, and a long pause sends one, not a burst', () => {
    const clock = fakeClock(isoAt(24 * 60));
    const first = dueReminder(aBuildMemory(), rule, clock.now());
    expect(first).not.toBeNull();
    expect(dueReminder(first!.next, rule, clock.now())).toBeNull();
    clock.advance(4 * 60 * MIN);
    expect(dueReminder(first!.next, rule, clock.now())).not.toBeNull();
  });

  test('rules remind on their own clocks', () => {
    const hourly = aRule({ name: 'hourly', remindEvery: '1h' });
    const now = Date.parse(isoAt(240));
    const h = dueReminder(aBuildMemory(), hourly, now)!;
    expect(dueReminder(h.next, rule, now)).not.toBeNull();
  });

  test('a new build event restarts the wait', () => {
    const { next } = evaluateBuild(aBuildMemory(), aBuildEvent({ state: 'FAILED', at: isoAt(200), commit: COMMIT_B }));
    expect(dueReminder(next, rule, Date.parse(isoAt(250)))).toBeNull();
    expect(dueReminder(next, rule, Date.parse(isoAt(440)))).not.toBeNull();
  });

  test.each([
    { name: 'no memory', memory: undefined, r: rule },
    { name: 'not failing', memory: aBuildMemory({ state: 'SUCCESSFUL', failures: 0, failingSince: null }), r: rule },
    { name: 'rule without remindEvery', memory: aBuildMemory(), r: aRule() },
    { name: 'disabled rule', memory: aBuildMemory(), r: aRule({ remindEvery: '4h', enabled: false }) },
    { name: 'below failAfter (never announced)', memory: aBuildMemory({ failures: 2 }), r: aRule({ remindEvery: '4h', failAfter: 3 }) },
    { name: 'rule not about failures', memory: aBuildMemory(), r: aRule({ on: ['push'], remindEvery: '4h' }) },
    { name: 'memory without build details', memory: aBuildMemory({ build: undefined }), r: rule },
  ])('no reminder: $name', ({ memory, r }) => {
    expect(dueReminder(memory, r, Date.parse(isoAt(10_000)))).toBeNull();
  });
});

describe('alertsForEvent', () => {
  test('one push alert per branch change, with the branch as ref', () => {
    const alerts = alertsForEvent(aPushEvent({
      changes: [aPushChange({ name: 'main' }), aPushChange({ name: 'develop', action: 'created', before: null })],
    }));
    expect(alerts.map((a) => [a.type, a.ref])).toEqual([['push', 'main'], ['push', 'develop']]);
    expect(alerts[0]!.push!.changes).toHaveLength(1);
    expect(alerts[0]!.links.commit).toBe(`https://bitbucket.org/acme/widgets/commits/${COMMIT_B}`);
    expect(alerts[0]!.incidentKey).not.toBe(alerts[1]!.incidentKey);
  });

  test('created tags raise tag; deleted tags raise nothing', () => {
    const alerts = alertsForEvent(aPushEvent({
      changes: [
        aPushChange({ refType: 'tag', name: 'v1.2.0', action: 'created', before: null }),
        aPushChange({ refType: 'tag', name: 'v1.1.0', action: 'deleted', after: null }),
      ],
    }));
    expect(alerts.map((a) => [a.type, a.ref])).toEqual([['tag', 'v1.2.0']]);
  });

  test.each([
    ['created', 'pr.opened'],
    ['merged', 'pr.merged'],
    ['declined', 'pr.declined'],
  ] as const)('pull request %s → %s, ref is the destination', (action, type) => {
    const [alert, ...rest] = alertsForEvent(aPullRequestEvent({ action }));
    expect(rest).toEqual([]);
    expect(alert).toMatchObject({ type, ref: 'main', links: { pullRequest: 'https://bitbucket.org/acme/widgets/pull-requests/7' } });
  });

  test.each(['updated', 'commented', 'approved', 'deleted'] as const)('pull request %s raises nothing', (action) => {
    expect(alertsForEvent(aPullRequestEvent({ action }))).toEqual([]);
  });

  test('build and deployment events are left to the state machine', () => {
    expect(alertsForEvent(aBuildEvent({ state: 'FAILED' }))).toEqual([]);
    expect(alertsForEvent(aDeploymentEvent({ state: 'FAILED' }))).toEqual([]);
  });

  test('redelivery gives the same ids; a payload without time uses receivedAt', () => {
    const ev = aPushEvent({ at: isoAt(3) });
    expect(alertsForEvent(ev)[0]!.id).toBe(alertsForEvent(structuredClone(ev))[0]!.id);
    const timeless = alertsForEvent(aPushEvent({ occurredAt: null }), { receivedAt: isoAt(9) });
    expect(timeless[0]!.occurredAt).toBe(isoAt(9));
  });
});
