/** The pure reminder decision (src/app/remind.ts `decideReminder`), on plain objects. */
import { decideReminder, type ReminderBody, type ReminderSnapshot } from '../../../src/app/remind';
import type { Rule } from '../../../src/core/rules';
import { aBuildMemory, aRule, anEffectiveRules, BASE_TIME } from '../../helpers/builders';

const FAILED_AT = Date.parse(BASE_TIME);
const HOUR = 3600_000;

const effective = (rules: Rule[]) => anEffectiveRules(rules);

const reminding = (o: Partial<Rule> = {}) => aRule({ name: 'remind', channels: ['team-slack', 'pager'], remindEvery: '1h', ...o });
const body = (o: Partial<ReminderBody> = {}): ReminderBody =>
  ({ type: 'remind', repo: '{r}', fullName: 'acme/widgets', workspace: null, stateKey: 'state:r:b:main:ci', rule: 'remind', dueAt: FAILED_AT + HOUR, ...o });
const snapshot = (o: Partial<ReminderSnapshot> = {}): ReminderSnapshot =>
  ({ memory: aBuildMemory(), effective: effective([reminding()]), knownName: null, ...o });

test('not due yet: wait until it is, without needing anything loaded', () => {
  const d = decideReminder(body(), { memory: undefined, effective: null, knownName: null }, FAILED_AT + HOUR - 90_000);
  expect(d).toEqual({ kind: 'wait', reason: 'not-due', afterSeconds: 90 });
});

test('due and still failing: a still-failing reminder to each of the rule\'s channels, the memory advanced, the next check queued', () => {
  const now = FAILED_AT + HOUR;
  const d = decideReminder(body(), snapshot(), now);
  if (d.kind !== 'continue') throw new Error(`expected continue, got ${d.kind}`);
  expect(d.deliveries.map((j) => [j.channel, j.rule, j.alert.type, j.alert.reminder])).toEqual([
    ['team-slack', 'remind', 'build.still-failing', true],
    ['pager', 'remind', 'build.still-failing', true],
  ]);
  expect(d.memory?.remindedAt).toEqual({ remind: new Date(now).toISOString() });
  expect(d.next.body).toMatchObject({ type: 'remind', rule: 'remind', dueAt: now + HOUR });
});

test('fixed or forgotten builds stop reminding, and say why', () => {
  const now = FAILED_AT + HOUR;
  expect(decideReminder(body(), snapshot({ memory: aBuildMemory({ state: 'SUCCESSFUL', failures: 0 }) }), now)).toEqual({ kind: 'stop', reason: 'not-failing' });
  expect(decideReminder(body(), snapshot({ memory: undefined }), now)).toEqual({ kind: 'stop', reason: 'not-failing' });
});

test('a rule that is gone, disabled or no longer reminds stops the reminders', () => {
  const now = FAILED_AT + HOUR;
  for (const rules of [[], [reminding({ enabled: false })], [reminding({ remindEvery: undefined })]]) {
    expect(decideReminder(body(), snapshot({ effective: effective(rules) }), now)).toEqual({ kind: 'stop', reason: 'reminder-off' });
  }
  expect(decideReminder(body(), snapshot({ effective: null }), now)).toEqual({ kind: 'stop', reason: 'reminder-off' });
});

test('a rule with logTail: false keeps the log out of its reminders', () => {
  const memory = aBuildMemory();
  const d = decideReminder(body(), snapshot({ memory, effective: effective([reminding({ logTail: false })]) }), FAILED_AT + HOUR);
  if (d.kind !== 'continue') throw new Error(`expected continue, got ${d.kind}`);
  expect(d.deliveries.every((j) => j.alert.logTail === null)).toBe(true);
});

test('an old job without the repository name takes it from the repository record for the next check', () => {
  const d = decideReminder(body({ fullName: undefined }), snapshot({ knownName: 'acme/widgets' }), FAILED_AT + HOUR);
  if (d.kind !== 'continue') throw new Error(`expected continue, got ${d.kind}`);
  expect(d.next.body).toMatchObject({ fullName: 'acme/widgets' });
});

test('checked early after a newer failure moved the clock: nothing sent now, the check goes on', () => {
  const later = new Date(FAILED_AT + 30 * 60_000).toISOString();
  const d = decideReminder(body(), snapshot({ memory: aBuildMemory({ at: later, failures: 2 }) }), FAILED_AT + HOUR);
  expect(d).toMatchObject({ kind: 'continue', memory: null, deliveries: [] });
});
