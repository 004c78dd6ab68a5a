/**
 * Poison jobs on the local runtime: an event whose state write the store always refuses is set aside
 * as a dead letter (at once for a permanent error, after a few minutes of virtual time for a
 * transient-looking one), and a later event of the same repository, queued behind it under the same
 * `event:<repo>` key, is still evaluated and alerts. A hostile 200 KB field alerts with a small state.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AppDeps } from '../../src/app/app-types';
import { deadLettersCommand } from '../../src/cli/dead-letters-command';
import { StorageContractError, type KeyValueStore } from '../../src/core/ports';
import { PREFIX } from '../../src/core/storage-keys';
import { fakeClock } from '../helpers/builders';
import { loadFixture } from '../helpers/fixtures';
import { startReceiver, type Receiver } from '../helpers/receiver';
import { startTestRuntime, type TestRuntime } from '../helpers/runtime';

const REPO = { uuid: '{15a31549-1cff-45dc-9d0d-310114c5038b}' };
const forgeFailed = loadFixture<any>('forge-build-status-created-failed.atlassian-docs.json');

function failedStatus(key: string, at: string, over: Record<string, unknown> = {}) {
  return { ...forgeFailed, timestamp: at, buildStatus: { ...forgeFailed.buildStatus, key, createdOn: at, updatedOn: at, ...over } };
}

/** The store, refusing every state write that names the poison build (as KVS refuses a value over 240 KiB). */
function refusingState(store: KeyValueStore, control: { refuse: boolean; error: () => Error }): KeyValueStore {
  const check = (key: string, value: unknown) => {
    if (control.refuse && key.startsWith(PREFIX.state) && JSON.stringify(value).includes('poison-build')) throw control.error();
  };
  return {
    get: (key) => store.get(key),
    getMany: (keys) => store.getMany(keys),
    query: (options) => store.query(options),
    delete: (key) => store.delete(key),
    async set(key, value, options) {
      check(key, value);
      return store.set(key, value, options);
    },
    async setMany(entries) {
      for (const e of entries) check(e.key, e.value);
      return store.setMany(entries);
    },
    async transact(ops) {
      for (const op of ops) if (op.op === 'set') check(op.key, op.value);
      return store.transact(ops);
    },
  };
}

async function configure(rt: TestRuntime, receiver: Receiver): Promise<void> {
  expect((await rt.resolver('saveChannel', { channel: { name: 'audit', type: 'webhook', url: `${receiver.url}/hook` } }, { repository: REPO })).ok).toBe(true);
  expect((await rt.resolver('saveRules', { rules: [{ name: 'any failure', on: ['failed'], channels: ['audit'] }] }, { repository: REPO })).ok).toBe(true);
}

const alertsFor = (receiver: Receiver, key: string) => receiver.received.filter((r) => (r.json as any)?.build?.key === key);

describe('poison jobs (local runtime)', () => {
  let receiver: Receiver;
  let rt: TestRuntime | undefined;
  let dataDir: string | undefined;

  beforeEach(async () => {
    receiver = await startReceiver();
  });
  afterEach(async () => {
    await rt?.stop();
    rt = undefined;
    await receiver.close();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
    dataDir = undefined;
  });

  test('a hostile 200 KB field still alerts, and its state stays small', async () => {
    rt = await startTestRuntime();
    await configure(rt, receiver);
    const hostile = failedStatus('k'.repeat(200 * 1024), '2025-01-31T00:42:46.866Z', { url: `https://ci.example.com/${'u'.repeat(200 * 1024)}` });
    expect((await rt.post('/forge/events', hostile)).status).toBe(202);
    const [alert] = await receiver.waitFor(1, 5000);
    expect(((alert!.json as any).build.key as string).length).toBeLessThanOrEqual(1024);
    await rt.settle();
    const states = await rt.store.query({ beginsWith: PREFIX.state, limit: 100 });
    expect(states.results).toHaveLength(1);
    expect(Buffer.byteLength(JSON.stringify(states.results[0]!.value))).toBeLessThan(16 * 1024);
    expect(rt.queue.stats().dead).toBe(0);
  });

  test('a permanent failure is set aside at once; the next event of the repository alerts promptly; Retry runs it again', async () => {
    const control = { refuse: true, error: () => new StorageContractError('value for "state:…" is 250123 bytes as JSON; KVS allows at most 245760 (240 KiB)') };
    rt = await startTestRuntime({ runtime: { wrapDeps: (deps: AppDeps) => ({ ...deps, store: refusingState(deps.store, control) }) } });
    await configure(rt, receiver);
    expect((await rt.post('/forge/events', failedStatus('poison-build', '2025-01-31T00:42:46.866Z'))).status).toBe(202);
    expect((await rt.post('/forge/events', failedStatus('my-build1', '2025-01-31T00:43:10.000Z'))).status).toBe(202);
    const started = Date.now();
    while (alertsFor(receiver, 'my-build1').length === 0 && Date.now() - started < 5000) await new Promise((r) => setTimeout(r, 20));
    expect(alertsFor(receiver, 'my-build1')).toHaveLength(1);

    const listed = await rt.resolver('getDeadLetters', {}, { repository: REPO });
    expect(listed.ok).toBe(true);
    expect(listed.data.entries).toEqual([
      expect.objectContaining({ type: 'event', permanent: true, attempts: 1, summary: 'build FAILED main poison-build', error: expect.stringMatching(/^StorageContractError: value for/) }),
    ]);
    await rt.settle();
    expect(rt.queue.stats()).toMatchObject({ pending: 0 });

    // The store takes it now (a fix deployed): Retry runs the event again and removes the entry.
    control.refuse = false;
    expect(await rt.resolver('retryDeadLetter', { id: listed.data.entries[0].id }, { repository: REPO })).toEqual({ ok: true, data: { queued: true } });
    await rt.settle();
    expect((await rt.resolver('getDeadLetters', {}, { repository: REPO })).data.entries).toEqual([]);
    const states = await rt.store.query({ beginsWith: PREFIX.state, limit: 100 });
    expect(states.results.map((r) => JSON.stringify(r.value)).some((v) => v.includes('poison-build'))).toBe(true);
  });

  test('a job failing the same way every time is set aside within minutes (virtual time); the later event then alerts', async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'build-alerts-poison-'));
    const clock = fakeClock(Date.now());
    const control = { refuse: true, error: () => new Error('KVS unavailable: 503') };
    rt = await startTestRuntime({ dataDir, runtime: { clock, wrapDeps: (deps: AppDeps) => ({ ...deps, store: refusingState(deps.store, control) }) } });
    await configure(rt, receiver);
    await rt.post('/forge/events', failedStatus('poison-build', '2025-01-31T00:42:46.866Z'));
    await rt.post('/forge/events', failedStatus('my-build1', '2025-01-31T00:43:10.000Z'));
    await rt.settle();
    expect(alertsFor(receiver, 'my-build1')).toHaveLength(0); // held behind the failing job of its repository

    const start = clock.now();
    while (alertsFor(receiver, 'my-build1').length === 0 && clock.now() - start < 30 * 60_000) {
      clock.advance(10_000);
      rt.queue.wake();
      await rt.settle();
    }
    await receiver.waitFor(2, 2000).catch(() => undefined);
    expect(alertsFor(receiver, 'my-build1')).toHaveLength(1);
    // Held about 7.5 minutes (30 + 60 + 120 + 120 + 120 s of backoff), never the ~two days of 200 attempts.
    expect(clock.now() - start).toBeLessThanOrEqual(8 * 60_000 + 10_000);
    const entries = (await rt.resolver('getDeadLetters', {}, { repository: REPO })).data.entries;
    expect(entries).toEqual([expect.objectContaining({ type: 'event', permanent: false, attempts: 6, error: 'Error: KVS unavailable: 503' })]);
    expect(Date.parse(entries[0].lastFailureAt) - Date.parse(entries[0].firstFailureAt)).toBe(450_000);

    // The CLI lists it from the data dir.
    await rt.stop();
    rt = undefined;
    const out: string[] = [];
    const write = jest.spyOn(process.stdout, 'write').mockImplementation((chunk: any) => (out.push(String(chunk)), true));
    try {
      await deadLettersCommand({ dataDir, repo: REPO.uuid });
    } finally {
      write.mockRestore();
    }
    const lines = out.join('').trim().split('\n').map((l) => JSON.parse(l));
    expect(lines).toEqual([{ at: entries[0].at, repo: entries[0].repo, type: 'event', error: 'Error: KVS unavailable: 503', attempts: 6, id: entries[0].id }]);
  });
});
