/**
 * Discord keeps the story, through the local runtime, against a loopback server that answers as
 * Discord's webhook API documents it (https://discord.com/developers/docs/resources/webhook):
 * `POST /api/webhooks/{id}/{token}?wait=true` answers the created message (with its `id`),
 * `PATCH .../messages/{message.id}` answers the edited message, or 404 with JSON code 10008
 * "Unknown Message" when that message was deleted
 * (https://discord.com/developers/docs/topics/opcodes-and-status-codes#json).
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { loadFixture } from '../helpers/fixtures';
import { startTestRuntime, type TestRuntime } from '../helpers/runtime';

const forgeFailed = loadFixture('forge-build-status-created-failed.atlassian-docs.json') as any;
const REPO = { uuid: forgeFailed.repository.uuid as string, fullName: 'acme/widgets' };

interface Call { method: string; path: string; body: any; userAgent: string | undefined }

function fakeDiscord(): Promise<{ url: string; calls: Call[]; messages: Map<string, any>; close(): Promise<void> }> {
  const calls: Call[] = [];
  const messages = new Map<string, any>();
  let next = 1000;
  const server: Server = createServer((req, res) => {
    let raw = '';
    req.on('data', (c) => (raw += c));
    req.on('end', () => {
      const body = raw ? JSON.parse(raw) : null;
      calls.push({ method: req.method!, path: req.url!, body, userAgent: req.headers['user-agent'] });
      const url = new URL(req.url!, 'http://x');
      const edit = /^\/api\/webhooks\/\d+\/[^/]+\/messages\/(\d+)$/.exec(url.pathname);
      res.setHeader('content-type', 'application/json');
      if (req.method === 'POST' && /^\/api\/webhooks\/\d+\/[^/]+$/.test(url.pathname)) {
        const id = String(next++);
        messages.set(id, { id, ...body });
        res.end(JSON.stringify(url.searchParams.get('wait') === 'true' ? { id, channel_id: '42', ...body } : {}));
      } else if (req.method === 'PATCH' && edit) {
        const id = edit[1]!;
        if (!messages.has(id)) {
          res.statusCode = 404;
          res.end(JSON.stringify({ message: 'Unknown Message', code: 10008 }));
        } else {
          messages.set(id, { ...messages.get(id), ...body });
          res.end(JSON.stringify(messages.get(id)));
        }
      } else {
        res.statusCode = 405;
        res.end(JSON.stringify({ message: '405: Method Not Allowed', code: 0 }));
      }
    });
  });
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () =>
      resolve({
        url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
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
let discord: Awaited<ReturnType<typeof fakeDiscord>>;

beforeEach(async () => {
  rt = await startTestRuntime();
  discord = await fakeDiscord();
  const extension = { repository: REPO };
  expect((await rt.resolver('saveChannel', { channel: { name: 'dc', type: 'discord', url: `${discord.url}/api/webhooks/123456/tok3n` } }, extension)).ok).toBe(true);
  expect((await rt.resolver('saveRules', { rules: [{ name: 'main', on: ['failed', 'still-failing', 'fixed'], channels: ['dc'] }] }, extension)).ok).toBe(true);
});
afterEach(async () => {
  await rt.stop();
  await discord.close();
});

async function feed(state: 'FAILED' | 'SUCCESSFUL', at: string, commit: string) {
  expect((await rt.post('/forge/events', status(state, at, commit))).status).toBe(202);
  await rt.settle();
}

const A = 'a'.repeat(40);
const B = 'b'.repeat(40);
const C = 'c'.repeat(40);

test('failure → still-failing → fix: the fix edits the failure message (not the reminder), then a reply notifies', async () => {
  await feed('FAILED', '2025-01-31T00:10:00.000Z', A);
  await feed('FAILED', '2025-01-31T00:20:00.000Z', B);
  await feed('SUCCESSFUL', '2025-01-31T00:30:00.000Z', C);
  const [failure, still, edit, reply] = discord.calls;
  expect(discord.calls.map((c) => `${c.method} ${c.path}`)).toEqual([
    'POST /api/webhooks/123456/tok3n?wait=true',
    'POST /api/webhooks/123456/tok3n?wait=true',
    'PATCH /api/webhooks/123456/tok3n/messages/1000',
    'POST /api/webhooks/123456/tok3n?wait=true',
  ]);
  expect(JSON.stringify(failure!.body.embeds)).toContain('failed');
  expect(JSON.stringify(still!.body.embeds)).toMatch(/still failing|failing/i);
  expect(JSON.stringify(edit!.body.embeds)).toMatch(/fixed/i);
  expect(edit!.body.username).toBeUndefined(); // Edit Webhook Message takes no username
  expect(reply!.body.content).toMatch(/fixed/i);
  expect(reply!.body.allowed_mentions).toEqual({ parse: [], users: [] });
  for (const c of discord.calls) expect(c.userAgent).toMatch(/^DiscordBot \(https?:\/\/\S+, \d+\.\d+\.\d+\)$/);

  const log = (await rt.resolver('getDeliveryLog', { limit: 10 }, { repository: REPO })).data.entries;
  expect(log.find((e: any) => e.alertType === 'build.fixed')).toMatchObject({ outcome: 'delivered', followUp: 'follow-up delivered' });
});

test('the failure message was deleted (404, code 10008): the fix is posted as a new message', async () => {
  await feed('FAILED', '2025-01-31T00:10:00.000Z', A);
  discord.messages.clear(); // someone deleted it in Discord
  await feed('SUCCESSFUL', '2025-01-31T00:30:00.000Z', C);
  expect(discord.calls.map((c) => `${c.method} ${c.path}`)).toEqual([
    'POST /api/webhooks/123456/tok3n?wait=true',
    'PATCH /api/webhooks/123456/tok3n/messages/1000',
    'POST /api/webhooks/123456/tok3n?wait=true',
  ]);
  expect(JSON.stringify(discord.calls[2]!.body.embeds)).toMatch(/fixed/i);
  const log = (await rt.resolver('getDeliveryLog', { limit: 10 }, { repository: REPO })).data.entries;
  expect(log.find((e: any) => e.alertType === 'build.fixed')).toMatchObject({ outcome: 'delivered' });
});

test("a remembered id belongs to one incident: the next streak's fix never edits the previous incident's message", async () => {
  await feed('FAILED', '2025-01-31T00:10:00.000Z', A);
  await feed('SUCCESSFUL', '2025-01-31T00:20:00.000Z', B);
  // From now on this channel hears only about fixes: the next failure is not sent here.
  expect((await rt.resolver('saveRules', { rules: [{ name: 'main', on: ['fixed'], channels: ['dc'] }] }, { repository: REPO })).ok).toBe(true);
  const calls = discord.calls.length;
  await feed('FAILED', '2025-01-31T01:00:00.000Z', C);
  await feed('SUCCESSFUL', '2025-01-31T01:10:00.000Z', 'd'.repeat(40));
  expect(discord.calls.slice(calls).map((c) => `${c.method} ${c.path}`)).toEqual(['POST /api/webhooks/123456/tok3n?wait=true']);
});
