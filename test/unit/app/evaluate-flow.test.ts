/**
 * The app's evaluation path on real ports (LMDB store) with a recording queue and a fake clock:
 * reminders, grouping, quiet hours, and "no write for an event that changes nothing".
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openLocalStore, type LocalStore } from '../../../src/adapters/local/store/lmdb-store';
import type { AppDeps } from '../../../src/app/app-types';
import { createApp } from '../../../src/app/create-app';
import { countingStore } from '../../../src/core/counting-store';
import type { JobBody, QueueJob } from '../../../src/app/jobs';
import type { BuildEvent, RepoEvent } from '../../../src/core/events/repo-event';

const REPO = { uuid: '{15a31549-1cff-45dc-9d0d-310114c5038b}', fullName: 'acme/api', slug: 'api' };
const T0 = Date.parse('2026-03-02T12:00:00Z'); // a Monday, 12:00 UTC

function build(state: 'FAILED' | 'SUCCESSFUL', at: number, key = 'ci', commit = 'a'.repeat(40)): BuildEvent {
  return {
    source: 'forge', kind: 'build', occurredAt: new Date(at).toISOString(), repository: REPO,
    build: { key, name: key, state, commit, ref: 'main', url: `https://ci.example/${key}` },
  };
}

describe('evaluation flow', () => {
  let dir: string;
  let store: LocalStore;
  let now: number;
  let pushed: QueueJob[];
  let deps: AppDeps;
  const sent: string[] = [];

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'ba-eval-'));
    store = openLocalStore(dir);
    now = T0;
    pushed = [];
    sent.length = 0;
    deps = {
      store, secrets: store,
      queue: { push: async (jobs) => { pushed.push(...jobs); } },
      http: { send: async (req) => { sent.push(req.body ?? ''); return { ok: true, response: { status: 200, headers: {}, body: 'ok' }, latencyMs: 1 }; } },
      clock: { now: () => now },
      log: { debug() {}, info() {}, warn() {}, error() {} },
      bitbucket: { getRepository: async () => null, getCommit: async () => null, listBranches: async () => [], listRecentPipelines: async () => [], getFailedStep: async () => null, getFailedStepDetails: async () => null, getPipeline: async () => null, getStepLogTail: async () => null },
      access: { canAdminRepository: async () => true, canAdminWorkspace: async () => true },
      egress: { allowedHosts: ['*'], allowLoopback: true, allowPrivate: false },
      runtime: 'local',
      // These tests inspect the delivery jobs evaluation raises, so first attempts go to the queue.
      firstDelivery: 'queue',
    };
  });

  afterEach(async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  async function configure(rule: Record<string, unknown>, extension: { repository: { uuid?: string; fullName?: string } } = { repository: { uuid: REPO.uuid } }) {
    const app = createApp(deps);
    const caller = { accountId: 'admin' };
    const ch = await app.resolve('saveChannel', { caller, extension, payload: { channel: { name: 'hook', type: 'webhook', url: 'https://hooks.example.com/x' } } });
    expect(ch.ok).toBe(true);
    const saved = await app.resolve('saveRules', { caller, extension, payload: { rules: [{ name: 'r', channels: ['hook'], ...rule }] } });
    expect(saved).toMatchObject({ ok: true });
    return app;
  }

  const take = (type: JobBody['type']) => {
    const out = pushed.filter((j) => j.body.type === type);
    pushed = pushed.filter((j) => j.body.type !== type);
    return out;
  };

  test('remindEvery repeats while the build stays failed and stops once it is fixed', async () => {
    const app = await configure({ on: ['failed', 'still-failing', 'fixed'], remindEvery: '1h' });
    await app.handleJob({ type: 'event', event: build('FAILED', now), receivedAt: '' }, { attempt: 1 });
    expect(take('deliver').map((j) => (j.body as any).delivery.alert.type)).toEqual(['build.failed']);
    const [remind] = take('remind');
    expect(remind!.delayInSeconds).toBe(900);

    now += 3600_000 + 1000;
    await app.handleJob(remind!.body, { attempt: 1 });
    const reminders = take('deliver');
    expect(reminders).toHaveLength(1);
    expect((reminders[0]!.body as any).delivery.alert.type).toBe('build.still-failing');
    const [next] = take('remind');
    expect(next).toBeDefined();

    await app.handleJob({ type: 'event', event: build('SUCCESSFUL', now), receivedAt: '' }, { attempt: 1 });
    expect(take('deliver').map((j) => (j.body as any).delivery.alert.type)).toEqual(['build.fixed']);
    now += 3600_000 + 1000;
    await app.handleJob(next!.body, { attempt: 1 });
    expect(take('deliver')).toHaveLength(0);
    expect(take('remind')).toHaveLength(0);
  });

  test('remindEvery also reminds when the rules are filed by name ("workspace/slug") and events carry the uuid', async () => {
    const app = await configure({ on: ['failed', 'still-failing'], remindEvery: '1h' }, { repository: { fullName: REPO.fullName } });
    await app.handleJob({ type: 'event', event: build('FAILED', now), receivedAt: '' }, { attempt: 1 });
    expect(take('deliver').map((j) => (j.body as any).delivery.alert.type)).toEqual(['build.failed']);
    const [remind] = take('remind');
    expect(remind).toBeDefined();

    now += 3600_000 + 1000;
    await app.handleJob(remind!.body, { attempt: 1 });
    expect(take('deliver').map((j) => (j.body as any).delivery.alert.type)).toEqual(['build.still-failing']);
    expect(take('remind')).toHaveLength(1);
  });

  test('two rules sending one alert to the same channel send it once, from the first rule', async () => {
    const app = createApp(deps);
    const call = (payload: unknown) => ({ caller: { accountId: 'admin' }, extension: { repository: { uuid: REPO.uuid } }, payload });
    expect((await app.resolve('saveChannel', call({ channel: { name: 'hook', type: 'webhook', url: 'https://hooks.example.com/x' } }))).ok).toBe(true);
    const rules = [
      { name: 'main only', on: ['failed'], branches: ['main'], channels: ['hook'] },
      { name: 'everything', on: ['failed', 'fixed'], channels: ['hook'] },
    ];
    expect((await app.resolve('saveRules', call({ rules }))).ok).toBe(true);
    await app.handleJob({ type: 'event', event: build('FAILED', now), receivedAt: '' }, { attempt: 1 });
    const jobs = take('deliver');
    expect(jobs).toHaveLength(1);
    expect((jobs[0]!.body as any).delivery.rule).toBe('main only');
  });

  test('"@default" asks Bitbucket for the main branch once and remembers it', async () => {
    let calls = 0;
    deps.bitbucket = {
      ...deps.bitbucket,
      getRepository: async () => {
        calls++;
        return { uuid: REPO.uuid, fullName: REPO.fullName, slug: REPO.slug, mainBranch: 'develop', url: null };
      },
    };
    const app = await configure({ on: ['failed', 'fixed'], branches: ['@default'] });
    const onDevelop = (state: 'FAILED' | 'SUCCESSFUL', at: number): RepoEvent => {
      const e = build(state, at);
      return { ...e, repository: { ...e.repository, fullName: null }, build: { ...e.build, ref: 'develop' } };
    };
    await app.handleJob({ type: 'event', event: onDevelop('FAILED', now), receivedAt: '' }, { attempt: 1 });
    expect(take('deliver').map((j) => (j.body as any).delivery.alert.ref)).toEqual(['develop']);
    await app.handleJob({ type: 'event', event: onDevelop('SUCCESSFUL', now + 1000), receivedAt: '' }, { attempt: 1 });
    expect(take('deliver').map((j) => (j.body as any).delivery.alert.type)).toEqual(['build.fixed']);
    expect(calls).toBe(1);
  });

  test('groupWait folds failures of one commit into one message', async () => {
    const app = await configure({ on: ['failed'], groupWait: '30s' });
    await app.handleJob({ type: 'event', event: build('FAILED', now, 'lint'), receivedAt: '' }, { attempt: 1 });
    await app.handleJob({ type: 'event', event: build('FAILED', now + 1000, 'unit'), receivedAt: '' }, { attempt: 1 });
    expect(take('deliver')).toHaveLength(0);
    const flushes = take('flush-group');
    expect(flushes).toHaveLength(1);
    expect(flushes[0]!.delayInSeconds).toBe(30);
    await app.handleJob(flushes[0]!.body, { attempt: 1 });
    const [one] = take('deliver');
    const alert = (one!.body as any).delivery.alert;
    expect(alert.build.key).toBe('lint');
    expect(alert.group.map((g: any) => g.build.key)).toEqual(['unit']);
  });

  test('quiet hours hold a delivery until they end', async () => {
    const app = await configure({ on: ['failed'], quietHours: { from: '11:00', to: '14:00', timezone: 'UTC' } });
    await app.handleJob({ type: 'event', event: build('FAILED', now), receivedAt: '' }, { attempt: 1 });
    const [job] = take('deliver');
    expect((job!.body as any).delivery.notBefore).toBe(Date.parse('2026-03-02T14:00:00Z'));
    const held = await app.handleJob(job!.body, { attempt: 1 });
    expect(held).toMatchObject({ status: 'retry', afterSeconds: 900 });
    expect(sent).toHaveLength(0);
    now = Date.parse('2026-03-02T14:00:01Z');
    expect(await app.handleJob(job!.body, { attempt: 2 })).toEqual({ status: 'done' });
    expect(sent).toHaveLength(1);
  });

  test('an event that changes nothing writes nothing and reads the rules once', async () => {
    await configure({ on: ['failed', 'fixed'] });
    const counted = countingStore(store);
    const app = createApp({ ...deps, store: counted, secrets: counted });
    await app.handleJob({ type: 'event', event: build('SUCCESSFUL', now), receivedAt: '' }, { attempt: 1 });
    await app.handleJob({ type: 'event', event: build('SUCCESSFUL', now + 1000, 'ci', 'b'.repeat(40)), receivedAt: '' }, { attempt: 1 });
    counted.reset();
    await app.handleJob({ type: 'event', event: build('SUCCESSFUL', now + 2000, 'ci', 'c'.repeat(40)), receivedAt: '' }, { attempt: 1 });
    const counts = counted.snapshot();
    expect(counts.writes).toBe(1); // the activity entry: "no-change"
    expect(counts.reads).toBe(1);
  });
});

describe('build health', () => {
  test('lists the remembered builds of a repository', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ba-health-'));
    const store = openLocalStore(dir);
    try {
      const deps: AppDeps = {
        store, secrets: store, queue: { push: async () => undefined },
        http: { send: async () => ({ ok: true, response: { status: 200, headers: {}, body: '' }, latencyMs: 1 }) },
        clock: { now: () => T0 }, log: { debug() {}, info() {}, warn() {}, error() {} },
        bitbucket: { getRepository: async () => null, getCommit: async () => null, listBranches: async () => [], listRecentPipelines: async () => [], getFailedStep: async () => null, getFailedStepDetails: async () => null, getPipeline: async () => null, getStepLogTail: async () => null },
        access: { canAdminRepository: async () => true, canAdminWorkspace: async () => true },
        egress: { allowedHosts: ['*'], allowLoopback: true, allowPrivate: false }, runtime: 'local',
      };
      const app = createApp(deps);
      const call = (payload: unknown) => ({ caller: { accountId: 'a' }, extension: { repository: { uuid: REPO.uuid } }, payload });
      expect((await app.resolve('saveChannel', call({ channel: { name: 'hook', type: 'webhook', url: 'https://hooks.example.com/x' } }))).ok).toBe(true);
      await app.handleJob({ type: 'event', event: build('FAILED', T0 - 60_000), receivedAt: '' }, { attempt: 1 });
      await app.handleJob({ type: 'event', event: build('SUCCESSFUL', T0, 'ci', 'b'.repeat(40)), receivedAt: '' }, { attempt: 1 });
      const health = (await app.resolve('getBuildHealth', call({}))) as any;
      expect(health.ok).toBe(true);
      expect(health.data.rows).toHaveLength(1);
      expect(health.data.rows[0]).toMatchObject({ ref: 'main', buildKey: 'ci', openIncident: null });
      expect(health.data.rows[0].recent.map((c: any) => c.state)).toEqual(['FAILED', 'SUCCESSFUL']);
    } finally {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
