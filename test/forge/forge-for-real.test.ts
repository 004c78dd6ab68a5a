/**
 * What a real installation meets first, through the Forge entry with the real @forge/* clients over
 * the platform edge of forge-platform.ts (every faked shape cites its reference page there):
 *
 * - a first-time admin: Forge's proxy answers the as-user permission check with
 *   `forge-proxy-error: NEEDS_AUTHENTICATION_ERR` (node_modules/@forge/api/out/api/fetch.js); the
 *   error must leave the resolver so Forge shows its "Allow access" prompt; once allowed, the page loads;
 * - workspace defaults saved on the workspace settings page reach the repository settings page,
 *   whose extension carries no workspace (the workspace comes from the installation);
 * - two installations served by one warm process (one module registry, `useInstallation` switching
 *   `__forge_runtime__` and the invocation context, as Forge does) never see each other's web trigger
 *   URL, Bitbucket answers or stored data;
 * - a queue rate limit in the trigger ends in a retried event, not a lost one.
 *
 * Every test runs twice: on src/index.ts, and on the bundle `forge deploy` would upload
 * (.forge-bundle/deploy/index.cjs, built by scripts/forge-bundle.js with Forge's own bundler; `npm test`
 * builds it before jest). The bundle carries its own copies of @forge/*, which talk to the same
 * platform edge (`__forge_fetch__`, `__forge_runtime__`, global fetch).
 */
import fs from 'node:fs';
import path from 'node:path';
import {
  callResolver, drainQueue, installForgePlatform, loadForgeEntry, repoPageExtension, workspacePageExtension,
  type BitbucketCall, type BitbucketReply, type ForgeEntry, type ForgePlatform,
} from './helpers/forge-platform';
import { loadFixture } from '../helpers/fixtures';

const WS_A = '{4c16a397-8e48-479c-8ca2-442e46c90570}';
const WS_B = '{7d2a1e55-0b6f-4c1a-9e3d-5f8b2c4a6e10}';
const REPO_A = '{15a31549-1cff-45dc-9d0d-310114c5038b}';
const REPO_B = '{a0b1c2d3-1111-4222-8333-944455566677}';
const ADMIN = '5ffed3379edf280075d75b20';
// A host manifest.yml declares, so the bundle (whose egress list cannot be extended by a test) may call it too.
const HOOK_HOST = 'api.squadcast.com';
const HOOK_URL = `https://${HOOK_HOST}/v2/incidents/api/Wh00kT0ken42`;

const BUNDLE = path.resolve(__dirname, '../../.forge-bundle/deploy/index.cjs');
const ENTRIES: [string, () => ForgeEntry][] = [
  ['src/index.ts', () => loadForgeEntry()],
  ...(fs.existsSync(BUNDLE)
    ? ([['the forge deploy bundle', () => {
        let entry: ForgeEntry | undefined;
        jest.isolateModules(() => {
          entry = require(BUNDLE) as ForgeEntry; // eslint-disable-line @typescript-eslint/no-require-imports
        });
        return entry!;
      }]] as [string, () => ForgeEntry][])
    : []),
];
if (ENTRIES.length === 1) console.info('forge-for-real: no .forge-bundle/deploy (run node scripts/forge-bundle.js); testing src only');

let platform: ForgePlatform;
let entry: ForgeEntry;
/** Accounts that have not yet allowed the app to act for them. */
let unconsented: Set<string>;
let caller: string | null;

const NOT_FOUND: BitbucketReply = { status: 404, body: { type: 'error', error: { message: 'Repository not found' } } };

/** Bitbucket as each installation sees it: its own workspace's repositories only, by workspace UUID. */
function bitbucket(call: BitbucketCall): BitbucketReply {
  const ws = platform.workspaceUuid;
  const own = ws === WS_A ? { repo: REPO_A, fullName: 'acme/widgets' } : { repo: REPO_B, fullName: 'globex/gadgets' };
  if (call.provider === 'user') {
    if (caller && unconsented.has(caller)) return { status: 401, body: {}, headers: { 'forge-proxy-error': 'NEEDS_AUTHENTICATION_ERR' } };
    if (call.path.startsWith(`/2.0/user/workspaces/${ws}/permissions/repositories?q=`)) {
      // The q filter names one repository; only this workspace's own repository has an admin entry.
      const values = decodeURIComponent(call.path).includes(own.repo) ? [{ permission: 'admin', repository: { uuid: own.repo } }] : [];
      return { status: 200, body: { values } };
    }
    if (call.path === `/2.0/user/workspaces/${ws}/permission`) return { status: 200, body: { permission: 'owner' } };
    return NOT_FOUND;
  }
  if (call.path === `/2.0/repositories/${ws}/${own.repo}`) {
    return { status: 200, body: { uuid: own.repo, full_name: own.fullName, slug: own.fullName.split('/')[1], mainbranch: { name: 'main' }, links: { html: { href: `https://bitbucket.org/${own.fullName}` } } } };
  }
  if (call.path.startsWith(`/2.0/repositories/${ws}/${own.repo}/commit/`)) {
    return { status: 200, body: { hash: call.path.split('/').pop(), message: `fix in ${own.fullName}\n`, author: { raw: 'Jane Doe <jane@acme.example>' } } };
  }
  return NOT_FOUND;
}

async function asAdmin<T>(fn: () => Promise<T>): Promise<T> {
  caller = ADMIN;
  try {
    return await fn();
  } finally {
    caller = null;
  }
}
const repoPage = (repo: string, name: string, payload: unknown = {}) => asAdmin(() => callResolver(entry, name, payload, repoPageExtension(repo), ADMIN, platform));
const workspacePage = (name: string, payload: unknown = {}) => asAdmin(() => callResolver(entry, name, payload, workspacePageExtension(), ADMIN, platform));

function failedBuild(workspaceUuid: string, repoUuid: string): Record<string, any> {
  const e = loadFixture<any>('forge-build-status-created-failed.atlassian-docs.json');
  e.workspace.uuid = workspaceUuid;
  e.repository.uuid = repoUuid;
  return e;
}

describe.each(ENTRIES)('%s', (_name, load) => {
  beforeEach(() => {
    jest.useFakeTimers({ now: Date.parse('2025-01-31T01:00:00.000Z'), doNotFake: ['nextTick', 'setImmediate', 'clearImmediate', 'setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'queueMicrotask', 'hrtime', 'performance'] });
    jest.spyOn(console, 'log').mockImplementation(() => undefined);
    jest.spyOn(console, 'warn').mockImplementation(() => undefined);
    jest.spyOn(console, 'error').mockImplementation(() => undefined);
    platform = installForgePlatform({ workspaceUuid: WS_A });
    platform.bitbucket.answer = bitbucket;
    unconsented = new Set();
    caller = null;
    entry = load();
  });

  afterEach(() => {
    platform.uninstall();
    jest.restoreAllMocks();
    jest.useRealTimers();
  });

  describe('a first-time admin', () => {
    test("gets Forge's consent prompt (NEEDS_AUTHENTICATION_ERR leaves the resolver), then the page", async () => {
      unconsented.add(ADMIN);
      const before = asAdmin(() => callResolver(entry, 'getSettings', {}, repoPageExtension(REPO_A), ADMIN, platform));
      await expect(before).rejects.toMatchObject({ name: 'NEEDS_AUTHENTICATION_ERR', status: 401 });

      unconsented.delete(ADMIN); // the user clicked "Allow access"
      const after = await repoPage(REPO_A, 'getSettings');
      expect(after).toMatchObject({ ok: true, data: { repository: { uuid: REPO_A } } });
    });

    test('on the workspace page too', async () => {
      unconsented.add(ADMIN);
      await expect(workspacePage('getWorkspaceDefaults')).rejects.toMatchObject({ name: 'NEEDS_AUTHENTICATION_ERR' });
    });

    test('a real "no" is still a clear forbidden answer, not a prompt', async () => {
      platform.bitbucket.answer = (call) => (call.provider === 'user' ? { status: 200, body: { values: [{ permission: 'write' }] } } : bitbucket(call));
      expect(await repoPage(REPO_A, 'getSettings')).toMatchObject({ ok: false, error: { code: 'forbidden' } });
    });
  });

  describe('workspace defaults on a repository page (the page extension names no workspace)', () => {
    test('a channel saved on the workspace page is inherited by the repository page and usable by its rules', async () => {
      const saved = await workspacePage('saveWorkspaceChannel', { channel: { name: 'ops-hook', type: 'webhook', url: HOOK_URL } });
      expect(saved).toMatchObject({ ok: true, data: { name: 'ops-hook' } });

      const settings = await repoPage(REPO_A, 'getSettings');
      expect(settings.ok).toBe(true);
      expect(settings.data.channels).toEqual(expect.arrayContaining([expect.objectContaining({ name: 'ops-hook', inherited: true })]));

      const rules = await repoPage(REPO_A, 'saveRules', { rules: [{ name: 'main broken', on: ['failed'], branches: ['main'], channels: ['ops-hook'] }] });
      expect(rules).toMatchObject({ ok: true });

      // And an alert goes to the inherited channel, with the name Bitbucket gave under the workspace UUID path.
      expect(await entry.onBitbucketEvent(failedBuild(WS_A, REPO_A), platform.context)).toEqual({ queued: 1 });
      await drainQueue(platform, entry);
      expect(platform.egress.requests.map((r) => r.url)).toEqual([HOOK_URL]);
      expect(platform.egress.requests[0]!.json).toMatchObject({ type: 'build.failed', repository: { uuid: REPO_A, fullName: 'acme/widgets' } });
      expect(platform.bitbucket.calls.filter((c) => c.provider === 'app').every((c) => c.path.startsWith(`/2.0/repositories/${WS_A}/`))).toBe(true);
    });
  });

  describe('two installations in one warm process', () => {
    test('each sees only its own web trigger URL', async () => {
      const a = await repoPage(REPO_A, 'getSettings');
      platform.useInstallation(WS_B);
      const b = await repoPage(REPO_B, 'getSettings');
      platform.useInstallation(WS_A);
      const a2 = await repoPage(REPO_A, 'getSettings');

      const urlA = platform.webTriggerUrls.get('ari:cloud:bitbucket::workspace/4c16a397-8e48-479c-8ca2-442e46c90570');
      const urlB = platform.webTriggerUrls.get('ari:cloud:bitbucket::workspace/7d2a1e55-0b6f-4c1a-9e3d-5f8b2c4a6e10');
      expect(urlA).toBeDefined();
      expect(urlB).toBeDefined();
      expect(urlA).not.toBe(urlB);
      expect(a.data.webhookUrl).toBe(urlA);
      expect(b.data.webhookUrl).toBe(urlB);
      expect(a2.data.webhookUrl).toBe(urlA);
    });

    test("each sees only its own data: workspace defaults, repository names and alerts", async () => {
      await workspacePage('saveWorkspaceChannel', { channel: { name: 'acme-ops', type: 'webhook', url: HOOK_URL } });
      await repoPage(REPO_A, 'saveRules', { rules: [{ name: 'main broken', on: ['failed'], branches: ['main'], channels: ['acme-ops'] }] });
      expect(await entry.onBitbucketEvent(failedBuild(WS_A, REPO_A), platform.context)).toEqual({ queued: 1 });
      await drainQueue(platform, entry);
      expect(platform.egress.requests).toHaveLength(1);

      platform.useInstallation(WS_B);
      const defaults = await workspacePage('getWorkspaceDefaults');
      expect(defaults).toMatchObject({ ok: true, data: { channels: [] } });
      const settings = await repoPage(REPO_B, 'getSettings');
      expect(settings.data.channels).toEqual([]);
      // A rule naming installation A's channel is refused in B: it does not exist there.
      expect(await repoPage(REPO_B, 'saveRules', { rules: [{ name: 'x', on: ['failed'], channels: ['acme-ops'] }] })).toMatchObject({ ok: false });
      // B's events find no configuration and cost no queue push.
      const pushes = platform.queue.pushes.length;
      expect(await entry.onBitbucketEvent(failedBuild(WS_B, REPO_B), platform.context)).toMatchObject({ queued: 0 });
      expect(platform.queue.pushes.length).toBe(pushes);
      expect(platform.egress.requests).toHaveLength(1);
      // Nothing from A's Bitbucket answers reached B: B's calls name B's workspace only.
      const bCalls = platform.bitbucket.calls.filter((c) => c.path.includes(WS_B) || c.path.includes(REPO_B));
      expect(bCalls.length).toBeGreaterThan(0);
      expect(bCalls.every((c) => !c.path.includes(WS_A))).toBe(true);
    });
  });

  describe('Forge limits where users meet them', () => {
    test('a channel URL on a port Forge cannot reach (:8065) is refused on save, with what to do', async () => {
      const res = await repoPage(REPO_A, 'saveChannel', { channel: { name: 'mm', type: 'webhook', url: `https://${HOOK_HOST}:8065/hooks/Sekr3t` } });
      expect(res).toMatchObject({ ok: false });
      expect(JSON.stringify(res)).toMatch(/port 8065/);
      expect(JSON.stringify(res)).not.toContain('Sekr3t');
      expect(await repoPage(REPO_A, 'saveChannel', { channel: { name: 'mm', type: 'webhook', url: `https://${HOOK_HOST}:8443/hooks/Sekr3t` } })).toMatchObject({ ok: true });
    });
  });

  describe('the trigger under a queue rate limit', () => {
    test('returns an InvocationError; the retried event (retryContext) is queued and alerts once', async () => {
      await repoPage(REPO_A, 'saveChannel', { channel: { name: 'ops-hook', type: 'webhook', url: HOOK_URL } });
      await repoPage(REPO_A, 'saveRules', { rules: [{ name: 'main broken', on: ['failed'], branches: ['main'], channels: ['ops-hook'] }] });

      platform.queue.refuse.push(429); // more than 500 events a minute in this installation
      const event = failedBuild(WS_A, REPO_A);
      const first = (await entry.onBitbucketEvent(event, platform.context)) as { _retry?: boolean; retryOptions?: { retryAfter: number; retryReason: string } };
      expect(first._retry).toBe(true);
      expect(first.retryOptions).toMatchObject({ retryReason: 'FUNCTION_UPSTREAM_RATE_LIMITED' });
      expect(first.retryOptions!.retryAfter).toBeGreaterThanOrEqual(60);
      expect(platform.queue.pending).toEqual([]);

      // Forge redelivers the same event after retryAfter with retryContext (events reference, "Retry Atlassian app events").
      jest.setSystemTime(Date.now() + first.retryOptions!.retryAfter * 1000);
      const retried = await entry.onBitbucketEvent({ ...event, retryContext: { retryCount: 1, retryReason: 'FUNCTION_UPSTREAM_RATE_LIMITED', retryData: {} } }, platform.context);
      expect(retried).toEqual({ queued: 1 });
      await drainQueue(platform, entry);
      expect(platform.egress.requests.map((r) => r.json.type)).toEqual(['build.failed']);
    });
  });
});
