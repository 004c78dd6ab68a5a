/**
 * The Forge path end to end, exactly as Forge runs it: the handlers src/index.ts exports (the ones
 * manifest.yml names) on a cold container, with fakes only at the platform edge (forge-platform.ts):
 * the real @forge/kvs client over the in-memory KVS, the real @forge/events Queue over the events
 * fake, the real @forge/api requestBitbucket (as app and as user) over scripted REST answers, and
 * @forge/api's egress fetch recording what the channel sends.
 *
 * Storage ops are counted as they arrive at the platform (not by wrapping the store).
 */
import { installForgePlatform, loadForgeEntry, drainQueue, callResolver, isWrite, repoPageExtension, type ForgeEntry, type ForgePlatform } from './helpers/forge-platform';
import { loadFixture } from '../helpers/fixtures';
import { keys, repoKey } from '../../src/core/storage-keys';

const REPO_UUID = '{15a31549-1cff-45dc-9d0d-310114c5038b}';
const WS_UUID = '{4c16a397-8e48-479c-8ca2-442e46c90570}';
const REPO = repoKey({ uuid: REPO_UUID, fullName: null })!;
const FAILED_FIXTURE = 'forge-build-status-created-failed.atlassian-docs.json';
const COMMIT = 'b88c4b490b648bf960eba6f59123456797960e55';
const COMMIT_MESSAGE = 'Make the checkout retry wait between attempts\n';
const HOOK_URL = 'https://hooks.example.com/build-alerts/Wh00kT0ken42';
const ADMIN = '5ffed3379edf280075d75b20';
const STRANGER = '712020:00000000-stranger';
/** What the repository settings page sends: no workspace (the resolver context carries it). */
const EXTENSION = repoPageExtension(REPO_UUID);

let platform: ForgePlatform;
let entry: ForgeEntry;
/** Account ids the permission check answers "admin" for. */
let admins: Set<string>;
let currentCaller: string | null;

function answerBitbucket(): void {
  platform.bitbucket.answer = ({ provider, path }) => {
    if (provider === 'app' && path === `/2.0/repositories/${WS_UUID}/${REPO_UUID}`) {
      return {
        status: 200,
        body: { type: 'repository', uuid: REPO_UUID, full_name: 'acme/widgets', slug: 'widgets', mainbranch: { name: 'main' }, links: { html: { href: 'https://bitbucket.org/acme/widgets' } } },
      };
    }
    if (provider === 'app' && path.startsWith(`/2.0/repositories/${WS_UUID}/${REPO_UUID}/commit/`)) {
      const hash = path.split('/').pop()!;
      return {
        status: 200,
        body: {
          hash,
          message: COMMIT_MESSAGE,
          author: { raw: 'Jane Doe <jane@acme.example>', user: { display_name: 'Jane Doe', account_id: ADMIN, uuid: '{cc8e193d-7603-4dfd-8771-fcc8960aa0fb}' } },
          links: { html: { href: `https://bitbucket.org/acme/widgets/commits/${hash}` } },
        },
      };
    }
    // asUser acts as the invocation's principal; the fake knows it from the resolver call being made.
    if (provider === 'user' && path.startsWith(`/2.0/user/workspaces/${WS_UUID}/permissions/repositories?q=`)) {
      const admin = currentCaller !== null && admins.has(currentCaller);
      return { status: 200, body: { values: [{ type: 'repository_permission', permission: admin ? 'admin' : 'write', repository: { uuid: REPO_UUID } }] } };
    }
    return { status: 404, body: { type: 'error', error: { message: 'not found' } } };
  };
}

async function resolve(name: string, payload: unknown, accountId = ADMIN): Promise<any> {
  currentCaller = accountId;
  try {
    return await callResolver(entry, name, payload, EXTENSION, accountId, platform);
  } finally {
    currentCaller = null;
  }
}

/** Trigger, then run every job the trigger and the consumer queue. Returns the storage ops and egress requests it caused. */
async function feed(event: unknown) {
  const ops = platform.storage.length;
  const sent = platform.egress.requests.length;
  const result = (await entry.onBitbucketEvent(event, platform.context)) as { queued: number; ignored?: string };
  await drainQueue(platform, entry);
  return { result, storage: platform.storage.slice(ops), sent: platform.egress.requests.slice(sent) };
}

const failedEvent = () => loadFixture<any>(FAILED_FIXTURE);
/** The newest activity entry of the repository, read from the KVS fake as stored. */
function lastActivity(): any {
  const key = platform.kvs.keys().filter((k) => k.startsWith(`activity:${REPO}:`)).sort()[0];
  return key ? platform.kvs.value(key) : undefined;
}
function buildUpdate(state: string, updatedOn: string, commit = COMMIT) {
  const e = failedEvent();
  e.eventType = 'avi:bitbucket:updated:build-status';
  e.buildStatus.state = state;
  e.buildStatus.updatedOn = updatedOn;
  e.buildStatus.commit.hash = commit;
  e.timestamp = updatedOn;
  return e;
}

async function configure(rules: unknown[]): Promise<void> {
  const channel = await resolve('saveChannel', { channel: { name: 'ops-hook', type: 'webhook', url: HOOK_URL } });
  expect(channel).toMatchObject({ ok: true, data: { name: 'ops-hook', type: 'webhook' } });
  expect(JSON.stringify(channel)).not.toContain('Wh00kT0ken42');
  expect(await resolve('saveRules', { rules })).toMatchObject({ ok: true });
}

const MAIN_RULE = { name: 'main broken', on: ['failed', 'fixed'], branches: ['main'], channels: ['ops-hook'] };

beforeEach(() => {
  jest.useFakeTimers({ now: Date.parse('2025-01-31T01:00:00.000Z'), doNotFake: ['nextTick', 'setImmediate', 'clearImmediate', 'setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'queueMicrotask', 'hrtime', 'performance'] });
  jest.spyOn(console, 'log').mockImplementation(() => undefined);
  jest.spyOn(console, 'warn').mockImplementation(() => undefined);
  platform = installForgePlatform();
  admins = new Set([ADMIN]);
  currentCaller = null;
  answerBitbucket();
  entry = loadForgeEntry({ declaredHosts: ['hooks.example.com'] });
});

afterEach(() => {
  platform.uninstall();
  jest.restoreAllMocks();
  jest.useRealTimers();
});

describe('Forge path: resolver → trigger → queue → consumer → channel', () => {
  test('a failed build status becomes one enriched build.failed; a redelivery sends nothing; a later success sends build.fixed on the same incident', async () => {
    await configure([MAIN_RULE]);
    expect(platform.kvs.keys()).toContain(keys.rules(REPO));
    expect(platform.kvs.secretKeys()).toContain(keys.channelSecret(REPO, 'ops-hook'));

    const first = await feed(failedEvent());
    expect(first.result).toEqual({ queued: 1 });
    expect(first.sent).toHaveLength(1);
    const failed = first.sent[0]!;
    expect(failed.url).toBe(HOOK_URL);
    expect(failed.method).toBe('POST');
    expect(failed.json).toMatchObject({
      type: 'build.failed',
      ref: 'main',
      repository: { uuid: REPO_UUID, fullName: 'acme/widgets' },
      build: { key: 'my-build1', state: 'FAILED', commit: COMMIT, commitMessage: COMMIT_MESSAGE, author: { name: 'Jane Doe' } },
      rule: 'main broken',
    });
    // The enrichment came from Bitbucket as the app, never as a user.
    const enrichment = platform.bitbucket.calls.filter((c) => c.path.includes('/commit/'));
    expect(enrichment.map((c) => c.provider)).toEqual(['app']);
    // Two invocations for the alert: the trigger pushed one event job, and its consumer run delivered inline.
    expect(platform.queue.delivered.map((d) => d.job.body.type)).toEqual(['event']);

    const again = await feed(failedEvent());
    expect(again.result).toEqual({ queued: 1 }); // the trigger cannot know; the consumer drops it
    expect(again.sent).toEqual([]);
    // The only write: the activity entry saying why nothing went out.
    expect(again.storage.filter(isWrite).map((w) => w.keys)).toEqual([[expect.stringMatching(/^activity:/)]]);
    expect(lastActivity()).toMatchObject({ decision: 'nothing', reason: 'duplicate' });

    const fixed = await feed(buildUpdate('SUCCESSFUL', '2025-01-31T00:55:00.000000Z'));
    expect(fixed.sent).toHaveLength(1);
    expect(fixed.sent[0]!.json).toMatchObject({ type: 'build.fixed', incidentKey: failed.json.incidentKey, build: { state: 'SUCCESSFUL' } });
    expect(fixed.sent[0]!.json.incidentKey).toEqual(expect.stringContaining(REPO));
  });

  test('SUCCESSFUL after SUCCESSFUL costs two batch reads (trigger: is it configured; consumer: the snapshot) and one write (the activity entry); nothing is sent', async () => {
    await configure([MAIN_RULE]);
    const firstSuccess = await feed(buildUpdate('SUCCESSFUL', '2025-01-31T00:50:00.000Z'));
    expect(firstSuccess.sent).toEqual([]);
    expect(firstSuccess.storage.filter(isWrite).length).toBeGreaterThan(0); // remembered state and repository record

    const noop = await feed(buildUpdate('SUCCESSFUL', '2025-01-31T00:58:00.000Z'));
    expect(noop.sent).toEqual([]);
    expect(noop.storage.filter(isWrite).map((w) => w.keys)).toEqual([[expect.stringMatching(/^activity:/)]]);
    expect(lastActivity()).toMatchObject({ decision: 'nothing', reason: 'no-change', event: { kind: 'build', state: 'SUCCESSFUL', ref: 'main' } });
    // Each invocation starts with empty memory (no tenant data outlives it), so the trigger reads again.
    const reads = noop.storage.filter((op) => !isWrite(op));
    expect(reads.map((r) => r.op)).toEqual(['batch/get', 'batch/get']);
    expect(reads.every((r) => r.keys.includes(keys.rules(REPO)))).toBe(true);
  });

  test('an event the app caused (selfGenerated) is dropped at the trigger: no queue push, no storage op', async () => {
    await configure([MAIN_RULE]);
    const pushes = platform.queue.pushes.length;
    const self = await feed({ ...failedEvent(), selfGenerated: true });
    expect(self.result).toEqual({ queued: 0, ignored: 'selfGenerated' });
    expect(platform.queue.pushes).toHaveLength(pushes);
    expect(self.storage).toEqual([]);
    expect(self.sent).toEqual([]);
  });

  test('a push and a pull request go through when a rule wants them, and not when none does', async () => {
    await configure([MAIN_RULE]);
    const unwanted = await feed(loadFixture('forge-push-repository-branch.atlassian-docs.json'));
    expect(unwanted.sent).toEqual([]);

    await resolve('saveRules', {
      rules: [MAIN_RULE, { name: 'pushes', on: ['push'], channels: ['ops-hook'] }, { name: 'reviews', on: ['pr-opened'], channels: ['ops-hook'] }],
    });
    const push = await feed(loadFixture('forge-push-repository-branch.atlassian-docs.json'));
    expect(push.result).toEqual({ queued: 1 });
    expect(push.sent).toHaveLength(1);
    expect(push.sent[0]!.json).toMatchObject({ type: 'push', ref: 'main', rule: 'pushes', repository: { uuid: REPO_UUID, fullName: 'acme/widgets' } });

    const pr = await feed(loadFixture('forge-created-pullrequest.atlassian-docs.json'));
    expect(pr.sent).toHaveLength(1);
    expect(pr.sent[0]!.json).toMatchObject({ type: 'pr.opened', rule: 'reviews', pullRequest: { id: 3, title: 'PR title' } });

    // A PR update is not something any rule can ask for: dropped at the trigger.
    const update = await feed(loadFixture('forge-updated-pullrequest.atlassian-docs.json'));
    expect(update.result.queued).toBe(0);
    expect(update.sent).toEqual([]);
  });

  test('a vendor 503 on the inline first attempt becomes a delayed delivery job, delivered once; a 503 there is redelivered with retryContext', async () => {
    await configure([MAIN_RULE]);
    platform.egress.script = [{ status: 503, body: '{"error":"busy"}' }, { status: 503, body: '{"error":"still busy"}' }];
    const run = await feed(failedEvent());
    expect(run.sent).toHaveLength(3);
    expect(new Set(run.sent.map((r) => r.headers['webhook-id'])).size).toBe(1);
    const pushedDelivery = platform.queue.pushes.flatMap((p) => p.payload).filter((e) => e.body.type === 'deliver');
    expect(pushedDelivery).toHaveLength(1);
    expect(pushedDelivery[0]!.delayInSeconds).toBeGreaterThanOrEqual(1);
    const deliverRuns = platform.queue.delivered.filter((d) => d.job.body.type === 'deliver');
    expect(deliverRuns.map((d) => d.job.retryCount)).toEqual([0, 1]);
    expect((deliverRuns[0]!.result as { _retry?: boolean })._retry).toBe(true);
    expect(deliverRuns[1]!.result).toBeUndefined();

    const log = await resolve('getDeliveryLog', { limit: 10 });
    expect(log.ok).toBe(true);
    expect(log.data.entries.map((e: { outcome: string }) => e.outcome)).toEqual(['delivered', 'retrying', 'retrying']);
  });

  test('a caller the permission check does not make admin is forbidden and changes nothing', async () => {
    await configure([MAIN_RULE]);
    const before = platform.storage.length;
    const secretsBefore = platform.kvs.secretKeys();
    const res = await resolve('saveRules', { rules: [] }, STRANGER);
    expect(res).toEqual({ ok: false, error: { code: 'forbidden', message: expect.any(String) } });
    const denied = await resolve('saveChannel', { channel: { name: 'evil', type: 'webhook', url: 'https://evil.example/x' } }, STRANGER);
    expect(denied.ok).toBe(false);
    expect(platform.storage.slice(before).filter(isWrite)).toEqual([]);
    expect(platform.kvs.secretKeys()).toEqual(secretsBefore);
    // The check was made as the user, against the repository's workspace.
    const checks = platform.bitbucket.calls.filter((c) => c.provider === 'user');
    expect(checks.length).toBeGreaterThan(0);
    expect(checks.every((c) => c.path.startsWith(`/2.0/user/workspaces/${WS_UUID}/permissions/repositories?q=`))).toBe(true);
    // The admin's rules are still in force.
    const stillThere = await resolve('exportRules', {});
    expect(stillThere.ok).toBe(true);
    expect(stillThere.data.yaml).toContain('main broken');
  });
});
