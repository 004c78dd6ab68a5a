/**
 * Inbound trust, task 4: a full disk is survivable. While writes fail (ENOSPC), ingest answers 503
 * and takes nothing, /healthz says why, the queue is paused, a delivery that already went out waits
 * for its record instead of running (and sending) again; once writes succeed everything resumes and
 * every alert has been sent exactly once.
 * Here with a simulated failing disk (in process); full-disk-tmpfs.test.ts fills a real tmpfs under `serve`.
 */
import { loadFixture } from '../helpers/fixtures';
import { startReceiver, type Receiver } from '../helpers/receiver';
import { startTestRuntime, type TestRuntime } from '../helpers/runtime';
import { captureLog, jobsTaken, type CapturedLog } from './helpers/hostile';

const forgeFailed = loadFixture('forge-build-status-created-failed.atlassian-docs.json') as any;
const REPO = { uuid: forgeFailed.repository.uuid as string };
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function buildStatus(state: string, at: string) {
  return { ...forgeFailed, eventType: 'avi:bitbucket:updated:build-status', timestamp: at, buildStatus: { ...forgeFailed.buildStatus, state, createdOn: at, updatedOn: at } };
}
const enospc = () => Object.assign(new Error('No space left on device: Attempting to write page'), { code: 28 });

async function until(what: string, check: () => Promise<boolean> | boolean, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(20);
  }
}

describe('a simulated full disk (every write fails with ENOSPC)', () => {
  let rt: TestRuntime;
  let receiver: Receiver;
  let log: CapturedLog;
  let failing: Set<string> = new Set();
  /** Fail writes only after the receiver has this many requests: the alert went out, its record cannot be written. */
  let failAfterSends = Infinity;

  beforeAll(async () => {
    receiver = await startReceiver();
    log = captureLog();
    rt = await startTestRuntime({
      log,
      runtime: { allowPrivateEgress: true, storage: { retryMs: 50, writeFault: (where) => (failing.has(where) || failing.has('*') || receiver.received.length >= failAfterSends ? enospc() : null) } },
    });
    expect((await rt.resolver('saveChannel', { channel: { name: 'audit', type: 'webhook', url: `${receiver.url}/hook` } }, { repository: REPO })).ok).toBe(true);
    expect((await rt.resolver('saveRules', { rules: [{ name: 'all', on: ['failed', 'fixed'], channels: ['audit'] }] }, { repository: REPO })).ok).toBe(true);
  });
  afterAll(async () => {
    failing = new Set();
    await rt?.stop();
    await receiver?.close();
  });

  const health = async () => {
    const res = await fetch(`${rt.url}/healthz`);
    return { status: res.status, body: (await res.json()) as any };
  };

  test('ingest answers 503 with the reason, takes nothing; /healthz reports it; then recovers', async () => {
    const jobs = jobsTaken(rt);
    failing = new Set(['*']);
    const forge = await rt.post('/forge/events', buildStatus('FAILED', '2025-02-01T10:00:00.000Z'));
    expect(forge.status).toBe(503);
    expect(forge.json.error).toMatch(/storage is failing \(ENOSPC/);
    const cloud = loadFixture('cloud-commit-status-updated-successful.drone-go-scm.json') as any;
    const webhook = { ...cloud, repository: { ...cloud.repository, uuid: REPO.uuid }, commit_status: { ...cloud.commit_status, state: 'FAILED' } };
    const hook = await rt.post('/webhooks/bitbucket', webhook, { 'X-Event-Key': 'repo:commit_status_updated' });
    expect(hook.status).toBe(503);
    const saved = await rt.resolver('saveChannel', { channel: { name: 'other', type: 'webhook', url: `${receiver.url}/other` } }, { repository: REPO });
    expect(saved).toMatchObject({ ok: false, error: { message: expect.stringMatching(/Storage is failing \(ENOSPC\); nothing was saved/) } });

    const h = await health();
    expect(h.status).toBe(503);
    expect(h.body).toMatchObject({ ok: false, storage: { code: 'ENOSPC' }, queue: { paused: expect.stringContaining('ENOSPC') } });
    expect(jobsTaken(rt)).toBe(jobs);
    expect(receiver.received).toHaveLength(0);

    failing = new Set();
    await until('healthz ok', async () => (await health()).status === 200);
    expect((await health()).body).toEqual({ ok: true });
    expect((await rt.post('/forge/events', buildStatus('FAILED', '2025-02-01T10:00:00.000Z'))).status).toBe(202);
    await receiver.waitFor(1);
    await rt.settle();
    expect(receiver.received).toHaveLength(1);
  });

  test('a delivery whose record cannot be written waits, is not sent again, and completes once writes succeed', async () => {
    failAfterSends = 2; // the disk fills the moment the recovery alert has been sent
    const res = await rt.post('/forge/events', buildStatus('SUCCESSFUL', '2025-02-01T10:30:00.000Z'));
    expect(res.status).toBe(202);
    await receiver.waitFor(2);
    await until('the fault to show', async () => (await health()).status === 503);
    failAfterSends = Infinity;
    failing = new Set(['store', 'probe']); // the queue's own writes work again
    expect((await health()).body.queue.paused).toMatch(/ENOSPC/);
    await sleep(400); // many retry intervals: a job that failed would have run again and sent again
    expect(receiver.received).toHaveLength(2);
    // Meanwhile another event is taken (queue writes work) but waits: the queue is paused.
    expect((await rt.post('/forge/events', buildStatus('FAILED', '2025-02-01T11:00:00.000Z'))).status).toBe(202);
    await sleep(200);
    expect(receiver.received).toHaveLength(2);

    failing = new Set();
    await until('healthz ok', async () => (await health()).status === 200);
    await receiver.waitFor(3);
    await rt.settle();
    await sleep(200);
    const types = receiver.received.map((r) => (r.json as any).type);
    expect(types).toEqual(['build.failed', 'build.fixed', 'build.failed']);
    const logRes = await rt.resolver('getDeliveryLog', { limit: 50 }, { repository: REPO });
    expect(logRes.data.entries.filter((e: any) => e.outcome === 'delivered')).toHaveLength(3);
    // No job failed or ran again because of the disk (request handlers log their 503s, jobs only wait).
    expect(log.lines.filter((l) => /job (failed|handler threw|gave up)/.test(l.msg ?? ''))).toEqual([]);
  });
});
