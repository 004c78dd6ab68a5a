/** The pure groupWait decisions (src/app/grouping.ts), on plain objects. */
import { newDeliveryJob } from '../../../src/app/delivery-jobs';
import { decideJoin, groupedDelivery } from '../../../src/app/grouping';
import { anAlert, aBuildEvent } from '../../helpers/builders';

const NOW = Date.parse('2025-03-01T12:00:00Z');
const channel = { def: { name: 'team-slack', type: 'slack' as const, config: {}, secretHints: {} }, scope: 'r', inherited: false };
const job = (id: string, buildKey: string) =>
  newDeliveryJob({
    repo: 'r', channelName: 'team-slack', channel, rule: 'grouped', now: NOW, holdMs: 0,
    alert: anAlert({ id, type: 'build.failed', build: { ...aBuildEvent({ state: 'FAILED', key: buildKey, name: buildKey }).build } }),
  });

test('the first alert opens the group; the next joins it; a redelivered one changes nothing', () => {
  const a = job('a', 'unit'), b = job('b', 'lint');
  const opened = decideJoin(undefined, a, NOW);
  expect(opened).toEqual({ kind: 'open', record: { jobs: [a], openedAt: NOW } });
  if (opened.kind !== 'open') return;
  const joined = decideJoin(opened.record, b, NOW + 1000);
  expect(joined).toEqual({ kind: 'join', record: { jobs: [a, b], openedAt: NOW } });
  if (joined.kind !== 'join') return;
  expect(decideJoin(joined.record, b, NOW + 2000)).toEqual({ kind: 'redelivered' });
});

test('the group goes out as its first alert, listing the other builds', () => {
  const a = job('a', 'unit'), b = job('b', 'lint'), c = job('c', 'e2e');
  const sent = groupedDelivery({ jobs: [a, b, c], openedAt: NOW });
  expect(sent?.id).toBe(a.id);
  expect(sent?.alert.id).toBe('a');
  expect(sent?.alert.group?.map((g) => [g.type, g.build.key])).toEqual([['build.failed', 'lint'], ['build.failed', 'e2e']]);
  expect(groupedDelivery({ jobs: [a], openedAt: NOW })?.alert.group).toEqual([]);
});

test('an empty or missing group sends nothing', () => {
  expect(groupedDelivery(undefined)).toBeNull();
  expect(groupedDelivery({ jobs: [], openedAt: NOW })).toBeNull();
});
