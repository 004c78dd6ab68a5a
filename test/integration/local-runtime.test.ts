/**
 * The local runtime end to end: real fixtures in over HTTP, alerts out to a recording receiver.
 */
import { createHmac } from 'node:crypto';
import { loadFixture, loadFixtureText } from '../helpers/fixtures';
import { startReceiver, type Receiver } from '../helpers/receiver';
import { startTestRuntime, type TestRuntime } from '../helpers/runtime';

const REPO = { uuid: '{15a31549-1cff-45dc-9d0d-310114c5038b}' };
const forgeFailed = loadFixture('forge-build-status-created-failed.atlassian-docs.json') as any;

/** The documented Forge build-status event with another state, time or branch. */
function buildStatus(state: string, at: string, refName = 'main', commit = 'b88c4b490b648bf960eba6f59123456797960e55') {
  return {
    ...forgeFailed,
    eventType: state === 'FAILED' && at === forgeFailed.buildStatus.updatedOn ? forgeFailed.eventType : 'avi:bitbucket:updated:build-status',
    timestamp: at,
    buildStatus: { ...forgeFailed.buildStatus, state, createdOn: at, updatedOn: at, refName, commit: { hash: commit } },
  };
}

describe('local runtime', () => {
  let rt: TestRuntime;
  let receiver: Receiver;

  beforeAll(async () => {
    receiver = await startReceiver();
    rt = await startTestRuntime();
    const saved = await rt.resolver('saveChannel', { channel: { name: 'audit', type: 'webhook', url: `${receiver.url}/hook` } }, { repository: REPO });
    expect(saved.ok).toBe(true);
    const rules = await rt.resolver(
      'saveRules',
      { rules: [{ name: 'main is broken', on: ['failed', 'fixed'], branches: ['main'], excludeBranches: ['main-experimental'], channels: ['audit'] }] },
      { repository: REPO },
    );
    expect(rules.ok).toBe(true);
  });

  afterAll(async () => {
    await rt?.stop();
    await receiver?.close();
  });

  test('GET /healthz answers ok', async () => {
    const res = await fetch(`${rt.url}/healthz`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ ok: true });
  });

  test('failure alerts once, duplicate and stale events are dropped, recovery alerts', async () => {
    const failed = buildStatus('FAILED', '2025-01-31T00:42:46.866Z');
    expect((await rt.post('/forge/events', failed)).status).toBe(202);
    const [first] = await receiver.waitFor(1);
    const alert = first!.json as any;
    expect(alert.type).toBe('build.failed');
    expect(alert.repository.uuid).toBe(REPO.uuid);
    expect(alert.build.key).toBe('my-build1');
    expect(alert.rule).toBe('main is broken');

    // At-least-once delivery: the very same event again changes nothing.
    expect((await rt.post('/forge/events', failed)).status).toBe(202);
    await rt.settle();
    // A branch the rule excludes, and a branch it does not include.
    await rt.post('/forge/events', buildStatus('FAILED', '2025-01-31T00:43:00.000Z', 'main-experimental'));
    await rt.post('/forge/events', buildStatus('FAILED', '2025-01-31T00:43:00.000Z', 'feature/x'));
    await rt.settle();
    expect(receiver.received).toHaveLength(1);

    await rt.post('/forge/events', buildStatus('SUCCESSFUL', '2025-01-31T01:00:00.000Z', 'main', 'c0ffee0000000000000000000000000000000000'));
    const [, second] = await receiver.waitFor(2);
    expect((second!.json as any).type).toBe('build.fixed');
    expect((second!.json as any).incidentKey).toBe(alert.incidentKey);

    // Late delivery of an older failure: stale, no alert.
    await rt.post('/forge/events', buildStatus('FAILED', '2025-01-31T00:50:00.000Z'));
    await rt.settle();
    expect(receiver.received).toHaveLength(2);
  });

  test('malformed and foreign bodies get clear errors without stack traces', async () => {
    const bad = await rt.post('/forge/events', '{"eventType": ');
    expect(bad.status).toBe(400);
    expect(JSON.stringify(bad.json)).not.toMatch(/at .*\.ts:\d+/);
    const ignored = await rt.post('/webhooks/bitbucket', { foo: 1 }, { 'X-Event-Key': 'repo:fork' });
    expect(ignored.status).toBe(202);
    expect(ignored.json.ignored).toBe(true);
    const ping = await rt.post('/webhooks/bitbucket', loadFixtureText('server-diagnostics-ping.jenkins-bitbucket-branch-source.json'), { 'X-Event-Key': 'diagnostics:ping' });
    expect(ping.status).toBe(200);
    const huge = await rt.post('/webhooks/bitbucket', 'x'.repeat(1024 * 1024 + 10), { 'X-Event-Key': 'repo:push' });
    expect(huge.status).toBe(413);
  });

  test('the settings page is served with the repository in its URL', async () => {
    const res = await fetch(`${rt.url}/`, { redirect: 'manual' });
    expect([200, 302]).toContain(res.status);
    const location = res.headers.get('location') ?? '';
    const html = res.status === 302 ? location : await res.text();
    expect(html).toContain(REPO.uuid.slice(1, -1));
  });
});

describe('signed Data Center webhooks', () => {
  const SECRET = '71295b197fa25f4356d2fb9965df3f2379d903d7'; // vector 2 of SOURCES.md
  const body = loadFixtureText('server-refs-changed-branch-update.drone-go-scm.json');
  let rt: TestRuntime;
  let receiver: Receiver;

  beforeAll(async () => {
    receiver = await startReceiver();
    rt = await startTestRuntime({ webhookSecret: SECRET });
    const repo = (loadFixture('server-refs-changed-branch-update.drone-go-scm.json') as any).repository;
    const extension = { repository: { fullName: `${repo.project.key}/${repo.slug}` } };
    expect((await rt.resolver('saveChannel', { channel: { name: 'audit', type: 'webhook', url: `${receiver.url}/dc` } }, extension)).ok).toBe(true);
    expect((await rt.resolver('saveRules', { rules: [{ name: 'pushes', on: ['push'], channels: ['audit'] }] }, extension)).ok).toBe(true);
  });

  afterAll(async () => {
    await rt?.stop();
    await receiver?.close();
  });

  test('the documented signature is accepted and produces the alert', async () => {
    const signature = 'sha256=c90565fa018f3039414a7929c9187a147f1ac463076961c4cf411e3c67c541f8';
    expect(createHmac('sha256', SECRET).update(body).digest('hex')).toBe(signature.slice(7));
    const res = await rt.post('/webhooks/bitbucket', body, { 'X-Event-Key': 'repo:refs_changed', 'X-Hub-Signature': signature });
    expect(res.status).toBe(202);
    const [got] = await receiver.waitFor(1);
    expect((got!.json as any).type).toBe('push');
  });

  test('missing, truncated or wrong signatures are refused with 401', async () => {
    const none = await rt.post('/webhooks/bitbucket', body, { 'X-Event-Key': 'repo:refs_changed' });
    expect(none.status).toBe(401);
    const truncated = await rt.post('/webhooks/bitbucket', body, { 'X-Event-Key': 'repo:refs_changed', 'X-Hub-Signature': 'sha256=380f462cd2e160b84765144beabdad2e930a7ec5' });
    expect(truncated.status).toBe(401);
    const wrong = await rt.post('/webhooks/bitbucket', body, { 'X-Event-Key': 'repo:refs_changed', 'X-Hub-Signature': `sha256=${'0'.repeat(64)}` });
    expect(wrong.status).toBe(401);
    await rt.settle();
    expect(receiver.received.length).toBeLessThanOrEqual(1);
  });
});
