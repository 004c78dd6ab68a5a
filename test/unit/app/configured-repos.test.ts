/**
 * The trigger drops events of repositories nobody configured: no queue push, no consumer invocation,
 * one cached read; the repository is still remembered so the local settings page can list it.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openLocalStore, type LocalStore } from '../../../src/adapters/local/store/lmdb-store';
import type { AppDeps } from '../../../src/app/app-types';
import { CONFIGURED_CACHE_MS } from '../../../src/app/configured-repos';
import { createApp } from '../../../src/app/create-app';
import { countingStore } from '../../../src/core/counting-store';
import type { QueueJob } from '../../../src/core/ports';
import { keys } from '../../../src/core/storage-keys';
import { loadFixture } from '../../helpers/fixtures';

const forgeFailed = loadFixture('forge-build-status-created-failed.atlassian-docs.json') as Record<string, any>;
const REPO_KEY = '15a31549-1cff-45dc-9d0d-310114c5038b';

describe('events of unconfigured repositories', () => {
  let dir: string;
  let store: LocalStore;
  let pushed: QueueJob[];
  let now: number;
  let deps: AppDeps;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'ba-configured-'));
    store = openLocalStore(dir);
    pushed = [];
    now = Date.parse('2026-03-02T12:00:00Z');
    const counted = countingStore(store);
    deps = {
      store: counted, secrets: counted,
      queue: { push: async (jobs) => { pushed.push(...jobs); } },
      http: { send: async () => ({ ok: true, response: { status: 200, headers: {}, body: '' }, latencyMs: 1 }) },
      clock: { now: () => now },
      log: { debug() {}, info() {}, warn() {}, error() {} },
      bitbucket: { getRepository: async () => null, getCommit: async () => null, listBranches: async () => [], listRecentPipelines: async () => [], getFailedStep: async () => null, getFailedStepDetails: async () => null, getPipeline: async () => null, getStepLogTail: async () => null },
      access: { canAdminRepository: async () => true, canAdminWorkspace: async () => true },
      egress: { allowedHosts: ['hooks.example.com'], allowLoopback: true, allowPrivate: false },
      runtime: 'local',
    };
  });

  afterEach(async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  test('are dropped at the trigger with one read, cached on Forge, and the repository is remembered once', async () => {
    const counted = deps.store as ReturnType<typeof countingStore>;
    const app = createApp({ ...deps, runtime: 'forge' });
    expect(await app.ingestForgeEvent(forgeFailed)).toEqual({ queued: 0, ignored: 'no rules or channels for this repository' });
    expect(pushed).toHaveLength(0);
    expect(counted.snapshot()).toMatchObject({ reads: 1, writes: 1 });
    expect(await store.get(keys.repoIndex(REPO_KEY))).toMatchObject({ uuid: '{15a31549-1cff-45dc-9d0d-310114c5038b}' });

    counted.reset();
    await app.ingestForgeEvent(forgeFailed);
    expect(counted.snapshot()).toMatchObject({ reads: 0, writes: 0 });

    now += CONFIGURED_CACHE_MS + 1;
    await app.ingestForgeEvent(forgeFailed);
    expect(counted.snapshot()).toMatchObject({ reads: 1, writes: 0 });
    expect(pushed).toHaveLength(0);
  });

  test('locally, "not configured" is not cached: rules imported by another process apply at once', async () => {
    const counted = deps.store as ReturnType<typeof countingStore>;
    const app = createApp(deps);
    await app.ingestForgeEvent(forgeFailed);
    counted.reset();
    await app.ingestForgeEvent(forgeFailed);
    expect(counted.snapshot()).toMatchObject({ reads: 1, writes: 0 });
    // Another process (the CLI's `rules import`) writes the configuration straight into the store.
    await store.set(keys.rules(REPO_KEY), { version: 1, repository: { uuid: null, fullName: null }, channels: [], rules: [], updatedAt: '' });
    expect(await app.ingestForgeEvent(forgeFailed)).toEqual({ queued: 1 });
  });

  test('are queued as soon as the repository is configured in this instance', async () => {
    const app = createApp(deps);
    await app.ingestForgeEvent(forgeFailed);
    expect(pushed).toHaveLength(0);
    const saved = await app.resolve('saveChannel', {
      caller: { accountId: 'admin' },
      extension: { repository: { uuid: '{15a31549-1cff-45dc-9d0d-310114c5038b}' } },
      payload: { channel: { name: 'hook', type: 'webhook', url: 'https://hooks.example.com/x' } },
    });
    expect(saved.ok).toBe(true);
    expect(await app.ingestForgeEvent(forgeFailed)).toEqual({ queued: 1 });
    expect(pushed.map((j) => j.body.type)).toEqual(['event']);
  });

  test('workspace defaults count as configuration for every repository of the workspace', async () => {
    const app = createApp(deps);
    const saved = await app.resolve('saveWorkspaceChannel', {
      caller: { accountId: 'admin' },
      extension: { workspace: { uuid: forgeFailed.workspace.uuid } },
      payload: { channel: { name: 'hook', type: 'webhook', url: 'https://hooks.example.com/x' } },
    });
    expect(saved.ok).toBe(true);
    expect(await app.ingestForgeEvent(forgeFailed)).toEqual({ queued: 1 });
  });
});
