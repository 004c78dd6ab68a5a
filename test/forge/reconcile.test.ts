/**
 * Hourly reconciliation through the Forge entry (`onSchedule`, manifest `scheduled-fn`) with the same
 * platform-edge fakes as trigger-to-delivery.test.ts. `listRecentPipelines` answers Pipelines REST
 * objects shaped like test/fixtures/shared/pipelines-api-*.json (times moved next to a fixed clock,
 * target.ref_name main, links naming the repository). Live events are the Forge build-status fixture
 * made to look like the status Pipelines writes (its url ends in /results/<n>).
 *
 * What must hold: a lost event alerts once; a result seen live and again by reconciliation alerts
 * once, in either order; and a run over many repositories makes bounded calls.
 */
import { installForgePlatform, loadForgeEntry, drainQueue, callResolver, isWrite, repoPageExtension, type ForgeEntry, type ForgePlatform } from './helpers/forge-platform';
import { loadFixture } from '../helpers/fixtures';
import { repoKey } from '../../src/core/storage-keys';

const WS_UUID = '{4c16a397-8e48-479c-8ca2-442e46c90570}';
const REPO_UUID = '{15a31549-1cff-45dc-9d0d-310114c5038b}';
const ADMIN = '5ffed3379edf280075d75b20';
const HOOK_URL = 'https://hooks.example.com/build-alerts/Wh00kT0ken42';
const NOW = Date.parse('2025-01-31T12:00:00.000Z');
const COMMIT_RED = 'b88c4b490b648bf960eba6f59123456797960e55';
const COMMIT_GREEN = 'c99d5c5a1a759cf071fbb7a60234567808a71f66';
const minutesAgo = (m: number, extraMs = 0) => new Date(NOW - m * 60_000 + extraMs).toISOString();

let platform: ForgePlatform;
let entry: ForgeEntry;
/** Repository UUID → what `GET .../pipelines/?sort=-created_on` answers (newest first). */
let pipelines: Map<string, unknown[]>;

const repoNumber = (i: number) => `{15a31549-1cff-45dc-9d0d-${String(310114000000 + i).padStart(12, '0')}}`;

function answerBitbucket(): void {
  platform.bitbucket.answer = ({ provider, path }) => {
    // Paths name the workspace by UUID (https://developer.atlassian.com/platform/forge/call-a-bitbucket-api/).
    const repo = /^\/2\.0\/repositories\/(\{[0-9a-f-]{36}\})\/(\{[0-9a-f-]{36}\})(\/.*)?$/.exec(path);
    if (repo && repo[1] !== WS_UUID) return { status: 404, body: { type: 'error', error: { message: 'not found' } } };
    if (provider === 'app' && repo && !repo[3]) {
      const uuid = repo[2]!;
      const slug = uuid === REPO_UUID ? 'widgets' : `repo-${uuid.slice(-4, -1)}`;
      return { status: 200, body: { uuid, full_name: `acme/${slug}`, slug, mainbranch: { name: 'main' }, links: { html: { href: `https://bitbucket.org/acme/${slug}` } } } };
    }
    if (provider === 'app' && repo && repo[3]!.startsWith('/pipelines/?')) {
      return { status: 200, body: { pagelen: 20, values: pipelines.get(repo[2]!) ?? [] } };
    }
    if (provider === 'app' && repo && repo[3]!.startsWith('/commit/')) {
      const hash = repo[3]!.split('/').pop()!;
      return { status: 200, body: { hash, message: `commit ${hash.slice(0, 7)}\n`, author: { raw: 'Jane Doe <jane@acme.example>' } } };
    }
    if (provider === 'user' && path.startsWith(`/2.0/user/workspaces/${WS_UUID}/permissions/repositories?q=`)) {
      return { status: 200, body: { values: [{ permission: 'admin' }] } };
    }
    return { status: 404, body: { type: 'error', error: { message: 'not found' } } };
  };
}

/** A Pipelines API object from the fixture, moved to `repo`, branch main, a commit, a run number and a finish time. */
function aPipeline(o: { repo?: string; fixture?: 'failed' | 'successful' | 'in-progress'; commit: string; number: number; completedMinutesAgo: number }): Record<string, unknown> {
  const file = {
    failed: 'pipelines-api-pipeline-failed-instant.apache-devlake.json',
    successful: 'pipelines-api-pipeline-successful.apache-devlake.json',
    'in-progress': 'pipelines-api-pipeline-in-progress-halted.apache-devlake.json',
  }[o.fixture ?? 'failed'];
  const p = loadFixture<any>(file);
  const repo = o.repo ?? REPO_UUID;
  p.uuid = `{0000${o.number.toString(16).padStart(4, '0')}-6e18-42c4-b3a3-70514fc4079f}`;
  p.build_number = o.number;
  p.created_on = minutesAgo(o.completedMinutesAgo + 3);
  if (p.completed_on !== undefined || o.fixture !== 'in-progress') p.completed_on = minutesAgo(o.completedMinutesAgo);
  p.target.ref_name = 'main';
  p.target.commit.hash = o.commit;
  p.links.self.href = `https://api.bitbucket.org/2.0/repositories/${WS_UUID}/${repo}/pipelines/${p.uuid}`;
  return p;
}

/** The Forge build-status event as Pipelines writes it: stable key per branch, url ending in /results/<n>. */
function aLiveStatus(o: { state: 'FAILED' | 'SUCCESSFUL'; commit: string; number: number; updatedOn: string }): Record<string, any> {
  const e = loadFixture<any>('forge-build-status-created-failed.atlassian-docs.json');
  e.eventType = o.state === 'FAILED' ? 'avi:bitbucket:created:build-status' : 'avi:bitbucket:updated:build-status';
  e.buildStatus.key = '{8e2c0a7b-5d3e-4f1a-9b6c-2d4e6f8a0b1c}';
  e.buildStatus.state = o.state;
  e.buildStatus.url = `https://bitbucket.org/acme/widgets/pipelines/results/${o.number}`;
  e.buildStatus.commit.hash = o.commit;
  e.buildStatus.createdOn = e.buildStatus.updatedOn = e.timestamp = o.updatedOn;
  return e;
}

async function configure(repoUuid = REPO_UUID): Promise<void> {
  const extension = repoPageExtension(repoUuid);
  const channel = await callResolver(entry, 'saveChannel', { channel: { name: 'ops-hook', type: 'webhook', url: HOOK_URL } }, extension, ADMIN, platform);
  expect(channel.ok).toBe(true);
  const rules = await callResolver(entry, 'saveRules', { rules: [{ name: 'main broken', on: ['failed', 'fixed'], branches: ['main'], channels: ['ops-hook'] }] }, extension, ADMIN, platform);
  expect(rules.ok).toBe(true);
}

async function live(event: unknown) {
  const sent = platform.egress.requests.length;
  expect(await entry.onBitbucketEvent(event, platform.context)).toEqual({ queued: 1 });
  await drainQueue(platform, entry);
  return platform.egress.requests.slice(sent).map((r) => r.json);
}

/** One hourly run; the clock then moves on an hour (the warm instance's 30 s pipelines cache has expired by the next run). */
async function reconcile() {
  const sent = platform.egress.requests.length;
  expect(await entry.onSchedule({}, platform.context)).toEqual({ statusCode: 204 });
  const result = reconciliationSummary();
  await drainQueue(platform, entry);
  jest.setSystemTime(Date.now() + 60 * 60_000);
  return { result, alerts: platform.egress.requests.slice(sent).map((r) => r.json) };
}

/** What the scheduled handler logged for its last run ("reconciliation finished"): it answers only a status code. */
function reconciliationSummary(): { repositories: number; fed: number } {
  const lines = (console.log as jest.Mock).mock.calls.map((c) => String(c[0])).filter((l) => l.includes('"reconciliation finished"'));
  expect(lines.length).toBeGreaterThan(0);
  return JSON.parse(lines[lines.length - 1]!) as { repositories: number; fed: number };
}

beforeEach(() => {
  jest.useFakeTimers({ now: NOW, doNotFake: ['nextTick', 'setImmediate', 'clearImmediate', 'setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'queueMicrotask', 'hrtime', 'performance'] });
  jest.spyOn(console, 'log').mockImplementation(() => undefined);
  jest.spyOn(console, 'warn').mockImplementation(() => undefined);
  platform = installForgePlatform();
  pipelines = new Map();
  answerBitbucket();
  entry = loadForgeEntry({ declaredHosts: ['hooks.example.com'] });
});

afterEach(() => {
  platform.uninstall();
  jest.restoreAllMocks();
  jest.useRealTimers();
});

describe('reconciliation through the scheduled trigger', () => {
  test('LOST: the live event never came; reconciliation raises exactly one build.failed, and the next run nothing', async () => {
    await configure();
    pipelines.set(REPO_UUID, [
      aPipeline({ fixture: 'in-progress', commit: COMMIT_GREEN, number: 8, completedMinutesAgo: 1 }),
      aPipeline({ commit: COMMIT_RED, number: 7, completedMinutesAgo: 10 }),
      aPipeline({ commit: COMMIT_RED, number: 3, completedMinutesAgo: 6 * 60 }), // outside the look-back: left alone
    ]);
    const first = await reconcile();
    expect(first.result).toMatchObject({ repositories: 1, fed: 1 });
    expect(first.alerts).toHaveLength(1);
    expect(first.alerts[0]).toMatchObject({
      type: 'build.failed',
      ref: 'main',
      repository: { uuid: REPO_UUID, fullName: 'acme/widgets' },
      build: { state: 'FAILED', commit: COMMIT_RED, number: 7 },
    });

    const next = await reconcile();
    expect(next.result.fed).toBe(1); // still in the look-back window: fed again, dropped by the state machine
    expect(next.alerts).toEqual([]);
  });

  test('DUPLICATED: the live event came and reconciliation sees the same result; no second alert, and a later fix uses the live incident', async () => {
    await configure();
    // The status update is stamped a little before the pipeline's completed_on: time order alone cannot tell they are one result.
    const liveAlerts = await live(aLiveStatus({ state: 'FAILED', commit: COMMIT_RED, number: 7, updatedOn: minutesAgo(10, -2000) }));
    expect(liveAlerts.map((a) => a.type)).toEqual(['build.failed']);

    pipelines.set(REPO_UUID, [aPipeline({ commit: COMMIT_RED, number: 7, completedMinutesAgo: 10 })]);
    const dup = await reconcile();
    expect(dup.result.fed).toBe(1);
    expect(dup.alerts).toEqual([]);

    // The fix is lost live and found by reconciliation: it resolves the incident the live failure opened.
    pipelines.set(REPO_UUID, [aPipeline({ fixture: 'successful', commit: COMMIT_GREEN, number: 8, completedMinutesAgo: 2 }), ...pipelines.get(REPO_UUID)!]);
    const fix = await reconcile();
    expect(fix.alerts.map((a) => a.type)).toEqual(['build.fixed']);
    expect(fix.alerts[0].incidentKey).toBe(liveAlerts[0].incidentKey);
  });

  test('LATE: the live event arrives after reconciliation alerted for it; no second alert, and the live fix resolves the same incident', async () => {
    await configure();
    pipelines.set(REPO_UUID, [aPipeline({ commit: COMMIT_RED, number: 7, completedMinutesAgo: 10 })]);
    const rec = await reconcile();
    expect(rec.alerts.map((a) => a.type)).toEqual(['build.failed']);

    const late = await live(aLiveStatus({ state: 'FAILED', commit: COMMIT_RED, number: 7, updatedOn: minutesAgo(10, 1500) }));
    expect(late).toEqual([]);

    const fixed = await live(aLiveStatus({ state: 'SUCCESSFUL', commit: COMMIT_GREEN, number: 8, updatedOn: minutesAgo(1) }));
    expect(fixed.map((a) => a.type)).toEqual(['build.fixed']);
    expect(fixed[0].incidentKey).toBe(rec.alerts[0].incidentKey);
  });

  test('a rerun that fails again (new run number, same commit) is still reported as still failing', async () => {
    await configure();
    await live(aLiveStatus({ state: 'FAILED', commit: COMMIT_RED, number: 7, updatedOn: minutesAgo(30) }));
    pipelines.set(REPO_UUID, [
      aPipeline({ commit: COMMIT_RED, number: 9, completedMinutesAgo: 5 }),
      aPipeline({ commit: COMMIT_RED, number: 7, completedMinutesAgo: 30 }),
    ]);
    // No rule asks for still-failing, so nothing is sent; the remembered streak shows it was counted once.
    const rerun = await reconcile();
    expect(rerun.alerts).toEqual([]);
    const health = await callResolver(entry, 'getBuildHealth', {}, repoPageExtension(REPO_UUID), ADMIN);
    expect(health.ok).toBe(true);
    expect(health.data.rows).toHaveLength(1);
    expect(health.data.rows[0].openIncident).toMatchObject({ failures: 2 });
  });

  test('a pipeline object that names another repository in its links (the fixture verbatim) is filed under the repository asked about', async () => {
    await configure();
    const verbatim = loadFixture<any>('pipelines-api-pipeline-failed-instant.apache-devlake.json');
    expect(verbatim.links.self.href).not.toContain(REPO_UUID);
    verbatim.completed_on = verbatim.created_on = minutesAgo(5);
    verbatim.target.ref_name = 'main'; // the branch the rule watches; everything else as captured
    pipelines.set(REPO_UUID, [verbatim]);
    const run = await reconcile();
    expect(run.result).toMatchObject({ repositories: 1, fed: 1 });
    expect(run.alerts).toHaveLength(1);
    expect(run.alerts[0]).toMatchObject({ type: 'build.failed', repository: { uuid: REPO_UUID, fullName: 'acme/widgets' }, ref: 'main' });
  });

  test('a slow Bitbucket cannot run the scheduled invocation out of time: listing stops after the run budget', async () => {
    const repos = Array.from({ length: 5 }, (_, i) => repoNumber(i));
    for (const uuid of repos) await configure(uuid);
    const answer = platform.bitbucket.answer;
    platform.bitbucket.answer = (call) => {
      if (call.path.includes('/pipelines/?')) jest.setSystemTime(Date.now() + 5 * 60_000); // each call takes 5 minutes
      return answer(call);
    };
    expect(await entry.onSchedule({}, platform.context)).toEqual({ statusCode: 204 });
    expect(reconciliationSummary().repositories).toBe(3);
    expect(platform.bitbucket.calls.filter((c) => c.path.includes('/pipelines/?'))).toHaveLength(3);
  });

  test('50 repositories: one pipelines call per repository, one storage query per 20 repositories, no writes during the run', async () => {
    const repos = Array.from({ length: 50 }, (_, i) => repoNumber(i));
    for (const uuid of repos) {
      await configure(uuid);
      pipelines.set(uuid, [aPipeline({ repo: uuid, commit: COMMIT_RED, number: 7, completedMinutesAgo: 10 })]);
    }
    const calls = platform.bitbucket.calls.length;
    const ops = platform.storage.length;
    expect(await entry.onSchedule({}, platform.context)).toEqual({ statusCode: 204 });
    const result = reconciliationSummary();
    expect(result).toMatchObject({ repositories: 50, fed: 50 });

    const bb = platform.bitbucket.calls.slice(calls);
    expect(bb).toHaveLength(50);
    expect(bb.every((c) => c.provider === 'app' && /\/pipelines\/\?/.test(c.path))).toBe(true);
    expect(new Set(bb.map((c) => c.path)).size).toBe(50);
    const run = platform.storage.slice(ops);
    // KVS answers at most 20 results per query request.
    expect(run.filter((o) => o.op === 'query')).toHaveLength(Math.ceil(50 / 20));
    expect(run.filter(isWrite)).toEqual([]);
    expect(run).toHaveLength(Math.ceil(50 / 20));

    // Evaluating what was fed stays small per event too: at most two reads before anything is written.
    const before = platform.storage.length;
    await drainQueue(platform, entry);
    const alerts = platform.egress.requests.filter((r) => r.json?.type === 'build.failed');
    expect(alerts).toHaveLength(50);
    expect(new Set(alerts.map((a) => a.json.repository.uuid))).toEqual(new Set(repos));
    const evaluated = platform.queue.delivered.filter((d) => d.job.body.type === 'event').length;
    expect(evaluated).toBe(50);
    const reads = platform.storage.slice(before).filter((o) => !isWrite(o) && !o.op.startsWith('secret/'));
    // Per event: the batch read, one query for the branch's slot, the repository details and the failed step
    // (name, duration, who started it) from the KVS cache (each invocation starts with empty memory: no tenant
    // data outlives it); per delivery: channel health + incident read, and the incident read again for the
    // compare-and-set that settles it (deliver.ts commitIncident).
    expect(reads.length).toBeLessThanOrEqual(50 * 4 + 50 * 3);
    void repoKey;
  });
});
