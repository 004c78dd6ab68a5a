/**
 * "Who to ask" and "why it failed", wired end to end through evaluation and delivery: the rules
 * file's `mentions` map turns the commit author into a real Slack mention, and a rule's
 * `logTail: false` keeps the failed step's log out of its alerts (and unfetched when no rule wants it).
 */
import type { RepoEvent } from '../../src/core/events/repo-event';
import { REPO_UUID, startTestApp, type TestApp } from './helpers/app-deps';

const REPO = { uuid: REPO_UUID, fullName: 'acme/rockets', slug: 'rockets' };
const RUN = '{0000abcd-6e18-42c4-b3a3-70514fc4079f}';
let t: TestApp;
let logFetches: number;

const failed = (commit: string): RepoEvent => ({
  source: 'pipelines-api', kind: 'build', occurredAt: new Date(t.clock.now()).toISOString(), repository: REPO,
  build: { key: 'pipe', name: 'Pipeline #7', state: 'FAILED', commit, ref: 'main', url: 'https://bitbucket.org/acme/rockets/pipelines/results/7', runId: RUN },
});

async function importRules(rules: string) {
  const yaml = `version: 1
channels:
  - name: chat
    type: slack
    url: https://hooks.slack.com/services/T000/B000/XXXXXXXXXXXXXXXX
mentions:
  jane@acme.example:
    slack: U0123ABCD
rules:
${rules}`;
  const res = await t.call('importRules', { yaml });
  if (!res.ok) throw new Error(JSON.stringify(res.error));
}

beforeEach(() => {
  t = startTestApp();
  logFetches = 0;
  t.deps.bitbucket = {
    ...t.deps.bitbucket,
    getCommit: async (_repo, hash) => ({ hash, message: 'Retry the checkout', author: { name: 'Jane Doe', accountId: null, uuid: null, email: 'jane@acme.example' }, url: null }),
    getFailedStepDetails: async () => ({ name: 'Unit tests', uuid: '{5e5e5e5e-0000-4000-8000-000000000001}', durationSeconds: 192 }),
    getStepLogTail: async () => {
      logFetches++;
      return { lines: ['npm ERR! test failed', 'AssertionError: expected 2 to equal 3'], truncated: false };
    },
  } as typeof t.deps.bitbucket;
});
afterEach(() => t.close());

test('the author is mentioned in Slack through the mentions map, and the log tail is shown', async () => {
  await importRules(`  - name: main
    on: [failed]
    channels: [chat]`);
  await t.app.handleJob({ type: 'event', event: failed('a'.repeat(40)), receivedAt: '' }, { attempt: 1 });
  const body = t.http.sent.map((r) => r.body ?? '').join('\n');
  expect(body).toContain('<@U0123ABCD>');
  expect(body).toContain('AssertionError: expected 2 to equal 3');
  expect(body).toContain('Unit tests');
  expect(logFetches).toBe(1);
});

test('logTail: false leaves the log out, and it is not fetched when no rule wants it', async () => {
  await importRules(`  - name: main
    on: [failed]
    channels: [chat]
    logTail: false`);
  await t.app.handleJob({ type: 'event', event: failed('b'.repeat(40)), receivedAt: '' }, { attempt: 1 });
  const body = t.http.sent.map((r) => r.body ?? '').join('\n');
  expect(t.http.sent).toHaveLength(1);
  expect(body).not.toContain('AssertionError');
  expect(body).toContain('<@U0123ABCD>');
  expect(logFetches).toBe(0);
});
