/**
 * Slack bot mode keeps one thread per incident, through the local runtime, against a loopback
 * server that answers as Slack's Web API documents it: `chat.postMessage`
 * (https://api.slack.com/methods/chat.postMessage) answers `{ ok: true, channel, ts, message }`,
 * `chat.update` (https://api.slack.com/methods/chat.update) answers `{ ok: true, channel, ts, text }`
 * or `{ ok: false, error: 'message_not_found' }` for a deleted message, `auth.test`
 * (https://api.slack.com/methods/auth.test) answers who the token is. Errors are HTTP 200 with
 * `ok: false` (https://api.slack.com/web#evaluating_responses).
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { loadFixture } from '../helpers/fixtures';
import { startTestRuntime, type TestRuntime } from '../helpers/runtime';

const forgeFailed = loadFixture('forge-build-status-created-failed.atlassian-docs.json') as any;
const REPO = { uuid: forgeFailed.repository.uuid as string, fullName: 'acme/widgets' };
const TOKEN = 'xoxb-1111111111-2222222222222-TestOnlyNotARealToken00';
const CHANNEL = 'C0123ABCD';

interface Call { method: string; path: string; body: any; authorization: string | undefined }
interface Message { ts: string; channel: string; text: string; blocks?: unknown[]; thread_ts?: string }

function fakeSlack(): Promise<{ url: string; calls: Call[]; messages: Map<string, Message>; close(): Promise<void> }> {
  const calls: Call[] = [];
  const messages = new Map<string, Message>();
  let next = 1;
  const server: Server = createServer((req, res) => {
    let raw = '';
    req.on('data', (c) => (raw += c));
    req.on('end', () => {
      const body = raw ? JSON.parse(raw) : null;
      calls.push({ method: req.method!, path: req.url!, body, authorization: req.headers.authorization });
      res.setHeader('content-type', 'application/json; charset=utf-8');
      const reply = (payload: unknown) => res.end(JSON.stringify(payload));
      if (req.headers.authorization !== `Bearer ${TOKEN}`) return reply({ ok: false, error: 'invalid_auth' });
      switch (req.url) {
        case '/api/chat.postMessage': {
          if (body.channel !== CHANNEL) return reply({ ok: false, error: 'channel_not_found' });
          if (body.thread_ts && !messages.has(body.thread_ts)) return reply({ ok: false, error: 'thread_not_found' });
          const ts = `1763892300.${String(next++).padStart(6, '0')}`;
          const message: Message = { ts, channel: CHANNEL, text: body.text, blocks: body.blocks, ...(body.thread_ts ? { thread_ts: body.thread_ts } : {}) };
          messages.set(ts, message);
          return reply({ ok: true, channel: CHANNEL, ts, message: { type: 'message', text: body.text, ts, bot_id: 'B01', ...(body.thread_ts ? { thread_ts: body.thread_ts } : {}) } });
        }
        case '/api/chat.update': {
          const old = messages.get(body.ts);
          if (!old || body.channel !== CHANNEL) return reply({ ok: false, error: 'message_not_found' });
          messages.set(body.ts, { ...old, text: body.text, blocks: body.blocks });
          return reply({ ok: true, channel: CHANNEL, ts: body.ts, text: body.text });
        }
        case '/api/auth.test':
          return reply({ ok: true, url: 'https://acme.slack.com/', team: 'Acme', user: 'build-alerts', team_id: 'T01', user_id: 'U01', bot_id: 'B01' });
        default:
          res.statusCode = 404;
          return reply({ ok: false, error: 'unknown_method' });
      }
    });
  });
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () =>
      resolve({
        url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/api`,
        calls,
        messages,
        close: () => new Promise<void>((r) => server.close(() => r())),
      })));
}

const status = (state: 'FAILED' | 'SUCCESSFUL', at: string, commit: string) => ({
  ...forgeFailed,
  eventType: state === 'FAILED' ? forgeFailed.eventType : 'avi:bitbucket:updated:build-status',
  timestamp: at,
  buildStatus: { ...forgeFailed.buildStatus, state, createdOn: at, updatedOn: at, refName: 'main', commit: { hash: commit } },
});

let rt: TestRuntime;
let slackApi: Awaited<ReturnType<typeof fakeSlack>>;
const extension = { repository: REPO };

beforeEach(async () => {
  rt = await startTestRuntime();
  slackApi = await fakeSlack();
  const saved = await rt.resolver('saveChannel', { channel: { name: 'sl', type: 'slack', token: TOKEN, channel: CHANNEL, apiUrl: slackApi.url } }, extension);
  expect(saved.ok).toBe(true);
  expect((await rt.resolver('saveRules', { rules: [{ name: 'main', on: ['failed', 'still-failing', 'fixed'], channels: ['sl'] }] }, extension)).ok).toBe(true);
});
afterEach(async () => {
  await rt.stop();
  await slackApi.close();
});

async function feed(state: 'FAILED' | 'SUCCESSFUL', at: string, commit: string) {
  expect((await rt.post('/forge/events', status(state, at, commit))).status).toBe(202);
  await rt.settle();
}

const A = 'a'.repeat(40);
const B = 'b'.repeat(40);
const C = 'c'.repeat(40);
const calls = () => slackApi.calls.map((c) => `${c.path} ${c.body.thread_ts ? `thread=${c.body.thread_ts}` : c.body.ts ? `ts=${c.body.ts}` : 'new'}`);

test('failure → still-failing → fix: one message, a thread reply, a thread reply for the fix, and an update of the original that says fixed', async () => {
  await feed('FAILED', '2025-01-31T00:10:00.000Z', A);
  await feed('FAILED', '2025-01-31T00:20:00.000Z', B);
  await feed('SUCCESSFUL', '2025-01-31T00:30:00.000Z', C);

  const first = '1763892300.000001';
  expect(calls()).toEqual([
    '/api/chat.postMessage new',
    `/api/chat.postMessage thread=${first}`,
    `/api/chat.postMessage thread=${first}`,
    `/api/chat.update ts=${first}`,
  ]);
  const [failure, still, fix, update] = slackApi.calls;
  for (const c of slackApi.calls) {
    expect(c.method).toBe('POST');
    expect(c.authorization).toBe(`Bearer ${TOKEN}`);
    expect(c.body.channel).toBe(CHANNEL);
  }
  expect(failure!.body.text).toMatch(/failed/);
  expect(JSON.stringify(still!.body.blocks)).toMatch(/still failing/i);
  expect(fix!.body).toMatchObject({ reply_broadcast: false });
  expect(fix!.body.text).toMatch(/fixed/);
  expect(JSON.stringify(update!.body.blocks)).toMatch(/fixed after 20m/);

  // What Slack shows: one top-level message, now saying fixed, with two replies.
  const top = [...slackApi.messages.values()].filter((m) => !m.thread_ts);
  expect(top).toHaveLength(1);
  expect(top[0]!.text).toMatch(/fixed/);
  expect([...slackApi.messages.values()].filter((m) => m.thread_ts === first)).toHaveLength(2);

  const log = (await rt.resolver('getDeliveryLog', { limit: 10 }, extension)).data.entries;
  expect(log.find((e: any) => e.alertType === 'build.fixed')).toMatchObject({ outcome: 'delivered', followUp: 'follow-up delivered' });
  expect(JSON.stringify(log)).not.toContain('TestOnlyNotARealToken');
});

test('the failure message was deleted: the fix reply fails with thread_not_found, ts is forgotten, and the fix is posted as a new message', async () => {
  await feed('FAILED', '2025-01-31T00:10:00.000Z', A);
  slackApi.messages.clear(); // someone deleted it in Slack
  await feed('SUCCESSFUL', '2025-01-31T00:30:00.000Z', C);
  expect(calls()).toEqual([
    '/api/chat.postMessage new',
    '/api/chat.postMessage thread=1763892300.000001',
    '/api/chat.postMessage new',
  ]);
  expect(slackApi.calls[2]!.body.text).toMatch(/fixed/);
  const log = (await rt.resolver('getDeliveryLog', { limit: 10 }, extension)).data.entries;
  expect(log.find((e: any) => e.alertType === 'build.fixed')).toMatchObject({ outcome: 'delivered' });
});

test('a fix for a failure this channel never posted is a normal new message, with no update', async () => {
  expect((await rt.resolver('saveRules', { rules: [{ name: 'main', on: ['fixed'], channels: ['sl'] }] }, extension)).ok).toBe(true);
  await feed('FAILED', '2025-01-31T00:10:00.000Z', A);
  await feed('SUCCESSFUL', '2025-01-31T00:30:00.000Z', C);
  expect(calls()).toEqual(['/api/chat.postMessage new']);
});

test('"Send test alert" checks the token with auth.test and posts nothing', async () => {
  const res = await rt.resolver('testChannel', { name: 'sl' }, extension);
  expect(res.ok).toBe(true);
  expect(res.data.outcome).toBe('delivered');
  expect(slackApi.calls.map((c) => c.path)).toEqual(['/api/auth.test']);
  expect(slackApi.messages.size).toBe(0);
});
