/**
 * Signatures bind to what they protect (src/app/inbound-trust.ts), over POST /webhooks/bitbucket on
 * the local runtime, with a real Bitbucket Cloud commit-status webhook (X-Event-Key
 * repo:commit_status_created, per test/fixtures/shared/SOURCES.md). Every refusal queues and
 * delivers nothing and leaves no record; every acceptance is what the secret's owner configured.
 */
import { createHmac } from 'node:crypto';
import { loadFixture } from '../helpers/fixtures';
import { startReceiver, type Receiver } from '../helpers/receiver';
import { startTestRuntime, type TestRuntime } from '../helpers/runtime';
import { jobsTaken } from './helpers/hostile';

const base = loadFixture('cloud-commit-status-created-inprogress.drone-go-scm.json') as any;
const VICTIM = { uuid: base.repository.uuid as string, fullName: base.repository.full_name as string };
const WORKSPACE = base.repository.workspace.uuid as string;
const EVENT = { 'X-Event-Key': 'repo:commit_status_created' };
const REPO_SECRET = 'victim-repository-secret-000001';
const WS_SECRET = 'victim-workspace-secret-0000001';

const sign = (secret: string, body: string) => `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;

/** The fixture as a FAILED status of `repo`, at `at`. */
function failedStatus(repo: { uuid?: string; fullName: string }, at = '2025-03-24T09:00:00.000000+00:00', commit = base.commit_status.commit.hash): string {
  const body = structuredClone(base);
  body.commit_status.state = 'FAILED';
  body.commit_status.created_on = body.commit_status.updated_on = at;
  body.commit_status.commit.hash = commit;
  if (repo.uuid) body.repository.uuid = repo.uuid;
  else delete body.repository.uuid;
  body.repository.full_name = repo.fullName;
  body.repository.name = repo.fullName.split('/')[1];
  return JSON.stringify(body);
}

let rt: TestRuntime;
let receiver: Receiver;

async function configureVictim(): Promise<void> {
  const ext = { repository: { uuid: VICTIM.uuid } };
  expect((await rt.resolver('saveChannel', { channel: { name: 'ops', type: 'webhook', url: `${receiver.url}/victim` } }, ext)).ok).toBe(true);
  expect((await rt.resolver('saveRules', { rules: [{ name: 'all', on: ['failed', 'fixed'], channels: ['ops'] }] }, ext)).ok).toBe(true);
  // Workspace defaults: any repository of the workspace would inherit this channel.
  const ws = { workspace: { uuid: WORKSPACE } };
  expect((await rt.resolver('saveWorkspaceChannel', { channel: { name: 'ws-ops', type: 'webhook', url: `${receiver.url}/workspace` } }, ws)).ok).toBe(true);
}

async function refused(body: string, headers: Record<string, string>, status = 401): Promise<{ error: string }> {
  const jobs = jobsTaken(rt);
  const res = await rt.post('/webhooks/bitbucket', body, { ...EVENT, ...headers });
  expect(res.status).toBe(status);
  await rt.settle();
  expect(jobsTaken(rt)).toBe(jobs);
  return res.json;
}

beforeEach(async () => {
  receiver = await startReceiver();
  rt = await startTestRuntime();
  await configureVictim();
});
afterEach(async () => {
  await rt.stop();
  await receiver.close();
});

describe('once the victim repository has its own secret', () => {
  beforeEach(async () => {
    expect((await rt.resolver('setInboundSecret', { secret: REPO_SECRET }, { repository: { uuid: VICTIM.uuid } })).ok).toBe(true);
  });

  test('its own webhook, signed with its secret, alerts', async () => {
    const body = failedStatus(VICTIM);
    expect((await rt.post('/webhooks/bitbucket', body, { ...EVENT, 'X-Hub-Signature': sign(REPO_SECRET, body) })).status).toBe(202);
    await receiver.waitFor(1);
    expect(receiver.received[0]!.path).toBe('/victim');
  });

  test("a random uuid paired with the victim's full name, unsigned, is refused", async () => {
    const body = failedStatus({ uuid: '{00000000-dead-4bad-8bad-000000000001}', fullName: VICTIM.fullName });
    const res = await refused(body, {});
    expect(res.error).toMatch(/X-Hub-Signature is required|unsigned webhooks are accepted only/);
    expect(receiver.received).toHaveLength(0);
  });

  test("a made-up repository in the victim's workspace cannot reach the workspace defaults", async () => {
    const body = failedStatus({ uuid: '{00000000-dead-4bad-8bad-000000000002}', fullName: 'automationtestharness/made-up' });
    const res = await refused(body, {});
    expect(res.error).toMatch(/unsigned webhooks are accepted only for repositories already configured/);
    // Nothing remembered about the made-up repository.
    const repos = await rt.resolver('getSettings', {}, { repository: { uuid: '{00000000-dead-4bad-8bad-000000000002}' } });
    expect(repos.data.channels.filter((c: { inherited: boolean }) => !c.inherited)).toEqual([]);
    expect(receiver.received).toHaveLength(0);
  });

  test('a signature made with some other secret is refused', async () => {
    const body = failedStatus(VICTIM);
    await refused(body, { 'X-Hub-Signature': sign('attacker-chosen-secret-000001', body) });
  });
});

describe('a workspace secret', () => {
  beforeEach(async () => {
    const set = await rt.resolver('setWorkspaceInboundSecret', { secret: WS_SECRET }, { workspace: { uuid: WORKSPACE } });
    expect(set).toEqual({ ok: true, data: { inboundSecretSet: true } });
  });

  test('signs webhooks of every repository in the workspace; unsigned ones are refused', async () => {
    const body = failedStatus(VICTIM);
    await refused(body, {});
    expect((await rt.post('/webhooks/bitbucket', body, { ...EVENT, 'X-Hub-Signature': sign(WS_SECRET, body) })).status).toBe(202);
    await receiver.waitFor(1);
    expect(receiver.received.map((r) => r.path)).toEqual(['/victim']);
  });
});

test('a payload whose uuid and full name disagree with the stored repository is refused', async () => {
  // The repository becomes known under its real name through a first, accepted webhook.
  const real = failedStatus(VICTIM);
  expect((await rt.post('/webhooks/bitbucket', real, EVENT)).status).toBe(202);
  await receiver.waitFor(1);
  await rt.settle(); // the repository record is written once the evaluation has finished
  const lying = failedStatus({ uuid: VICTIM.uuid, fullName: 'someone-else/phishing' }, '2025-03-24T09:05:00.000000+00:00', 'f'.repeat(40));
  const res = await refused(lying, {});
  expect(res.error).toMatch(/stored as "automationtestharness\/testrepo"/);
});

test('one event dated in 2999 does not silence later real failures', async () => {
  const future = failedStatus(VICTIM, '2999-01-01T00:00:00.000000+00:00', 'a'.repeat(40));
  expect((await rt.post('/webhooks/bitbucket', future, EVENT)).status).toBe(202);
  await receiver.waitFor(1); // clamped to the time of receipt: a failure now
  const fixedBody = JSON.parse(failedStatus(VICTIM, new Date(Date.now() + 60_000).toISOString(), 'b'.repeat(40)));
  fixedBody.commit_status.state = 'SUCCESSFUL';
  expect((await rt.post('/webhooks/bitbucket', JSON.stringify(fixedBody), { 'X-Event-Key': 'repo:commit_status_updated' })).status).toBe(202);
  await receiver.waitFor(2);
  expect(receiver.received.map((r) => (r.json as { type: string }).type)).toEqual(['build.failed', 'build.fixed']);
});
