/**
 * Branch names and build keys as people (and attackers) write them: unicode, slashes, braces,
 * spaces, 600 characters. They flow through evaluate into valid storage keys, alerts go out, and a
 * second event on the same branch finds the same state (keys are stable), so recovery is recognised.
 */
import { keyProblem } from '../../src/core/kvs-rules';
import { keys, repoKey } from '../../src/core/storage-keys';
import { loadFixture } from '../helpers/fixtures';
import { startReceiver, type Receiver } from '../helpers/receiver';
import { startTestRuntime, type TestRuntime } from '../helpers/runtime';
import { captureLog, type CapturedLog } from './helpers/hostile';

const forgeFailed = loadFixture('forge-build-status-created-failed.atlassian-docs.json') as any;
const REPO = { uuid: forgeFailed.repository.uuid as string };
const REPO_KEY = repoKey({ uuid: REPO.uuid, fullName: null })!;

const NAMES: [label: string, ref: string, buildKey: string][] = [
  ['unicode', 'feature/ünïcödé-🚀', 'ключ-сборки'],
  ['slashes', 'release/2025/03/hotfix', 'ci/build/unit'],
  ['braces', 'topic/{uuid}/x', '{4c16a397-8e48-479c-8ca2-442e46c90570}'],
  ['spaces', 'my branch with spaces', 'build step 2'],
  ['CJK', '日本語/ブランチ', 'ビルド'],
  ['600 characters', `deep/${'x'.repeat(595)}`, `k/${'ü'.repeat(598)}`],
  ['600 characters, differing only at the end', `deep/${'x'.repeat(594)}y`, `k/${'ü'.repeat(597)}v`],
  ['key-alphabet lookalikes', 'a#3a:b', 'a:b'],
];

function buildStatus(state: string, at: string, ref: string, key: string, commit: string) {
  return {
    ...forgeFailed,
    eventType: 'avi:bitbucket:updated:build-status',
    timestamp: at,
    buildStatus: { ...forgeFailed.buildStatus, key, state, createdOn: at, updatedOn: at, refName: ref, commit: { hash: commit } },
  };
}

describe('hostile branch names and build keys', () => {
  let rt: TestRuntime;
  let receiver: Receiver;
  let log: CapturedLog;

  beforeAll(async () => {
    receiver = await startReceiver();
    log = captureLog();
    rt = await startTestRuntime({ log });
    expect((await rt.resolver('saveChannel', { channel: { name: 'audit', type: 'webhook', url: `${receiver.url}/hook` } }, { repository: REPO })).ok).toBe(true);
    expect((await rt.resolver('saveRules', { rules: [{ name: 'every branch', on: ['failed', 'fixed'], channels: ['audit'] }] }, { repository: REPO })).ok).toBe(true);
  });
  afterAll(async () => {
    await rt?.stop();
    await receiver?.close();
  });

  test('alerts are delivered, state keys are valid and stable, and recovery is recognised', async () => {
    for (const [, ref, key] of NAMES) {
      const res = await rt.post('/forge/events', buildStatus('FAILED', '2025-02-01T10:00:00.000Z', ref, key, 'a'.repeat(40)));
      expect(res.status).toBe(202);
    }
    const failed = await receiver.waitFor(NAMES.length);
    await rt.settle();
    expect(failed.map((r) => (r.json as any).type)).toEqual(NAMES.map(() => 'build.failed'));
    expect(failed.map((r) => (r.json as any).ref).sort()).toEqual(NAMES.map(([, ref]) => ref).sort());
    expect(failed.map((r) => (r.json as any).build.key).sort()).toEqual(NAMES.map(([, , key]) => key).sort());

    // One state entry per (branch, build key), under the key evaluate promises, and valid for KVS.
    const states = await rt.store.query({ beginsWith: keys.buildStatePrefix(REPO_KEY), limit: 100 });
    const stateKeys = states.results.map((r) => r.key);
    expect(stateKeys).toHaveLength(NAMES.length);
    for (const [label, ref, key] of NAMES) {
      const expected = keys.buildState(REPO_KEY, ref, key);
      expect({ label, problem: keyProblem(expected) }).toEqual({ label, problem: null });
      expect({ label, found: stateKeys.includes(expected) }).toEqual({ label, found: true });
    }
    for (const k of stateKeys) expect(keyProblem(k)).toBeNull();

    // The same branches again, now green: each finds its failure and reports a fix for the same incident.
    for (const [, ref, key] of NAMES) {
      await rt.post('/forge/events', buildStatus('SUCCESSFUL', '2025-02-01T11:00:00.000Z', ref, key, 'b'.repeat(40)));
    }
    const all = await receiver.waitFor(NAMES.length * 2);
    await rt.settle();
    const fixed = all.slice(NAMES.length).map((r) => r.json as any);
    expect(fixed.map((a) => a.type)).toEqual(NAMES.map(() => 'build.fixed'));
    for (const alert of fixed) {
      const original = failed.map((r) => r.json as any).find((a) => a.ref === alert.ref && a.build.key === alert.build.key);
      expect(alert.incidentKey).toBe(original.incidentKey);
    }
    expect((await rt.store.query({ beginsWith: keys.buildStatePrefix(REPO_KEY), limit: 100 })).results).toHaveLength(NAMES.length);
    expect(log.lines.filter((l) => l.level === 'error')).toEqual([]);
  });

  test('still failing on a long branch is recognised as the same incident (no second "failed")', async () => {
    const [, ref, key] = NAMES[5]!;
    const before = receiver.received.length;
    await rt.post('/forge/events', buildStatus('FAILED', '2025-02-01T12:00:00.000Z', ref, key, 'c'.repeat(40)));
    await receiver.waitFor(before + 1);
    await rt.post('/forge/events', buildStatus('FAILED', '2025-02-01T12:10:00.000Z', ref, key, 'd'.repeat(40)));
    await rt.settle();
    // The rule does not ask for still-failing alerts: the second failure is recognised and stays quiet.
    expect(receiver.received.slice(before).map((r) => (r.json as any).type)).toEqual(['build.failed']);
    const state = await rt.store.get<{ failures?: number }>(keys.buildState(REPO_KEY, ref, key));
    expect(state?.failures).toBe(2);
  });

  test('snoozing a hostile branch name and previewing it work through the resolvers', async () => {
    for (const [, ref] of NAMES) {
      const res = await rt.resolver('snooze', { target: { branch: ref }, untilFixed: true }, { repository: REPO });
      expect(res.ok).toBe(true);
    }
    const settings = await rt.resolver('getSettings', {}, { repository: REPO });
    expect(settings.data.snoozes.map((s: any) => s.target.branch).sort()).toEqual(NAMES.map(([, ref]) => ref).sort());
    const health = await rt.resolver('getBuildHealth', {}, { repository: REPO });
    expect(health.data.rows.map((r: any) => r.ref).sort()).toEqual(NAMES.map(([, ref]) => ref).sort());
  });
});
