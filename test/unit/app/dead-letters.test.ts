/**
 * app/dead-letters.ts: which failures are permanent, when a failing job is given up, and the record,
 * list and retry functions on the real local store (KVS key and value rules enforced), including that
 * a dead letter never holds a channel secret.
 */
import { retryability } from '../../../src/adapters/forge/platform-errors';
import { QueueContractError } from '../../../src/adapters/local/queue/durable-queue';
import {
  classifyFailure, DEAD_LETTER_POLICY, DEAD_LETTER_TTL_SECONDS, failureBackoffSeconds, listDeadLetters, recordDeadLetter, retryDeadLetter,
  shouldDeadLetter, type DeadLetterRecord,
} from '../../../src/app/dead-letters';
import type { DeliveryJob } from '../../../src/core/delivery/delivery-job';
import { StorageContractError, TransactionConflictError, type KeyValueStore } from '../../../src/core/ports';
import type { JobBody } from '../../../src/app/jobs';
import { keys, PREFIX, repoKey } from '../../../src/core/storage-keys';
import { EXTENSION, REPO_UUID, startTestApp, type TestApp } from '../../app/helpers/app-deps';

const REPO = repoKey({ uuid: REPO_UUID, fullName: null })!;
const OTHER = '99999999-2222-4333-8444-555555555555';
const SLACK_URL = 'https://hooks.slack.com/services/T0ROCKETS/B0ROCKETS/s3cr3tSlackT0kenZZ9';

const eventJob = (repo: string = REPO_UUID, key = 'poison-build'): JobBody => ({
  type: 'event',
  receivedAt: '2025-03-01T11:59:59.000Z',
  event: {
    source: 'forge', kind: 'build', occurredAt: '2025-03-01T11:59:58.000Z',
    repository: { uuid: repo.startsWith('{') ? repo : `{${repo}}`, fullName: 'acme/rockets', slug: 'rockets' },
    build: { key, name: null, state: 'FAILED', commit: 'b88c4b490b648bf960eba6f59123456797960e55', ref: 'main', url: null },
  },
});

const deliverJob = (over: Partial<DeliveryJob> = {}): JobBody => ({
  type: 'deliver',
  delivery: {
    id: 'alert-1:chat', repo: REPO, channelScope: REPO, channel: 'chat', channelType: 'slack', channelConfig: {}, rule: 'main broken',
    alert: {
      version: 1, id: 'alert-1', type: 'build.failed', occurredAt: '2025-03-01T11:00:00.000Z',
      repository: { uuid: REPO_UUID, fullName: 'acme/rockets', slug: null }, ref: 'main',
      build: { key: 'b', name: null, state: 'FAILED', commit: null, ref: 'main', url: null },
      previous: null, failures: { count: 1, since: '2025-03-01T11:00:00.000Z' }, incidentKey: 'inc-1', links: {},
    } as never,
    attempt: 37, raisedAt: Date.parse('2025-03-01T11:00:00.000Z'), notBefore: Date.parse('2025-03-01T13:00:00.000Z'),
    ...over,
  },
});

const leakForms = (secret: string) => [secret, encodeURIComponent(secret), new URL(secret).pathname];

describe('classification', () => {
  it.each([
    ['StorageContractError', 'permanent', new StorageContractError('value too large')],
    ['QueueContractError', 'permanent', new QueueContractError('job too large')],
    ['TypeError', 'permanent', new TypeError('x is undefined')],
    ['RangeError', 'permanent', new RangeError('Invalid time value')],
    ['permanent: true', 'permanent', Object.assign(new Error('no'), { permanent: true })],
    ['a name only (another bundle copy)', 'permanent', Object.assign(new Error('refused'), { name: 'StorageContractError' })],
    ['a thrown string', 'permanent', 'oops'],
    ['a plain Error', 'transient', new Error('KVS unavailable')],
    ['a transaction conflict', 'transient', new TransactionConflictError()],
    ['a KVS 503', 'transient', Object.assign(new Error('kvs'), { responseDetails: { status: 503 } })],
  ])('%s is %s', (_label, expected, err) => {
    expect(classifyFailure(err)).toBe(expected);
  });

  it('the Forge adapter never retries the permanent ones', () => {
    for (const err of [new StorageContractError('too large'), new QueueContractError('too large'), Object.assign(new Error('x'), { permanent: true })]) {
      expect(retryability(err, 1)).toEqual({ retry: false });
    }
    expect(retryability(new Error('KVS unavailable'), 1)).toMatchObject({ retry: true });
  });

  it('gives up a permanent failure at once, a repeated one after the run or time bound', () => {
    const now = Date.parse('2025-03-01T12:00:00Z');
    expect(shouldDeadLetter({ permanent: true, failures: 1, firstFailureAt: now, now })).toBe(true);
    expect(shouldDeadLetter({ permanent: false, failures: 1, firstFailureAt: now, now })).toBe(false);
    expect(shouldDeadLetter({ permanent: false, failures: DEAD_LETTER_POLICY.maxFailedRuns - 1, firstFailureAt: now - 60_000, now })).toBe(false);
    expect(shouldDeadLetter({ permanent: false, failures: DEAD_LETTER_POLICY.maxFailedRuns, firstFailureAt: now, now })).toBe(true);
    expect(shouldDeadLetter({ permanent: false, failures: 2, firstFailureAt: now - DEAD_LETTER_POLICY.maxFailingMs, now })).toBe(true);
  });

  it('backs off so that a failing job holds its key for minutes, not hours', () => {
    const waits = Array.from({ length: DEAD_LETTER_POLICY.maxFailedRuns - 1 }, (_, i) => failureBackoffSeconds(i + 1));
    expect(waits).toEqual([30, 60, 120, 120, 120]);
    expect(waits.reduce((a, b) => a + b, 0)).toBeLessThan(DEAD_LETTER_POLICY.maxFailingMs / 1000);
  });
});

describe('dead-letter records', () => {
  let t: TestApp;
  beforeEach(() => {
    t = startTestApp();
  });
  afterEach(async () => {
    await t.close();
  });

  const stored = async (id: string) => t.store.get<DeadLetterRecord>(PREFIX.dead + id);

  it('records an event job under dead:<repo>:<inverted time>:<id> for 14 days, with the error, runs and failure times', async () => {
    const sets: { key: string; ttl?: number }[] = [];
    const store: KeyValueStore = Object.create(t.store);
    store.set = async (key, value, options) => {
      sets.push({ key, ttl: options?.ttlSeconds });
      return t.store.set(key, value, options);
    };
    const firstFailureAt = t.clock.now() - 5 * 60_000;
    const err = new StorageContractError('value for "state:x" is 250000 bytes as JSON; KVS allows at most 245760 (240 KiB)');
    const dto = await recordDeadLetter({ ...t.deps, store }, eventJob(), err, { attempts: 1, permanent: true, firstFailureAt });
    expect(sets).toEqual([{ key: expect.stringMatching(new RegExp(`^dead:${REPO}:\\d{15}:event-[0-9a-f]{12}$`)), ttl: DEAD_LETTER_TTL_SECONDS }]);
    expect(DEAD_LETTER_TTL_SECONDS).toBe(14 * 24 * 3600);
    expect(dto).toEqual({
      id: sets[0]!.key.slice('dead:'.length),
      at: '2025-03-01T12:00:00.000Z',
      repo: REPO,
      type: 'event',
      summary: 'build FAILED main poison-build',
      error: `StorageContractError: ${err.message}`,
      permanent: true,
      attempts: 1,
      firstFailureAt: '2025-03-01T11:55:00.000Z',
      lastFailureAt: '2025-03-01T12:00:00.000Z',
    });
    const record = await stored(dto.id);
    expect(record!.job).toEqual(eventJob());
    expect(record!.concurrencyKey).toBe(`event:${REPO}`);
  });

  it('lists newest first, per repository or all of them', async () => {
    const a = await recordDeadLetter(t.deps, eventJob(REPO_UUID, 'one'), new TypeError('a'), { attempts: 1, permanent: true });
    t.clock.advance(1000);
    const b = await recordDeadLetter(t.deps, eventJob(OTHER, 'two'), new Error('b'), { attempts: 6, permanent: false });
    t.clock.advance(1000);
    const c = await recordDeadLetter(t.deps, eventJob(REPO_UUID, 'three'), new Error('c'), { attempts: 6, permanent: false });
    expect((await listDeadLetters(t.deps, REPO)).map((e) => e.id)).toEqual([c.id, a.id]);
    expect((await listDeadLetters(t.deps, OTHER)).map((e) => e.id)).toEqual([b.id]);
    expect((await listDeadLetters(t.deps)).map((e) => e.id)).toEqual([c.id, b.id, a.id]);
  });

  it('never stores a channel secret: not from the error message, the delivery config, or the body', async () => {
    expect((await t.call('saveChannel', { channel: { name: 'chat', type: 'slack', url: SLACK_URL } })).ok).toBe(true);
    // A hostile case: the secret got into the job's config and into the error a vendor library threw.
    const job = deliverJob({ channelConfig: { url: SLACK_URL } });
    const err = new Error(`POST ${SLACK_URL} failed: socket hang up (${encodeURIComponent(SLACK_URL)})`);
    const dto = await recordDeadLetter(t.deps, job, err, { attempts: 3, permanent: false });
    // An event job delivers inline: the repository's channel secrets are redacted from its errors too.
    const ev = await recordDeadLetter(t.deps, eventJob(), new Error(`could not reach ${SLACK_URL}`), { attempts: 6, permanent: false });
    for (const id of [dto.id, ev.id]) {
      const text = JSON.stringify(await stored(id));
      for (const form of leakForms(SLACK_URL)) expect(text).not.toContain(form);
    }
    expect(dto.error).toMatch(/^Error: POST https:\/\/hooks\.slack\.com\/•••• failed: socket hang up/);
    const listed = JSON.stringify(await listDeadLetters(t.deps, REPO));
    for (const form of leakForms(SLACK_URL)) expect(listed).not.toContain(form);
  });

  it('caps the error message', async () => {
    const dto = await recordDeadLetter(t.deps, eventJob(), new Error('x'.repeat(100_000)), { attempts: 1, permanent: false });
    expect(dto.error.length).toBeLessThan(1100);
  });

  it('retries an event job as new under its repository key, then deletes the record', async () => {
    const dto = await recordDeadLetter(t.deps, eventJob(), new StorageContractError('too large'), { attempts: 1, permanent: true });
    expect(await retryDeadLetter(t.deps, dto.id)).toEqual({ queued: true });
    expect(t.pushes).toEqual([{ body: eventJob(), concurrencyKey: `event:${REPO}` }]);
    expect(await stored(dto.id)).toBeUndefined();
    expect(await listDeadLetters(t.deps, REPO)).toEqual([]);
    expect(await retryDeadLetter(t.deps, dto.id)).toBeNull();
  });

  it('retries a delivery with attempt 1 and a fresh deadline, in its channel and incident order', async () => {
    const dto = await recordDeadLetter(t.deps, deliverJob(), new Error('KVS unavailable'), { attempts: 6, permanent: false });
    t.clock.advance(60_000);
    await retryDeadLetter(t.deps, dto.id);
    expect(t.pushes).toHaveLength(1);
    const pushed = t.pushes[0]!;
    expect(pushed.concurrencyKey).toBe(`deliver:${REPO}:chat:inc-1`);
    const delivery = (pushed.body as Extract<JobBody, { type: 'deliver' }>).delivery;
    expect(delivery).toMatchObject({ attempt: 1, raisedAt: t.clock.now(), queuedAt: t.clock.now() });
    expect(delivery.notBefore).toBeUndefined();
  });

  it('finds nothing for ids that are not dead letters', async () => {
    for (const id of ['', 'nope', `${REPO}:1:x`, 'a/b{c}', 'x'.repeat(600)]) expect(await retryDeadLetter(t.deps, id)).toBeNull();
    expect(t.pushes).toEqual([]);
  });
});

describe('dead-letter resolvers', () => {
  let t: TestApp;
  beforeEach(() => {
    t = startTestApp();
  });
  afterEach(async () => {
    await t.close();
  });

  it("lists this repository's dead letters only, and retries only those", async () => {
    const mine = await recordDeadLetter(t.deps, eventJob(), new TypeError('bug'), { attempts: 1, permanent: true });
    const theirs = await recordDeadLetter(t.deps, eventJob(OTHER), new TypeError('bug'), { attempts: 1, permanent: true });
    const list = await t.call('getDeadLetters', {});
    expect(list).toEqual({ ok: true, data: { entries: [mine] } });
    expect(await t.call('retryDeadLetter', { id: theirs.id })).toMatchObject({ ok: false, error: { code: 'not-found' } });
    expect(await t.call('retryDeadLetter', {})).toMatchObject({ ok: false, error: { code: 'invalid' } });
    expect(t.pushes).toEqual([]);
    expect(await t.call('retryDeadLetter', { id: mine.id })).toEqual({ ok: true, data: { queued: true } });
    expect(t.pushes).toHaveLength(1);
    expect(await t.call('getDeadLetters', {})).toEqual({ ok: true, data: { entries: [] } });
    expect(await t.store.get(keys.deadLetterPrefix(OTHER) + theirs.id.slice(OTHER.length + 1))).toBeDefined();
  });

  it('refuses callers who do not administer the repository', async () => {
    const res = await t.call('getDeadLetters', {}, 'acct-stranger', EXTENSION);
    expect(res).toMatchObject({ ok: false, error: { code: 'forbidden' } });
  });
});
