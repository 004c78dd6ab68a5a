/**
 * Hostile senders on POST /webhooks/bitbucket: missing, malformed and wrong X-Hub-Signature
 * (runtime-wide secret and a repository's own secret set on the settings page), and replays of a
 * correctly signed request. Every refusal is a clear 401 that queues nothing.
 */
import { createHmac } from 'node:crypto';
import { loadFixture, loadFixtureText } from '../helpers/fixtures';
import { startReceiver, type Receiver } from '../helpers/receiver';
import { startTestRuntime, type TestRuntime } from '../helpers/runtime';
import { expectNoStackTrace, jobsTaken } from './helpers/hostile';

const FIXTURE = 'server-refs-changed-branch-update.drone-go-scm.json';
const BODY = loadFixtureText(FIXTURE);
const dcRepo = (loadFixture(FIXTURE) as any).repository;
const EXTENSION = { repository: { fullName: `${dcRepo.project.key}/${dcRepo.slug}` } };
const EVENT = { 'X-Event-Key': 'repo:refs_changed' };
/** The same JSON with other bytes: a signature must cover the exact bytes received. */
const COMPACT = JSON.stringify(JSON.parse(BODY));

const sign = (secret: string, body: string) => `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;

async function configure(rt: TestRuntime, receiver: Receiver): Promise<void> {
  const saved = await rt.resolver('saveChannel', { channel: { name: 'audit', type: 'webhook', url: `${receiver.url}/dc` } }, EXTENSION);
  expect(saved.ok).toBe(true);
  const rules = await rt.resolver('saveRules', { rules: [{ name: 'pushes', on: ['push'], channels: ['audit'] }] }, EXTENSION);
  expect(rules.ok).toBe(true);
}

/** Signature headers that must all be refused, given the right secret. */
function badSignatures(secret: string): [string, Record<string, string>][] {
  const good = sign(secret, BODY);
  return [
    ['missing', {}],
    ['empty', { 'X-Hub-Signature': '' }],
    ['sha1 instead of sha256', { 'X-Hub-Signature': `sha1=${createHmac('sha1', secret).update(BODY).digest('hex')}` }],
    ['no algorithm prefix', { 'X-Hub-Signature': good.slice('sha256='.length) }],
    ['truncated', { 'X-Hub-Signature': good.slice(0, 40) }],
    ['not hex', { 'X-Hub-Signature': `sha256=${'z'.repeat(64)}` }],
    ['all zeros', { 'X-Hub-Signature': `sha256=${'0'.repeat(64)}` }],
    ['signed with another secret', { 'X-Hub-Signature': sign(`${secret}-not`, BODY) }],
    ['signed over another body', { 'X-Hub-Signature': sign(secret, BODY.replace('"', '"_')) }],
    ['signed over re-serialized JSON', { 'X-Hub-Signature': sign(secret, COMPACT) }],
  ];
}

async function expectAllRefused(rt: TestRuntime, receiver: Receiver, secret: string): Promise<void> {
  const jobs = jobsTaken(rt);
  for (const [label, headers] of badSignatures(secret)) {
    const res = await rt.post('/webhooks/bitbucket', BODY, { ...EVENT, ...headers });
    expect({ label, status: res.status }).toEqual({ label, status: 401 });
    expect(res.json.error).toMatch(/X-Hub-Signature (is required|does not match the body)/);
    expectNoStackTrace(res.json);
  }
  // A correctly signed body with a field changed after signing (same repository, so the same secret applies).
  const tamperedBody = BODY.replace('"Jane Citizen"', '"Mallory"');
  expect(tamperedBody).not.toBe(BODY);
  const tampered = await rt.post('/webhooks/bitbucket', tamperedBody, { ...EVENT, 'X-Hub-Signature': sign(secret, BODY) });
  expect(tampered.status).toBe(401);
  await rt.settle();
  expect(jobsTaken(rt)).toBe(jobs);
  expect(receiver.received).toHaveLength(0);
}

test('the re-serialized body really has other bytes', () => {
  expect(COMPACT).not.toBe(BODY);
});

describe('runtime-wide secret (BUILD_ALERTS_WEBHOOK_SECRET)', () => {
  const SECRET = 'env-secret-for-hostile-tests-0001';
  let rt: TestRuntime;
  let receiver: Receiver;
  beforeAll(async () => {
    receiver = await startReceiver();
    rt = await startTestRuntime({ webhookSecret: SECRET });
    await configure(rt, receiver);
  });
  afterAll(async () => {
    await rt?.stop();
    await receiver?.close();
  });

  test('missing, malformed and wrong signatures are refused with 401 and queue nothing', async () => {
    await expectAllRefused(rt, receiver, SECRET);
  });

  test('even a payload that is not a Bitbucket event is refused before it is read', async () => {
    const res = await rt.post('/webhooks/bitbucket', '{"eventType": ', EVENT);
    expect(res.status).toBe(401);
  });

  test('the correctly signed request is accepted and alerts', async () => {
    const res = await rt.post('/webhooks/bitbucket', BODY, { ...EVENT, 'X-Hub-Signature': sign(SECRET, BODY), 'X-Request-UUID': 'env-1' });
    expect(res.status).toBe(202);
    await receiver.waitFor(1);
  });
});

describe("a repository's own inbound secret (setInboundSecret)", () => {
  const SECRET = 'per-repo-secret-for-hostile-0002';
  let rt: TestRuntime;
  let receiver: Receiver;
  beforeAll(async () => {
    receiver = await startReceiver();
    rt = await startTestRuntime();
    await configure(rt, receiver);
    const set = await rt.resolver('setInboundSecret', { secret: SECRET }, EXTENSION);
    expect(set).toEqual({ ok: true, data: { inboundSecretSet: true } });
  });
  afterAll(async () => {
    await rt?.stop();
    await receiver?.close();
  });

  test('a stranger cannot remove the secret', async () => {
    const res = await rt.resolver('setInboundSecret', { secret: null }, EXTENSION, 'someone-else');
    expect(res).toMatchObject({ ok: false, error: { code: 'forbidden' } });
    expect((await rt.resolver('getSettings', {}, EXTENSION)).data.inboundSecretSet).toBe(true);
  });

  test('missing, malformed and wrong signatures are refused with 401 and queue nothing', async () => {
    await expectAllRefused(rt, receiver, SECRET);
  });

  test('the correctly signed request is accepted and alerts', async () => {
    const res = await rt.post('/webhooks/bitbucket', BODY, { ...EVENT, 'X-Hub-Signature': sign(SECRET, BODY), 'X-Request-UUID': 'repo-1' });
    expect(res.status).toBe(202);
    await receiver.waitFor(1);
  });
});

describe('replayed signed requests', () => {
  const SECRET = 'replay-secret-for-hostile-0003';
  let rt: TestRuntime;
  let receiver: Receiver;
  beforeAll(async () => {
    receiver = await startReceiver();
    rt = await startTestRuntime({ webhookSecret: SECRET });
    await configure(rt, receiver);
  });
  afterAll(async () => {
    await rt?.stop();
    await receiver?.close();
  });

  test('the same X-Request-UUID twice is processed once; the receiver sees one alert', async () => {
    const headers = { ...EVENT, 'X-Hub-Signature': sign(SECRET, BODY), 'X-Request-UUID': '6b2a1c3e-0000-4000-8000-00000000aaaa' };
    const first = await rt.post('/webhooks/bitbucket', BODY, headers);
    expect(first).toEqual({ status: 202, json: { queued: 1 } });
    await rt.settle();
    const jobs = jobsTaken(rt);
    const again = await rt.post('/webhooks/bitbucket', BODY, headers);
    expect(again).toEqual({ status: 200, json: { duplicate: true } });
    // X-Request-Id is the Data Center spelling of the same idea.
    const dcSpelling = await rt.post('/webhooks/bitbucket', BODY, { ...EVENT, 'X-Hub-Signature': headers['X-Hub-Signature'], 'X-Request-Id': headers['X-Request-UUID'] });
    expect(dcSpelling.json).toEqual({ duplicate: true });
    await rt.settle();
    expect(jobsTaken(rt)).toBe(jobs);
    expect(receiver.received).toHaveLength(1);
  });

  test('the same signed body with another request id, or none, is still a replay (the guard keys on the signed bytes)', async () => {
    const signature = sign(SECRET, BODY);
    for (const id of ['another-id', '{x}/y', encodeURIComponent('ü'.repeat(400)), '../../etc/passwd', undefined]) {
      const res = await rt.post('/webhooks/bitbucket', BODY, { ...EVENT, 'X-Hub-Signature': signature, ...(id ? { 'X-Request-UUID': id } : {}) });
      expect({ id, json: res.json }).toEqual({ id, json: { duplicate: true } });
    }
    await rt.settle();
    expect(receiver.received).toHaveLength(1);
  });

  test('other bytes, correctly signed, are a new delivery', async () => {
    const other = BODY.replace('"Jane Citizen"', '"Jane Q. Citizen"');
    const res = await rt.post('/webhooks/bitbucket', other, { ...EVENT, 'X-Hub-Signature': sign(SECRET, other) });
    expect(res).toEqual({ status: 202, json: { queued: 1 } });
  });
});
