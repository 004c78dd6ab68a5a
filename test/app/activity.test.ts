/**
 * "Why didn't I get an alert?": every evaluated event leaves one activity entry with a named reason
 * (src/core/reasons.ts), read back through the `getActivity` resolver. One test per reason the
 * evaluation can decide.
 */
import type { RepoEvent } from '../../src/core/events/repo-event';
import { listActivity } from '../../src/app/activity';
import { repoKey } from '../../src/core/storage-keys';
import { REPO_UUID, startTestApp, WORKSPACE_UUID, type TestApp } from './helpers/app-deps';

const REPO = { uuid: REPO_UUID, fullName: 'acme/rockets', slug: 'rockets' };
const KEY = repoKey(REPO)!;
let t: TestApp;
let at: number;

function build(state: 'FAILED' | 'SUCCESSFUL' | 'INPROGRESS', o: { ref?: string; key?: string; commit?: string; occurredAt?: number } = {}): RepoEvent {
  return {
    source: 'forge', kind: 'build', occurredAt: new Date(o.occurredAt ?? (at += 60_000)).toISOString(), repository: REPO, workspace: WORKSPACE_UUID,
    build: { key: o.key ?? 'ci', name: o.key ?? 'ci', state, commit: o.commit ?? 'a'.repeat(40), ref: o.ref ?? 'main', url: 'https://ci.example/1' },
  };
}

async function evaluate(event: RepoEvent) {
  t.clock.advance(1000);
  await t.app.handleJob({ type: 'event', event, receivedAt: '' }, { attempt: 1 });
  return (await listActivity(t.store, KEY, 1))[0]!;
}

async function configure(rules: unknown[]) {
  expect((await t.call('saveChannel', { channel: { name: 'hook', type: 'webhook', url: 'https://hooks.example.com/x' } })).ok).toBe(true);
  expect(await t.call('saveRules', { rules })).toMatchObject({ ok: true });
}

beforeEach(() => {
  t = startTestApp();
  at = Date.parse('2025-03-01T11:00:00.000Z');
});
afterEach(() => t.close());

describe('activity: what became of each event', () => {
  test('alerted: the alert, the rule and the channels it went to', async () => {
    await configure([{ name: 'main broken', on: ['failed', 'fixed'], branches: ['main'], channels: ['hook'] }]);
    const entry = await evaluate(build('FAILED'));
    expect(entry).toMatchObject({
      decision: 'alerted',
      event: { kind: 'build', source: 'forge', ref: 'main', state: 'FAILED', key: 'ci' },
      alerts: [{ type: 'build.failed', sent: [{ rule: 'main broken', channels: ['hook'] }] }],
    });
    expect(entry.reason).toBeUndefined();
  });

  test('duplicate: the same status delivered twice', async () => {
    await configure([{ name: 'r', on: ['failed'], channels: ['hook'] }]);
    const failed = build('FAILED');
    await evaluate(failed);
    expect(await evaluate(failed)).toMatchObject({ decision: 'nothing', reason: 'duplicate', alerts: [] });
  });

  test('stale: an older result after a newer one', async () => {
    await configure([{ name: 'r', on: ['failed', 'fixed'], channels: ['hook'] }]);
    const early = at + 60_000;
    await evaluate(build('FAILED', { occurredAt: early + 60_000 }));
    expect(await evaluate(build('SUCCESSFUL', { occurredAt: early, commit: 'b'.repeat(40) }))).toMatchObject({ decision: 'nothing', reason: 'stale' });
  });

  test('first-result and no-change: green builds say why they are quiet', async () => {
    await configure([{ name: 'r', on: ['failed', 'fixed'], channels: ['hook'] }]);
    expect(await evaluate(build('SUCCESSFUL'))).toMatchObject({ decision: 'nothing', reason: 'first-result' });
    const again = await evaluate(build('SUCCESSFUL', { commit: 'c'.repeat(40) }));
    expect(again).toMatchObject({ decision: 'nothing', reason: 'no-change' });
    expect(again.why).toMatch(/already passing/);
  });

  test('no-matching-rule: a failure on a branch no rule selects', async () => {
    await configure([{ name: 'main only', on: ['failed'], branches: ['main'], channels: ['hook'] }]);
    expect(await evaluate(build('FAILED', { ref: 'feature/x' }))).toMatchObject({
      decision: 'nothing', reason: 'no-matching-rule', alerts: [{ type: 'build.failed', sent: [], reason: 'no-matching-rule' }],
    });
  });

  test('fail-after: the first failure of a rule that waits for two', async () => {
    await configure([{ name: 'flaky', on: ['failed'], failAfter: 2, channels: ['hook'] }]);
    expect(await evaluate(build('FAILED'))).toMatchObject({ decision: 'nothing', reason: 'fail-after' });
    expect(await evaluate(build('FAILED', { commit: 'd'.repeat(40) }))).toMatchObject({ decision: 'alerted', alerts: [{ type: 'build.still-failing', sent: [{ rule: 'flaky' }] }] });
  });

  test('snoozed: the rule is snoozed', async () => {
    await configure([{ name: 'r', on: ['failed'], channels: ['hook'] }]);
    expect(await t.call('snooze', { target: { rule: 'r' }, untilFixed: true })).toMatchObject({ ok: true });
    expect(await evaluate(build('FAILED'))).toMatchObject({ decision: 'nothing', reason: 'snoozed' });
  });

  test('not-terminal: a deployment that has not finished', async () => {
    await configure([{ name: 'r', on: ['deployment-failed'], channels: ['hook'] }]);
    const deployment: RepoEvent = {
      source: 'forge', kind: 'deployment', occurredAt: new Date(at).toISOString(), repository: REPO, workspace: WORKSPACE_UUID,
      deployment: { environment: 'production', environmentType: 'Production', state: 'STARTED', commit: 'a'.repeat(40), url: null },
    };
    expect(await evaluate(deployment)).toMatchObject({ decision: 'nothing', reason: 'not-terminal' });
  });

  test('not-configured: rules deleted after the event was queued', async () => {
    await configure([{ name: 'r', on: ['failed'], channels: ['hook'] }]);
    expect(await t.call('saveRules', { rules: [] })).toMatchObject({ ok: true });
    expect(await t.call('deleteChannel', { name: 'hook' })).toMatchObject({ ok: true });
    const entry = await evaluate(build('FAILED'));
    expect(entry).toMatchObject({ decision: 'nothing', reason: 'not-configured' });
  });

  test('the getActivity resolver answers newest first, and only to repository admins', async () => {
    await configure([{ name: 'r', on: ['failed', 'fixed'], channels: ['hook'] }]);
    await evaluate(build('FAILED'));
    await evaluate(build('SUCCESSFUL', { commit: 'e'.repeat(40) }));
    const res = await t.call('getActivity', {});
    if (!res.ok) throw new Error(res.error.message);
    expect(res.data.entries.map((e: { alerts: { type: string }[] }) => e.alerts.map((a) => a.type))).toEqual([['build.fixed'], ['build.failed']]);
    expect(await t.call('getActivity', {}, 'acct-stranger')).toMatchObject({ ok: false, error: { code: 'forbidden' } });
  });
});
