/**
 * Bitbucket REST adapters against a fake `requestBitbucket` (the only place @forge/api is mocked):
 * the routes they build, how they degrade, what they cache, and the permission checks as the user.
 * The KVS cache goes through the real @forge/kvs client over the in-memory platform fake.
 */
import { installForgeKvsFake, type ForgeKvsFake } from '../fakes/forge-kvs';
import { createForgeKvsStore } from '../../src/adapters/forge/kvs-store';
import { createConsoleLogger } from '../../src/adapters/forge/logger';
import type { Logger } from '../../src/core/ports';

type Reply = { status: number; body?: unknown; text?: string; headers?: Record<string, string> } | 'hang' | 'throw';
const asAppCalls: string[] = [];
/** The second argument of each asApp call (headers), in call order. */
const asAppInits: ({ headers?: Record<string, string> } | undefined)[] = [];
const asUserCalls: string[] = [];
let appReplies: (path: string) => Reply = () => ({ status: 404 });
let userReplies: (path: string) => Reply = () => ({ status: 404 });

function respond(reply: Reply) {
  if (reply === 'hang') return new Promise(() => undefined);
  if (reply === 'throw') return Promise.reject(new Error('socket hang up'));
  const headers = Object.fromEntries(Object.entries(reply.headers ?? {}).map(([k, v]) => [k.toLowerCase(), v]));
  return Promise.resolve({
    ok: reply.status >= 200 && reply.status < 300,
    status: reply.status,
    json: async () => reply.body,
    text: async () => reply.text ?? JSON.stringify(reply.body ?? ''),
    headers: { get: (name: string) => headers[name.toLowerCase()] ?? null },
  });
}

jest.mock('@forge/api', () => {
  const actual = jest.requireActual('@forge/api');
  const asApp = () => ({
    requestBitbucket: (r: { value: string }, init?: { headers?: Record<string, string> }) => (asAppCalls.push(r.value), asAppInits.push(init), respond(appReplies(r.value))),
  });
  const asUser = () => ({ requestBitbucket: (r: { value: string }) => (asUserCalls.push(r.value), respond(userReplies(r.value))) });
  return { ...actual, __esModule: true, asApp, asUser, default: { ...actual.default, asApp, asUser } };
});

// Imported after the mock is registered (jest hoists jest.mock above imports anyway).
import { createForgeBitbucketApi, repoSegments } from '../../src/adapters/forge/bitbucket-api';
import { createForgeAccessChecker } from '../../src/adapters/forge/access-checker';

const REPO_UUID = '{15a31549-1cff-45dc-9d0d-310114c5038b}';
const WS_UUID = '{4c16a397-8e48-479c-8ca2-442e46c90570}';
const HASH = 'b88c4b490b648bf960eba6f59123456797960e55';
const PIPELINE = '{a1b2c3d4-0000-4000-8000-000000000001}';

const quietLog = (): Logger => createConsoleLogger({ sink: { log: () => undefined, warn: () => undefined, error: () => undefined } });

const aRepositoryBody = () => ({
  uuid: REPO_UUID,
  full_name: 'acme/api',
  slug: 'api',
  mainbranch: { name: 'main' },
  links: { html: { href: 'https://bitbucket.org/acme/api' } },
});

let kvsFake: ForgeKvsFake;
beforeEach(() => {
  asAppCalls.length = 0;
  asAppInits.length = 0;
  asUserCalls.length = 0;
  appReplies = () => ({ status: 404 });
  userReplies = () => ({ status: 404 });
  kvsFake = installForgeKvsFake();
});
afterEach(() => kvsFake.uninstall());

describe('repoSegments', () => {
  it('puts the installation workspace UUID before a bare repository UUID, as the Forge guidance does', () => {
    expect(repoSegments(REPO_UUID, WS_UUID)).toEqual({ workspace: WS_UUID, repo: REPO_UUID });
    expect(repoSegments(REPO_UUID.slice(1, -1), WS_UUID.slice(1, -1).toUpperCase())).toEqual({ workspace: WS_UUID, repo: REPO_UUID });
    // A repository already named with its workspace keeps it.
    expect(repoSegments('acme/api', WS_UUID)).toEqual({ workspace: 'acme', repo: 'api' });
  });

  it('addresses a repository by "{}" + UUID when no workspace is known, by workspace/slug, and refuses what it cannot address', () => {
    expect(repoSegments(REPO_UUID)).toEqual({ workspace: '{}', repo: REPO_UUID });
    expect(repoSegments(REPO_UUID.slice(1, -1).toUpperCase())).toEqual({ workspace: '{}', repo: REPO_UUID });
    expect(repoSegments('acme/api')).toEqual({ workspace: 'acme', repo: 'api' });
    expect(repoSegments(`${WS_UUID}/${REPO_UUID}`)).toEqual({ workspace: WS_UUID, repo: REPO_UUID });
    expect(repoSegments('n-acme#2fapi')).toBeNull();
    expect(repoSegments('acme/../etc')).toBeNull();
  });
});

describe('BitbucketApi over requestBitbucket (as the app)', () => {
  it('maps a repository and caches it in memory and KVS', async () => {
    appReplies = () => ({ status: 200, body: aRepositoryBody() });
    const bb = createForgeBitbucketApi({ log: quietLog(), store: createForgeKvsStore() });
    const first = await bb.getRepository(REPO_UUID);
    expect(first).toEqual({ uuid: REPO_UUID, fullName: 'acme/api', slug: 'api', mainBranch: 'main', url: 'https://bitbucket.org/acme/api' });
    expect(await bb.getRepository(REPO_UUID)).toEqual(first);
    expect(asAppCalls).toEqual([`/2.0/repositories/{}/${REPO_UUID}`]);
    expect(kvsFake.keys().some((k) => k.startsWith('cache:'))).toBe(true);

    // A fresh instance (new container) is served from KVS without calling Bitbucket.
    const other = createForgeBitbucketApi({ log: quietLog(), store: createForgeKvsStore() });
    expect(await other.getRepository(REPO_UUID)).toEqual(first);
    expect(asAppCalls).toHaveLength(1);
  });

  it('calls /2.0/repositories/{workspaceUuid}/{repoUuid} when it knows the installation workspace', async () => {
    appReplies = () => ({ status: 200, body: aRepositoryBody() });
    const bb = createForgeBitbucketApi({ log: quietLog(), workspaceUuid: WS_UUID });
    await bb.getRepository(REPO_UUID);
    await bb.getCommit(REPO_UUID, HASH);
    expect(asAppCalls).toEqual([`/2.0/repositories/${WS_UUID}/${REPO_UUID}`, `/2.0/repositories/${WS_UUID}/${REPO_UUID}/commit/${HASH}`]);
  });

  it('degrades to null on a 500 and does not cache the failure in KVS', async () => {
    appReplies = () => ({ status: 500, body: { error: 'boom' } });
    const bb = createForgeBitbucketApi({ log: quietLog(), store: createForgeKvsStore() });
    expect(await bb.getRepository('acme/api')).toBeNull();
    expect(await bb.getCommit('acme/api', HASH)).toBeNull();
    expect(await bb.listBranches('acme/api')).toEqual([]);
    expect(await bb.listRecentPipelines('acme/api')).toEqual([]);
    expect(await bb.getFailedStep('acme/api', PIPELINE)).toBeNull();
    expect(kvsFake.keys()).toEqual([]);
  });

  it('degrades to null when Bitbucket does not answer in time or the request throws', async () => {
    appReplies = () => 'hang';
    const slow = createForgeBitbucketApi({ log: quietLog(), timeoutMs: 20 });
    expect(await slow.getCommit('acme/api', HASH)).toBeNull();
    appReplies = () => 'throw';
    const broken = createForgeBitbucketApi({ log: quietLog() });
    expect(await broken.getRepository('acme/api')).toBeNull();
  });

  it('maps a commit with its author and builds the commit route', async () => {
    appReplies = () => ({
      status: 200,
      body: {
        hash: HASH,
        message: 'Fix flaky test\n',
        author: { raw: 'Jane Doe <jane@example.com>', user: { display_name: 'Jane Doe', account_id: '5ffe', uuid: '{u}' } },
        links: { html: { href: `https://bitbucket.org/acme/api/commits/${HASH}` } },
      },
    });
    const bb = createForgeBitbucketApi({ log: quietLog() });
    expect(await bb.getCommit('acme/api', HASH)).toEqual({
      hash: HASH,
      message: 'Fix flaky test\n',
      author: { name: 'Jane Doe', accountId: '5ffe', uuid: '{u}', email: 'jane@example.com' },
      url: `https://bitbucket.org/acme/api/commits/${HASH}`,
    });
    expect(asAppCalls).toEqual([`/2.0/repositories/acme/api/commit/${HASH}`]);
    expect(await bb.getCommit('acme/api', 'not-a-hash;rm')).toBeNull();
    expect(asAppCalls).toHaveLength(1);
  });

  it('lists branches and recent pipelines with bounded page sizes, newest first', async () => {
    appReplies = (p) =>
      p.includes('/refs/branches')
        ? { status: 200, body: { values: [{ name: 'main' }, { name: 'feature/x' }, { nope: 1 }] } }
        : { status: 200, body: { values: [{ uuid: '{p2}' }, { uuid: '{p1}' }] } };
    const bb = createForgeBitbucketApi({ log: quietLog() });
    expect(await bb.listBranches('acme/api', 500)).toEqual(['main', 'feature/x']);
    expect(await bb.listRecentPipelines('acme/api', 5)).toEqual([{ uuid: '{p2}' }, { uuid: '{p1}' }]);
    expect(asAppCalls).toEqual([
      '/2.0/repositories/acme/api/refs/branches?pagelen=100&sort=-target.date',
      '/2.0/repositories/acme/api/pipelines/?sort=-created_on&pagelen=5',
    ]);
  });

  it('finds the first failed step of a pipeline', async () => {
    appReplies = () => ({
      status: 200,
      body: {
        values: [
          { name: 'Build', state: { name: 'COMPLETED', result: { name: 'SUCCESSFUL' } } },
          { name: 'Unit tests', state: { name: 'COMPLETED', result: { name: 'FAILED' } } },
          { name: 'Deploy', state: { name: 'COMPLETED', result: { name: 'FAILED' } } },
        ],
      },
    });
    const bb = createForgeBitbucketApi({ log: quietLog() });
    expect(await bb.getFailedStep('acme/api', PIPELINE.slice(1, -1))).toBe('Unit tests');
    // The run's creator is read with it (one cache entry per failed run).
    expect(asAppCalls).toEqual([`/2.0/repositories/acme/api/pipelines/${PIPELINE}/steps/?pagelen=100`, `/2.0/repositories/acme/api/pipelines/${PIPELINE}`]);
  });

  describe('a failed run: step details, creator and log tail', () => {
    const STEP = '{b2c3d4e5-0000-4000-8000-000000000002}';
    const stepsRoute = `/2.0/repositories/acme/api/pipelines/${PIPELINE}/steps/?pagelen=100`;
    const pipelineRoute = `/2.0/repositories/acme/api/pipelines/${PIPELINE}`;
    const logRoute = `/2.0/repositories/acme/api/pipelines/${PIPELINE}/steps/${STEP}/log`;
    const stepsBody = {
      values: [
        { uuid: '{00000000-0000-4000-8000-00000000000a}', name: 'Build', state: { name: 'COMPLETED', result: { name: 'SUCCESSFUL' } }, duration_in_seconds: 30 },
        { uuid: STEP.toUpperCase(), name: 'Unit tests', state: { name: 'COMPLETED', result: { name: 'FAILED' } }, started_on: '2026-11-23T10:00:00.000Z', completed_on: '2026-11-23T10:03:12.400Z' },
      ],
    };
    const pipelineBody = {
      uuid: PIPELINE,
      creator: { type: 'user', display_name: 'Ravi Patel', account_id: '712020:ravi', uuid: '{r-1}' },
      trigger: { type: 'pipeline_trigger_manual' },
    };
    const answer = (log: Reply) => (path: string): Reply =>
      path === stepsRoute ? { status: 200, body: stepsBody } : path === pipelineRoute ? { status: 200, body: pipelineBody } : path === logRoute ? log : { status: 404 };

    it('maps the failed step (uuid, duration from started_on/completed_on) and the creator, cached in KVS as one entry', async () => {
      appReplies = answer({ status: 404 });
      const bb = createForgeBitbucketApi({ log: quietLog(), store: createForgeKvsStore() });
      expect(await bb.getFailedStepDetails('acme/api', PIPELINE)).toEqual({ uuid: STEP, name: 'Unit tests', durationSeconds: 192 });
      expect(await bb.getPipeline('acme/api', PIPELINE)).toEqual({
        uuid: PIPELINE, creator: { name: 'Ravi Patel', accountId: '712020:ravi', uuid: '{r-1}' }, trigger: 'pipeline_trigger_manual',
      });
      expect(asAppCalls).toEqual([stepsRoute, pipelineRoute]);
      const fresh = createForgeBitbucketApi({ log: quietLog(), store: createForgeKvsStore() });
      expect((await fresh.getPipeline('acme/api', PIPELINE))?.creator?.name).toBe('Ravi Patel');
      expect(asAppCalls).toHaveLength(2);
    });

    it('asks for the tail only (Range: bytes=-16384), reads a 206 and caches the processed tail (at most 2 KB) in KVS', async () => {
      const log = ['partial line', ...Array.from({ length: 40 }, (_, i) => `\u001b[32mok ${i}\u001b[0m`), 'Error: expected 200, got 500', 'export TOKEN=ghp_abcdefghijklmnopqrstuvwxyz0123456789'].join('\n');
      appReplies = answer({ status: 206, text: log, headers: { 'Content-Range': 'bytes 1000-2999/3000' } });
      const bb = createForgeBitbucketApi({ log: quietLog(), store: createForgeKvsStore() });
      const tail = await bb.getStepLogTail('acme/api', PIPELINE, STEP);
      expect(asAppInits[asAppCalls.indexOf(logRoute)]?.headers).toMatchObject({ Range: 'bytes=-16384' });
      expect(tail!.truncated).toBe(true);
      expect(tail!.lines).toHaveLength(20);
      expect(tail!.lines.at(-2)).toBe('Error: expected 200, got 500');
      expect(tail!.lines.at(-1)).toBe('export TOKEN=***');
      expect(tail!.lines.join('\n')).not.toMatch(/\u001b|partial line|ghp_/);
      expect(Buffer.byteLength(JSON.stringify(tail))).toBeLessThan(2_300);

      const fresh = createForgeBitbucketApi({ log: quietLog(), store: createForgeKvsStore() });
      expect(await fresh.getStepLogTail('acme/api', PIPELINE, STEP)).toEqual(tail);
      expect(asAppCalls.filter((c) => c === logRoute)).toHaveLength(1);
    });

    it('reads a whole log answered 200 (Range ignored) and a 206 that starts at byte 0 as complete', async () => {
      appReplies = answer({ status: 200, text: 'line 1\nline 2\nFAILED: 3 tests\n' });
      expect(await createForgeBitbucketApi({ log: quietLog() }).getStepLogTail('acme/api', PIPELINE, STEP)).toEqual({ lines: ['line 1', 'line 2', 'FAILED: 3 tests'], truncated: false });
      appReplies = answer({ status: 206, text: 'first\nlast', headers: { 'content-range': 'bytes 0-9/10' } });
      expect(await createForgeBitbucketApi({ log: quietLog() }).getStepLogTail('acme/api', PIPELINE, STEP)).toEqual({ lines: ['first', 'last'], truncated: false });
      // A 200 larger than the tail is cut to its last 16 KB, partial first line dropped.
      appReplies = answer({ status: 200, text: 'x'.repeat(20_000) + '\nend of a long log' });
      expect(await createForgeBitbucketApi({ log: quietLog() }).getStepLogTail('acme/api', PIPELINE, STEP)).toEqual({ lines: ['end of a long log'], truncated: true });
    });

    it('leaves the log out on 404 (no log), 416 (empty log), 304 and a redirect to log storage, logging only the redirect host', async () => {
      const warnings: string[] = [];
      const log: Logger = { debug() {}, info() {}, warn: (o: object, m?: string) => warnings.push(`${m} ${JSON.stringify(o)}`), error() {} };
      for (const reply of [{ status: 404 }, { status: 416 }, { status: 304 }] as Reply[]) {
        appReplies = answer(reply);
        expect(await createForgeBitbucketApi({ log: quietLog() }).getStepLogTail('acme/api', PIPELINE, STEP)).toBeNull();
      }
      appReplies = answer({ status: 307, headers: { Location: 'https://logs-bucket.s3.amazonaws.com/step.log?X-Amz-Signature=s3cr3tsignature' } });
      expect(await createForgeBitbucketApi({ log }).getStepLogTail('acme/api', PIPELINE, STEP)).toBeNull();
      expect(warnings.join('\n')).toContain('logs-bucket.s3.amazonaws.com');
      expect(warnings.join('\n')).toContain('would need egress');
      expect(warnings.join('\n')).not.toContain('s3cr3tsignature');
    });

    it('remembers an empty log (416) in KVS, and a 404 only briefly in memory', async () => {
      appReplies = answer({ status: 416 });
      const bb = createForgeBitbucketApi({ log: quietLog(), store: createForgeKvsStore() });
      expect(await bb.getStepLogTail('acme/api', PIPELINE, STEP)).toBeNull();
      expect(await createForgeBitbucketApi({ log: quietLog(), store: createForgeKvsStore() }).getStepLogTail('acme/api', PIPELINE, STEP)).toBeNull();
      expect(asAppCalls.filter((c) => c === logRoute)).toHaveLength(1);

      kvsFake.uninstall();
      kvsFake = installForgeKvsFake();
      asAppCalls.length = 0;
      appReplies = answer({ status: 404 });
      const other = createForgeBitbucketApi({ log: quietLog(), store: createForgeKvsStore() });
      expect(await other.getStepLogTail('acme/api', PIPELINE, STEP)).toBeNull();
      expect(await other.getStepLogTail('acme/api', PIPELINE, STEP)).toBeNull();
      expect(asAppCalls).toHaveLength(1);
      expect(kvsFake.keys()).toEqual([]);
    });

    it('degrades to null when the log does not come in time, and refuses ids it cannot address', async () => {
      appReplies = (p) => (p === logRoute ? 'hang' : { status: 404 });
      expect(await createForgeBitbucketApi({ log: quietLog(), timeoutMs: 20 }).getStepLogTail('acme/api', PIPELINE, STEP)).toBeNull();
      expect(await createForgeBitbucketApi({ log: quietLog() }).getStepLogTail('acme/api', PIPELINE, '../etc')).toBeNull();
      expect(asAppCalls).toEqual([logRoute]);
    });
  });
});

describe('AccessChecker (as the user)', () => {
  const permissionPage = (permission: string) => ({
    status: 200,
    body: { values: [{ type: 'repository_permission', permission, repository: { uuid: REPO_UUID, full_name: 'acme/api' } }] },
  });

  it('grants repository admin only for permission "admin", asking in the repository’s workspace', async () => {
    appReplies = () => ({ status: 200, body: aRepositoryBody() });
    userReplies = () => permissionPage('admin');
    const bitbucket = createForgeBitbucketApi({ log: quietLog() });
    const access = createForgeAccessChecker({ log: quietLog(), bitbucket });
    expect(await access.canAdminRepository({ accountId: 'acc-1' }, REPO_UUID)).toBe(true);
    expect(asUserCalls).toEqual([
      `/2.0/user/workspaces/acme/permissions/repositories?q=${encodeURIComponent(`repository.uuid="${REPO_UUID}"`)}`,
    ]);

    userReplies = () => permissionPage('write');
    const fresh = createForgeAccessChecker({ log: quietLog(), bitbucket });
    expect(await fresh.canAdminRepository({ accountId: 'acc-1' }, REPO_UUID)).toBe(false);
  });

  it('says no without asking when there is no platform account, and on any failure', async () => {
    appReplies = () => ({ status: 200, body: aRepositoryBody() });
    const bitbucket = createForgeBitbucketApi({ log: quietLog() });
    const access = createForgeAccessChecker({ log: quietLog(), bitbucket });
    expect(await access.canAdminRepository({ accountId: null }, REPO_UUID)).toBe(false);
    expect(await access.canAdminWorkspace({ accountId: null }, 'acme')).toBe(false);
    expect(asUserCalls).toEqual([]);

    userReplies = () => ({ status: 410, body: { error: { message: 'CHANGE-2770' } } });
    expect(await access.canAdminRepository({ accountId: 'acc-2' }, 'acme/api')).toBe(false);
    userReplies = () => 'throw';
    expect(await access.canAdminWorkspace({ accountId: 'acc-2' }, 'acme')).toBe(false);
  });

  it('grants workspace admin only to owners, addressing a workspace UUID with braces', async () => {
    userReplies = () => ({ status: 200, body: { type: 'workspace_membership', permission: 'owner' } });
    const access = createForgeAccessChecker({ log: quietLog(), bitbucket: createForgeBitbucketApi({ log: quietLog() }) });
    expect(await access.canAdminWorkspace({ accountId: 'acc-1' }, WS_UUID.slice(1, -1))).toBe(true);
    expect(asUserCalls).toEqual([`/2.0/user/workspaces/${WS_UUID}/permission`]);

    userReplies = () => ({ status: 200, body: { type: 'workspace_membership', permission: 'member' } });
    expect(await access.canAdminWorkspace({ accountId: 'acc-3' }, 'acme')).toBe(false);
    expect(await access.canAdminWorkspace({ accountId: 'acc-3' }, '../admin')).toBe(false);
  });

  it('reuses an answer for the same caller and repository within a minute, and not across callers', async () => {
    let clock = 1_000_000;
    appReplies = () => ({ status: 200, body: aRepositoryBody() });
    userReplies = () => permissionPage('admin');
    const access = createForgeAccessChecker({ log: quietLog(), bitbucket: createForgeBitbucketApi({ log: quietLog() }), now: () => clock });
    await access.canAdminRepository({ accountId: 'acc-1' }, 'acme/api');
    await access.canAdminRepository({ accountId: 'acc-1' }, 'acme/api');
    expect(asUserCalls).toHaveLength(1);
    await access.canAdminRepository({ accountId: 'acc-2' }, 'acme/api');
    expect(asUserCalls).toHaveLength(2);
    clock += 61_000;
    await access.canAdminRepository({ accountId: 'acc-1' }, 'acme/api');
    expect(asUserCalls).toHaveLength(3);
  });
});
