/** The pure delivery plan of an evaluation (src/app/delivery-plan.ts), on plain objects. */
import { matchAlerts, planDeliveries, type DeliveryPlanInput } from '../../../src/app/delivery-plan';
import type { EffectiveRules } from '../../../src/app/effective-rules';
import type { Rule } from '../../../src/core/rules';
import type { BuildAlert } from '../../../src/core/alerts/alert';
import { aRule, anAlert, anEffectiveRules } from '../../helpers/builders';

const NOW = Date.parse('2025-03-01T12:00:00Z');

const effective = (rules: Rule[]): EffectiveRules => anEffectiveRules(rules, undefined, { repository: { 'jane@acme.example': { slack: 'U0123ABCD' } } });

function plan(rules: Rule[], alerts = [anAlert({ type: 'build.failed' })], over: Partial<DeliveryPlanInput> = {}) {
  const eff = effective(rules);
  const matched = matchAlerts(eff.doc, alerts, { mainBranch: 'main', now: NOW, knownChannels: [...eff.channels.keys()] });
  return planDeliveries({ repo: 'r', workspace: null, fullName: 'acme/widgets', stateKey: 'state:r:b:main:ci', effective: eff, matched, enriched: alerts, snoozes: [], now: NOW, ...over });
}

test('one delivery per alert and channel, even when two rules send it there (the first rule wins)', () => {
  const p = plan([aRule({ name: 'first', channels: ['team-slack'] }), aRule({ name: 'second', channels: ['team-slack', 'pager'] })]);
  expect(p.deliveries.map((d) => [d.rule, d.channel])).toEqual([['first', 'team-slack'], ['second', 'pager']]);
  expect(p.outcomes).toEqual([{ type: 'build.failed', sent: [{ rule: 'first', channels: ['team-slack'] }, { rule: 'second', channels: ['pager'] }] }]);
});

test('no matching rule and fail-after are named reasons', () => {
  expect(plan([aRule({ branches: ['release/**'] })]).outcomes).toEqual([{ type: 'build.failed', sent: [], reason: 'no-matching-rule' }]);
  expect(plan([aRule({ failAfter: 3 })]).outcomes[0]!.reason).toBe('fail-after');
});

test('a snoozed rule sends nothing and says so; a fix ends "until fixed" snoozes on its branch', () => {
  const snoozes = [{ target: { rule: 'main is broken' }, until: null, untilFixed: true }, { target: { branch: 'main' }, until: null, untilFixed: true }];
  const snoozed = plan([aRule()], [anAlert({ type: 'build.failed' })], { snoozes });
  expect(snoozed.deliveries).toEqual([]);
  expect(snoozed.outcomes[0]).toMatchObject({ sent: [], reason: 'snoozed' });
  expect(snoozed.snoozesAfter).toBeNull();
  const fixed = plan([aRule()], [anAlert({ type: 'build.fixed', ref: 'main' })], { snoozes });
  expect(fixed.snoozesAfter).toEqual([{ target: { rule: 'main is broken' }, until: null, untilFixed: true }]);
});

test('remindEvery schedules a reminder for a failure; groupWait holds the delivery in a group', () => {
  const p = plan([aRule({ remindEvery: '1h', groupWait: '30s' })]);
  expect(p.reminders).toHaveLength(1);
  expect(p.reminders[0]!.body).toMatchObject({ type: 'remind', repo: 'r', rule: 'main is broken', dueAt: NOW + 3_600_000, fullName: 'acme/widgets' });
  expect(p.deliveries).toEqual([]);
  expect(p.groupWaits.map((g) => g.waitMs)).toEqual([30_000]);
});

test('a fix whose rule also sends failures waits for its failure; logTail: false strips the log; people get their handles', () => {
  const alert = anAlert({ type: 'build.fixed' }) as BuildAlert;
  const withLog: BuildAlert = { ...alert, logTail: { lines: ['boom'], truncated: false }, build: { ...alert.build, author: { name: 'Jane', accountId: null, uuid: null, email: 'jane@acme.example' } } };
  const p = plan([aRule({ logTail: false })], [withLog]);
  expect(p.deliveries).toHaveLength(1);
  expect(p.deliveries[0]).toMatchObject({ awaitsFailure: true, alert: { logTail: null } });
  expect(p.deliveries[0]!.people?.some((person) => person.handles?.slack === 'U0123ABCD')).toBe(true);
});

test('quiet hours hold the delivery until they end', () => {
  const p = plan([aRule({ quietHours: { from: '00:00', to: '23:59', timezone: 'UTC' } })]);
  expect(p.deliveries[0]!.notBefore).toBeGreaterThan(NOW);
});
