/**
 * The replay guard of signed webhooks is written only once the events are queued: when the queue
 * write fails, Bitbucket's retry of the same delivery must be taken, not dropped as a duplicate.
 */
import { createHmac } from 'node:crypto';
import { loadFixtureText } from '../helpers/fixtures';
import { startTestApp, type TestApp } from './helpers/app-deps';

const BODY = loadFixtureText('server-refs-changed-branch-update.drone-go-scm.json');
const SECRET = 'env-secret-for-replay-tests-00001';
const headers = {
  'x-event-key': 'repo:refs_changed',
  'x-hub-signature': `sha256=${createHmac('sha256', SECRET).update(BODY).digest('hex')}`,
};
let t: TestApp;

beforeEach(async () => {
  t = startTestApp();
  t.deps.envWebhookSecret = SECRET;
  const repo = JSON.parse(BODY).repository;
  const extension = { repository: { fullName: `${repo.project.key}/${repo.slug}` } };
  expect((await t.call('saveChannel', { channel: { name: 'hook', type: 'webhook', url: 'https://hooks.example.com/x' } }, undefined, extension)).ok).toBe(true);
  expect((await t.call('saveRules', { rules: [{ name: 'pushes', on: ['push'], channels: ['hook'] }] }, undefined, extension)).ok).toBe(true);
});
afterEach(() => t.close());

test('a failed queue write leaves no replay record: the retry is accepted; after it, a copy is a duplicate', async () => {
  const push = t.deps.queue.push;
  t.deps.queue.push = async () => {
    throw Object.assign(new Error('Too many requests.'), { name: 'RateLimitError' });
  };
  await expect(t.app.ingestWebhook({ headers, rawBody: Buffer.from(BODY) })).rejects.toThrow('Too many requests');
  t.deps.queue.push = push;

  const retry = await t.app.ingestWebhook({ headers, rawBody: Buffer.from(BODY) });
  expect(retry).toEqual({ status: 202, body: { queued: 1 } });
  const copy = await t.app.ingestWebhook({ headers: { ...headers, 'x-request-id': 'a-new-id' }, rawBody: Buffer.from(BODY) });
  expect(copy).toEqual({ status: 200, body: { duplicate: true } });
  expect(t.pushes.filter((j) => j.body.type === 'event')).toHaveLength(1);
});
