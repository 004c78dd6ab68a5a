/**
 * Bitbucket REST adapters against a fake `requestBitbucket` (the only place @forge/api is mocked):
 * the routes they build, how they degrade, what they cache, and the permission checks as the user.
 * The KVS cache goes through the real @forge/kvs client over the in-memory platform fake.
 */
import { installForgeKvsFake, type ForgeKvsFake } from '../fakes/forge-kvs';
import { createForgeKvsStore } from '../../src/adapters/forge/kvs-store';
import { createConsoleLogger } from '../../src/adapters/forge/logger';
import type { Logger } from '../../src/core/ports';

type Reply = { status: number; body?: unknown } | 'hang' | 'throw';
const asAppCalls: string[] = [];
const asUserCalls: string[] = [];
let appReplies: (path: string) => Reply = () => ({ status: 404 });
let userReplies: (path: string) => Reply = () => ({ status: 404 });

function respond(reply: Reply) {
  if (reply === 'hang') return new Promise(() => undefined);
  if (reply === 'throw') return Promise.reject(new Error('socket hang up'));
  return Promise.resolve({ ok: reply.status >= 200 && reply.status < 300, status: reply.status, json: async () => reply.body });
}

jest.mock('@forge/api', () => {
  const actual = jest.requireActual('@forge/api');
  const asApp = () => ({ requestBitbucket: (r: { value: string }) => (asAppCalls.push(r.value), respond(appReplies(r.value))) });
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
    expect(asAppCalls).toEqual([`/2.0/repositories/acme/api/pipelines/${PIPELINE}/steps/?pagelen=100`]);
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
