/**
 * Every channel type end to end on the local runtime: a failing then a fixed Forge build-status
 * event (the documented payload) go through normalize → state machine → rules → queue → channel →
 * HTTP, and a loopback receiver per channel checks the vendor contract it would see.
 */
import { Webhook } from 'standardwebhooks';
import { CHANNEL_TYPES } from '../../src/core/channels/channel';
import { loadFixture } from '../helpers/fixtures';
import { startReceiver, type Received, type Receiver } from '../helpers/receiver';
import { startTestRuntime, type TestRuntime } from '../helpers/runtime';

const forgeFailed = loadFixture('forge-build-status-created-failed.atlassian-docs.json') as any;
const REPO = { uuid: forgeFailed.repository.uuid as string, fullName: 'acme/widgets' };
const BRANCH = 'release/2.4';
const PD_ROUTING_KEY = 'R0ut1ngKey0000000000000000000032';
const GENIE_KEY = 'a1b2c3d4-e5f6-4a7b-8c9d-0e1f2a3b4c5d';
const JSM_KEY = 'f0e1d2c3-b4a5-4697-8877-665544332211';
const WHSEC = `whsec_${Buffer.from('build-alerts-e2e-signing-secret-32b').toString('base64')}`;

/** The documented event, moved to our branch, with another state and time. */
function buildStatus(state: 'FAILED' | 'SUCCESSFUL', at: string) {
  return {
    ...forgeFailed,
    eventType: state === 'FAILED' ? forgeFailed.eventType : 'avi:bitbucket:updated:build-status',
    timestamp: at,
    buildStatus: { ...forgeFailed.buildStatus, state, createdOn: at, updatedOn: at, refName: BRANCH },
  };
}

/** How each channel type is configured against its receiver (config fields from src/core/channels/*.ts). */
const CONFIG: Record<(typeof CHANNEL_TYPES)[number], (base: string) => Record<string, unknown>> = {
  slack: (base) => ({ url: `${base}/services/T000/B000/XXXX` }),
  teams: (base) => ({ url: `${base}/workflows/abc/triggers/manual/paths/invoke?sig=s3cr3t` }),
  'google-chat': (base) => ({ url: `${base}/v1/spaces/AAAA/messages?key=k&token=t` }),
  discord: (base) => ({ url: `${base}/api/webhooks/123456/tok3n` }),
  mattermost: (base) => ({ url: `${base}/hooks/xxxxxxxx` }),
  pagerduty: (base) => ({ routingKey: PD_ROUTING_KEY, url: `${base}/v2/enqueue` }),
  opsgenie: (base) => ({ apiKey: GENIE_KEY, url: base }),
  'jsm-ops': (base) => ({ apiKey: JSM_KEY, url: `${base}/jsm/ops/integration` }),
  alertops: (base) => ({ url: `${base}/POSTAlert/0000/BuildAlerts` }),
  squadcast: (base) => ({ url: `${base}/v2/incidents/api/0000` }),
  webhook: (base) => ({ url: `${base}/hooks/build-alerts`, secret: WHSEC }),
};

describe('every channel type, failure then fix', () => {
  let rt: TestRuntime;
  const receivers = new Map<string, Receiver>();
  const got = new Map<string, Received[]>();

  beforeAll(async () => {
    rt = await startTestRuntime();
    for (const type of CHANNEL_TYPES) {
      const receiver = await startReceiver();
      // Discord answers ?wait=true with the created message; its id is what the fix edits.
      if (type === 'discord') receiver.fallback = { status: 200, body: '{"id":"123","channel_id":"42"}' };
      if (type === 'pagerduty') receiver.fallback = { status: 202, body: '{"status":"success","dedup_key":"x"}' };
      if (type === 'opsgenie' || type === 'jsm-ops') receiver.fallback = { status: 202, body: '{"result":"Request will be processed","requestId":"r1"}' };
      receivers.set(type, receiver);
      const saved = await rt.resolver('saveChannel', { channel: { name: `to-${type}`, type, ...CONFIG[type](receiver.url) } }, { repository: REPO });
      expect([type, saved.ok, saved.error]).toEqual([type, true, undefined]);
    }
    const rules = await rt.resolver(
      'saveRules',
      { rules: [{ name: 'release builds', on: ['failed', 'fixed'], branches: ['release/**'], channels: CHANNEL_TYPES.map((t) => `to-${t}`) }] },
      { repository: REPO },
    );
    expect(rules.ok).toBe(true);

    expect((await rt.post('/forge/events', buildStatus('FAILED', '2025-01-31T00:42:46.866Z'))).status).toBe(202);
    // Every failure is through before the fix is posted, so each receiver's order is the app's order.
    for (const receiver of receivers.values()) await receiver.waitFor(1, 5000);
    expect((await rt.post('/forge/events', buildStatus('SUCCESSFUL', '2025-01-31T01:05:00.000Z'))).status).toBe(202);
    for (const [type, receiver] of receivers) got.set(type, await receiver.waitFor(2, 5000));
    await rt.settle();
  });

  afterAll(async () => {
    await rt?.stop();
    for (const r of receivers.values()) await r.close();
  });

  const pair = (type: string): [Received, Received] => {
    const requests = got.get(type)!;
    expect(requests).toHaveLength(type === 'discord' ? 3 : 2);
    return [requests[0]!, requests[1]!];
  };
  const body = (r: Received) => r.json as any;

  test('each channel got exactly one failure and one fix, and the log says delivered', async () => {
    // Discord also posts a short reply after editing the failure message into the fix (an edit notifies nobody).
    for (const [type, receiver] of receivers) expect([type, receiver.received.length]).toEqual([type, type === 'discord' ? 3 : 2]);
    const log = await rt.resolver('getDeliveryLog', { limit: 100 }, { repository: REPO });
    expect(log.ok).toBe(true);
    const entries = log.data.entries as { channel: string; outcome: string; alertType: string }[];
    for (const type of CHANNEL_TYPES) {
      const mine = entries.filter((e) => e.channel === `to-${type}`).map((e) => `${e.alertType}:${e.outcome}`).sort();
      expect([type, mine]).toEqual([type, ['build.failed:delivered', 'build.fixed:delivered']]);
    }
  });

  test('PagerDuty: trigger, then resolve with the same dedup_key', () => {
    const [trigger, resolve] = pair('pagerduty');
    expect([trigger.method, trigger.path, resolve.path]).toEqual(['POST', '/v2/enqueue', '/v2/enqueue']);
    expect(body(trigger)).toMatchObject({ routing_key: PD_ROUTING_KEY, event_action: 'trigger' });
    expect(body(trigger).payload.summary).toContain('acme/widgets');
    expect(body(resolve)).toMatchObject({ routing_key: PD_ROUTING_KEY, event_action: 'resolve' });
    expect(typeof body(trigger).dedup_key).toBe('string');
    expect(body(resolve).dedup_key).toBe(body(trigger).dedup_key);
  });

  test.each([
    ['opsgenie', '', GENIE_KEY],
    ['jsm-ops', '/jsm/ops/integration', JSM_KEY],
  ])('%s: create with an alias, then close by alias with GenieKey auth', (type, prefix, key) => {
    const [create, close] = pair(type);
    expect([create.method, create.path]).toEqual(['POST', `${prefix}/v2/alerts`]);
    const alias = body(create).alias as string;
    expect(alias.length).toBeGreaterThan(0);
    expect(close.method).toBe('POST');
    expect(close.path).toBe(`${prefix}/v2/alerts/${encodeURIComponent(alias)}/close?identifierType=alias`);
    for (const r of [create, close]) expect(r.headers.authorization).toBe(`GenieKey ${key}`);
    expect(body(create).message).toContain('acme/widgets');
  });

  test('Discord: POST with ?wait=true, then PATCH of the same message id, then a notifying reply', () => {
    const [post, patch] = pair('discord');
    const reply = got.get('discord')![2]!;
    expect([reply.method, reply.path]).toEqual(['POST', '/api/webhooks/123456/tok3n?wait=true']);
    expect(body(reply).content).toMatch(/fixed/);
    expect(post.method).toBe('POST');
    expect(post.path).toBe('/api/webhooks/123456/tok3n?wait=true');
    expect(patch.method).toBe('PATCH');
    expect(patch.path).toBe('/api/webhooks/123456/tok3n/messages/123');
    expect(JSON.stringify(body(post).embeds)).toContain(BRANCH);
  });

  test('Google Chat: both messages in the same thread', () => {
    const [failed, fixed] = pair('google-chat');
    for (const r of [failed, fixed]) {
      const url = new URL(r.path, 'http://x');
      expect([url.pathname, url.searchParams.get('key'), url.searchParams.get('messageReplyOption')]).toEqual([
        '/v1/spaces/AAAA/messages', 'k', 'REPLY_MESSAGE_FALLBACK_TO_NEW_THREAD',
      ]);
    }
    expect(typeof body(failed).thread.threadKey).toBe('string');
    expect(body(fixed).thread.threadKey).toBe(body(failed).thread.threadKey);
  });

  test('Squadcast: trigger, then resolve with the same event_id', () => {
    const [trigger, resolve] = pair('squadcast');
    expect([body(trigger).status, body(resolve).status]).toEqual(['trigger', 'resolve']);
    expect(body(trigger).message.length).toBeGreaterThan(0);
    expect(body(trigger).description.length).toBeGreaterThan(0);
    expect(body(resolve).event_id).toBe(body(trigger).event_id);
  });

  test('AlertOps: FAILED, then RECOVERED with the same source_id', () => {
    const [failed, recovered] = pair('alertops');
    expect([body(failed).status, body(recovered).status]).toEqual(['FAILED', 'RECOVERED']);
    expect(typeof body(failed).source_id).toBe('string');
    expect(body(recovered).source_id).toBe(body(failed).source_id);
  });

  test('webhook: Standard Webhooks signature verifies over the exact body', () => {
    const [failed, fixed] = pair('webhook');
    const verifier = new Webhook(WHSEC);
    const payloads = [failed, fixed].map((r) => verifier.verify(r.body, r.headers as Record<string, string>) as any);
    expect(payloads.map((p) => [p.type, p.ref, p.repository.uuid])).toEqual([
      ['build.failed', BRANCH, REPO.uuid],
      ['build.fixed', BRANCH, REPO.uuid],
    ]);
    expect(payloads[1].incidentKey).toBe(payloads[0].incidentKey);
    expect(failed.headers['webhook-id']).not.toBe(fixed.headers['webhook-id']);
    // A byte changed, or another secret: refused.
    expect(() => verifier.verify(failed.body.replace('build.failed', 'build.fixed'), failed.headers as Record<string, string>)).toThrow();
    const other = new Webhook(`whsec_${Buffer.from('another-secret-of-thirty-two-byte').toString('base64')}`);
    expect(() => other.verify(failed.body, failed.headers as Record<string, string>)).toThrow();
  });

  /** The text a person reads in the notification, per chat tool. */
  const readable: Record<string, (b: any) => string> = {
    slack: (b) => `${b.text}\n${b.blocks.map((x: any) => x.text?.text ?? '').join('\n')}`,
    mattermost: (b) => `${b.text}\n${b.attachments[0].title}\n${b.attachments[0].text}`,
    teams: (b) => `${b.summary}\n${b.attachments[0].content.body.map((x: any) => x.text ?? x.facts?.map((f: any) => `${f.title}: ${f.value}`).join('\n') ?? '').join('\n')}`,
  };

  test.each(['slack', 'teams', 'mattermost'])('%s: readable text names the repository, branch and state', (type) => {
    const [failed, fixed] = pair(type).map((r) => readable[type]!(body(r)));
    for (const text of [failed!, fixed!]) {
      expect(text).toContain('acme/widgets');
      expect(text).toContain(BRANCH);
    }
    expect(failed).toMatch(/fail/i);
    expect(fixed).toMatch(/fixed|recovered|passing|succe/i);
    expect(fixed).not.toMatch(/\bfailed\b/i);
  });
});
