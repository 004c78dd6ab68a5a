/**
 * Issue 5: delivery under vendor faults, end to end on the local runtime (loopback receivers only).
 * One rule sends every alert to two webhook channels, "a" (the faulty one) and "b" (healthy): each
 * test scripts a fault on "a" and checks that it is retried, recorded or skipped as designed, and
 * that "b" is not held up by it. The app and its queue run on an injected clock that goes SPEED
 * times faster than real time, so the real backoff, Retry-After and breaker schedules apply
 * unchanged in milliseconds; the breaker test freezes it and moves it by hand. The send timeout
 * (real time) is lowered to 300 ms.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startRuntime, type Runtime } from '../../src/adapters/local/runtime';
import { channelHealthKey } from '../../src/app/deliver';
import { repoKey } from '../../src/core/storage-keys';
import type { DeliveryLogEntry } from '../../src/shared/contract';
import { loadFixture } from '../helpers/fixtures';
import { startReceiver, type Receiver } from '../helpers/receiver';
import { silentLog } from '../helpers/runtime';

const forgeFailed = loadFixture('forge-build-status-created-failed.atlassian-docs.json') as any;
const SEND_TIMEOUT_MS = 300;
/** App time per real time: the first retry (1-5 s) comes after 50-250 ms. */
const SPEED = 20;

/** App time: SPEED times real time, plus jumps; `freeze` stops it so only `advance` moves it. */
function virtualClock() {
  let base = Date.now();
  let since = Date.now();
  let speed = SPEED;
  const now = () => base + (Date.now() - since) * speed;
  return {
    now,
    advance: (ms: number) => { base += ms; },
    freeze: () => { base = now(); since = Date.now(); speed = 0; },
  };
}

interface Harness {
  rt: Runtime;
  clock: ReturnType<typeof virtualClock>;
  a: Receiver;
  b: Receiver;
  repo: { uuid: string };
  resolver<T = any>(name: string, payload: unknown): Promise<T>;
  /** Posts a Forge build-status event for this repository. */
  build(state: string, at: string, refName?: string): Promise<void>;
  log(): Promise<DeliveryLogEntry[]>;
  /** Moves app and queue time forward and lets due jobs run. */
  advance(ms: number): void;
  stop(): Promise<void>;
}

let harness: Harness | null = null;

async function startHarness(options: { aUrl?: (receiver: Receiver) => string } = {}): Promise<Harness> {
  const dataDir = mkdtempSync(join(tmpdir(), 'build-alerts-faults-'));
  const clock = virtualClock();
  const rt = await startRuntime({ host: '127.0.0.1', port: 0, dataDir, log: silentLog, clock, sendTimeoutMs: SEND_TIMEOUT_MS });
  // Queue timers are armed in app milliseconds; with app time running fast, nudge the queue often.
  const ticker = setInterval(() => rt.queue.wake(), 5);
  const [a, b] = [await startReceiver(), await startReceiver()];
  const repo = { uuid: '{5d1e0c3a-7b8e-4f10-9a55-0000000000a1}' };
  const resolver = async (name: string, payload: unknown) => {
    const res = await fetch(`${rt.url}/api/resolvers/${name}`, {
      method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ payload, extension: { repository: repo } }),
    });
    return res.json();
  };
  const h: Harness = {
    rt, clock, a, b, repo, resolver,
    async build(state, at, refName = 'main') {
      const event = {
        ...forgeFailed,
        repository: repo,
        eventType: 'avi:bitbucket:updated:build-status',
        timestamp: at,
        buildStatus: { ...forgeFailed.buildStatus, state, createdOn: at, updatedOn: at, refName },
      };
      const res = await fetch(`${rt.url}/forge/events`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(event) });
      expect(res.status).toBe(202);
    },
    async log() {
      const entries: DeliveryLogEntry[] = [];
      let cursor: string | undefined;
      do {
        const page = await resolver('getDeliveryLog', { limit: 100, ...(cursor ? { cursor } : {}) });
        expect(page.ok).toBe(true);
        entries.push(...page.data.entries);
        cursor = page.data.nextCursor ?? undefined;
      } while (cursor);
      return entries.sort((x, y) => x.at.localeCompare(y.at) || x.attempt - y.attempt);
    },
    advance(ms) {
      clock.advance(ms);
      rt.queue.wake();
    },
    async stop() {
      clearInterval(ticker);
      await rt.close();
      await a.close();
      await b.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
  const aUrl = options.aUrl ? options.aUrl(a) : `${a.url}/a`;
  expect((await resolver('saveChannel', { channel: { name: 'a', type: 'webhook', url: aUrl } })).ok).toBe(true);
  expect((await resolver('saveChannel', { channel: { name: 'b', type: 'webhook', url: `${b.url}/b` } })).ok).toBe(true);
  const rules = await resolver('saveRules', { rules: [{ name: 'builds', on: ['failed', 'fixed'], channels: ['a', 'b'] }] });
  expect(rules.ok).toBe(true);
  harness = h;
  return h;
}

afterEach(async () => {
  await harness?.stop();
  harness = null;
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function eventually<T>(probe: () => Promise<T | undefined | false>, timeoutMs = 5000, what = 'condition'): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await sleep(20);
  }
}

const typeOf = (r: { json: unknown }) => (r.json as { type: string }).type;
const of = (entries: DeliveryLogEntry[], channel: string) => entries.filter((e) => e.channel === channel);
const outcomes = (entries: DeliveryLogEntry[], channel: string) => of(entries, channel).map((e) => e.outcome);

async function freePortThatRefuses(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

test('500 then 200: retried and delivered once, while the other channel is delivered at once', async () => {
  const h = await startHarness();
  h.a.script([{ status: 500, body: '{"error":"boom"}' }]);
  const posted = Date.now();
  await h.build('FAILED', '2025-02-01T10:00:00.000Z');

  const [toB] = await h.b.waitFor(1, 2000);
  expect(toB!.at - posted).toBeLessThan(1000);
  const toA = await h.a.waitFor(2, 5000);
  await h.rt.queue.drain(5000);
  await sleep(100); // nothing more may arrive
  expect(h.a.received).toHaveLength(2);
  expect(toA.map(typeOf)).toEqual(['build.failed', 'build.failed']);
  // The retry is the same delivery: receivers dedupe on webhook-id.
  expect(toA[1]!.headers['webhook-id']).toBe(toA[0]!.headers['webhook-id']);

  const log = await h.log();
  expect(of(log, 'a').map((e) => [e.outcome, e.status, e.attempt])).toEqual([['retrying', 500, 1], ['delivered', 200, 2]]);
  expect(of(log, 'b').map((e) => [e.outcome, e.status])).toEqual([['delivered', 200]]);
});

test('429 with Retry-After: 10 waits at least that long, then delivers', async () => {
  const h = await startHarness();
  h.a.script([{ status: 429, headers: { 'retry-after': '10' } }]);
  const posted = Date.now();
  await h.build('FAILED', '2025-02-01T10:00:00.000Z');

  const [toB] = await h.b.waitFor(1, 2000);
  expect(toB!.at - posted).toBeLessThan(1000);
  const [first, second] = await h.a.waitFor(2, 5000);
  // The first backoff alone is at most 5 s; the vendor's hint is a floor (10 s of app time = 500 ms here).
  expect(second!.at - first!.at).toBeGreaterThanOrEqual(10_000 / SPEED);
  await h.rt.queue.drain(5000);
  const a = of(await h.log(), 'a');
  expect(a.map((e) => [e.outcome, e.status])).toEqual([['retrying', 429], ['delivered', 200]]);
  expect(Date.parse(a[1]!.at) - Date.parse(a[0]!.at)).toBeGreaterThanOrEqual(10_000);
});

test('a receiver that hangs past the send timeout is retried', async () => {
  const h = await startHarness();
  h.a.script([{ status: 200, delayMs: SEND_TIMEOUT_MS * 5 }]);
  const posted = Date.now();
  await h.build('FAILED', '2025-02-01T10:00:00.000Z');

  const [toB] = await h.b.waitFor(1, 2000);
  expect(toB!.at - posted).toBeLessThan(1000);
  const [hung, retried] = await h.a.waitFor(2, 5000);
  // The retry went out after the timeout and a backoff (1-5 s of app time), before the hung answer would have come.
  expect(retried!.at - hung!.at).toBeGreaterThanOrEqual(SEND_TIMEOUT_MS);
  expect(retried!.at - hung!.at).toBeLessThan(SEND_TIMEOUT_MS * 5);
  await h.rt.queue.drain(5000);

  const a = of(await h.log(), 'a');
  expect(a.map((e) => e.outcome)).toEqual(['retrying', 'delivered']);
  expect(a[0]!.error).toMatch(/timeout/);
  expect(a[0]!.status).toBeNull();
  expect(a[0]!.latencyMs).toBeGreaterThanOrEqual(SEND_TIMEOUT_MS - 5);
  expect(a[0]!.latencyMs).toBeLessThan(SEND_TIMEOUT_MS * 3);
});

test('connection refused is retried, then recorded as failed; the other channel is unaffected', async () => {
  const port = await freePortThatRefuses();
  const h = await startHarness({ aUrl: () => `http://127.0.0.1:${port}/gone` });
  const posted = Date.now();
  await h.build('FAILED', '2025-02-01T10:00:00.000Z');
  const [toB] = await h.b.waitFor(1, 2000);
  expect(toB!.at - posted).toBeLessThan(1000);

  await eventually(async () => of(await h.log(), 'a').length >= 3, 5000, 'three attempts on "a"');
  // Jump across breaker windows (10 s, doubling) until the delivery gives up.
  const final = await eventually(async () => {
    const a = of(await h.log(), 'a');
    if (a.some((e) => e.outcome === 'failed')) return a;
    h.advance(15 * 60_000);
    return undefined;
  }, 10_000, 'a failed record on "a"');
  await h.rt.queue.drain(5000);

  const a = of(await h.log(), 'a');
  expect(a).toEqual(final);
  expect(a.length).toBeGreaterThanOrEqual(3);
  expect(a.slice(0, -1).every((e) => e.outcome === 'retrying' && /connection refused/.test(e.error ?? ''))).toBe(true);
  const last = a[a.length - 1]!;
  expect(last.outcome).toBe('failed');
  expect(last.error).toMatch(/connection refused; gave up/);
  expect(a.map((e) => e.attempt)).toEqual([...a.map((e) => e.attempt)].sort((x, y) => x - y));
  expect(outcomes(await h.log(), 'b')).toEqual(['delivered']);
});

test('410 disables the channel: later alerts are skipped and logged; re-enabling delivers again, and a fix whose failure was skipped resolves nothing', async () => {
  const h = await startHarness();
  h.a.script([{ status: 410, body: '{"error":"endpoint removed"}' }]);
  await h.build('FAILED', '2025-02-01T10:00:00.000Z', 'main');
  await h.a.waitFor(1);
  await h.rt.queue.drain(5000);

  const settings = await h.resolver('getSettings', {});
  const a = settings.data.channels.find((c: { name: string }) => c.name === 'a');
  const b = settings.data.channels.find((c: { name: string }) => c.name === 'b');
  expect(a.disabled?.reason).toMatch(/410/);
  expect(b.disabled).toBeNull();
  expect(outcomes(await h.log(), 'a')).toEqual(['disabled']);

  // While disabled: the fix of main and a new failure on "release" are skipped on "a", delivered on "b".
  await h.build('SUCCESSFUL', '2025-02-01T10:05:00.000Z', 'main');
  await h.build('FAILED', '2025-02-01T10:06:00.000Z', 'release');
  await h.rt.queue.drain(5000);
  expect(h.a.received).toHaveLength(1);
  expect(h.b.received.map(typeOf)).toEqual(['build.failed', 'build.fixed', 'build.failed']);
  const skipped = of(await h.log(), 'a').filter((e) => e.outcome === 'skipped');
  expect(skipped.map((e) => e.alertType)).toEqual(['build.fixed', 'build.failed']);
  expect(skipped.every((e) => /channel disabled/.test(e.error ?? ''))).toBe(true);

  const enabled = await h.resolver('setChannelEnabled', { name: 'a', enabled: true });
  expect(enabled.ok).toBe(true);
  expect(enabled.data.disabled).toBeNull();
  expect((await h.resolver('getSettings', {})).data.channels.find((c: { name: string }) => c.name === 'a').disabled).toBeNull();

  // After re-enabling: the fix of "release", whose failure "a" skipped, resolves nothing there and says so
  // (reason nothing-to-resolve, at once, without waiting); a new failure arrives promptly.
  const before = Date.now();
  await h.build('SUCCESSFUL', '2025-02-01T10:10:00.000Z', 'release');
  await h.build('FAILED', '2025-02-01T10:11:00.000Z', 'develop');
  const got = await h.a.waitFor(2, 3000);
  expect(got.slice(1).map((r) => [typeOf(r), (r.json as any).ref])).toEqual([['build.failed', 'develop']]);
  expect(got[1]!.at - before).toBeLessThan(1500);
  await h.rt.queue.drain(5000);
  expect(h.a.received).toHaveLength(2);
  const last = of(await h.log(), 'a').slice(-2);
  expect(last.map((e) => [e.alertType, e.outcome, e.reason ?? null])).toEqual([['build.fixed', 'skipped', 'nothing-to-resolve'], ['build.failed', 'delivered', null]]);
});

test('breaker: after 5 consecutive failures "a" is skipped for 10 s, then a success closes it', async () => {
  const h = await startHarness();
  h.a.fallback = { status: 500, body: '{"error":"down"}' };
  const posted = Date.now();
  await h.build('FAILED', '2025-02-01T10:00:00.000Z', 'main');
  const [toB] = await h.b.waitFor(1, 2000);
  expect(toB!.at - posted).toBeLessThan(1000);
  await h.a.waitFor(5, 5000);
  const health = () => h.rt.store.get<any>(channelHealthKey(repoKey({ uuid: h.repo.uuid, fullName: null })!, 'a'));
  const opened = await eventually(async () => (await health())?.breaker?.openUntil && (await health()).breaker, 2000, 'the breaker to open');
  h.clock.freeze(); // from here on app time moves only by hand
  expect(h.clock.now()).toBeLessThan(opened.openUntil - 8_000);
  expect(opened.failures).toBe(5);
  expect(opened.openMs).toBe(10_000);

  // While open: the held delivery and a brand-new alert send nothing to "a"; "b" is served at once.
  const secondPosted = Date.now();
  await h.build('FAILED', '2025-02-01T10:01:00.000Z', 'develop');
  const [, toB2] = await h.b.waitFor(2, 2000);
  expect(toB2!.at - secondPosted).toBeLessThan(1000);
  await sleep(300);
  h.advance(opened.openUntil - 1_000 - h.clock.now()); // 1 s before the window ends
  await sleep(300);
  expect(h.a.received).toHaveLength(5);
  expect(outcomes(await h.log(), 'a')).toEqual(['retrying', 'retrying', 'retrying', 'retrying', 'retrying']);

  // Window over, vendor healthy again: the trial succeeds and closes the breaker; both alerts arrive.
  h.a.fallback = { status: 200, body: '{"ok":true}' };
  // A job skipped while open comes back within a second of the window's end (its delay is whole seconds).
  h.advance(2_000);
  await h.a.waitFor(6, 3000);
  expect(h.clock.now()).toBeLessThan(opened.openUntil + 2_000);
  h.advance(90_000); // past the held failure's own backoff (attempt 5: at most 80 s)
  const got = await h.a.waitFor(7, 3000);
  expect(got.slice(5).map((r) => (r.json as any).ref).sort()).toEqual(['develop', 'main']);
  await h.rt.queue.drain(5000);
  expect((await health())?.breaker).toBeUndefined();

  // Closed: the next alert goes straight out.
  const fixPosted = Date.now();
  await h.build('SUCCESSFUL', '2025-02-01T10:20:00.000Z', 'main');
  const [, , , , , , , fix] = await h.a.waitFor(8, 2000);
  expect(typeOf(fix!)).toBe('build.fixed');
  expect(fix!.at - fixPosted).toBeLessThan(1000);
  await h.rt.queue.drain(5000);
  const a = of(await h.log(), 'a');
  expect(a.filter((e) => e.outcome === 'delivered')).toHaveLength(3);
  expect(a.filter((e) => e.outcome === 'retrying')).toHaveLength(5);
});

test('FIFO per channel and incident: a fix waits for its failing failure delivery', async () => {
  const h = await startHarness();
  // Retry-After holds the failure's first retry for a second: the fix surely arrives while it is pending.
  h.a.script([{ status: 503, headers: { 'retry-after': '10' } }, { status: 503 }]);
  await h.build('FAILED', '2025-02-01T10:00:00.000Z', 'main');
  await h.a.waitFor(1, 2000);
  await h.build('SUCCESSFUL', '2025-02-01T10:03:00.000Z', 'main');
  const got = await h.a.waitFor(4, 5000);
  await h.rt.queue.drain(5000);

  expect(got.map((r) => [typeOf(r)])).toEqual([['build.failed'], ['build.failed'], ['build.failed'], ['build.fixed']]);
  expect(h.b.received.map(typeOf)).toEqual(['build.failed', 'build.fixed']);
  // "b" did not wait for "a": its fix went out before "a" got its failure through.
  expect(h.b.received[1]!.at).toBeLessThan(got[2]!.at);
  const a = of(await h.log(), 'a');
  expect(a.map((e) => [e.alertType, e.outcome])).toEqual([
    ['build.failed', 'retrying'], ['build.failed', 'retrying'], ['build.failed', 'delivered'], ['build.fixed', 'delivered'],
  ]);
});

test('an alert held by a breaker that stays open past the give-up deadline is recorded as failed, not dropped', async () => {
  const h = await startHarness();
  // "a" has been down for a day: its breaker window has doubled up to the 10 h cap.
  const now = h.clock.now();
  const tenHours = 10 * 3600_000;
  await h.rt.store.set(channelHealthKey(repoKey({ uuid: h.repo.uuid, fullName: null })!, 'a'), {
    breaker: { failures: 40, since: now - 24 * 3600_000, openUntil: now + tenHours, openMs: tenHours },
  });
  await h.build('FAILED', '2025-02-01T10:00:00.000Z');
  await h.b.waitFor(1, 2000);

  // Walk app time forward in queue-sized steps (a held job comes back at most every 15 minutes) for 6 hours.
  for (let step = 0; step < 24 && !of(await h.log(), 'a').some((e) => e.outcome === 'failed'); step++) {
    h.advance(15 * 60_000);
    await sleep(30);
  }
  await h.rt.queue.drain(5000);
  const a = of(await h.log(), 'a');
  expect(a.map((e) => e.outcome)).toEqual(['failed']);
  expect(a[0]!.error).toMatch(/circuit open.*gave up/);
  expect(h.a.received).toHaveLength(0);
  expect(h.rt.queue.stats().dead).toBe(0);
});

test('a fix whose failure never went out on the channel is sent after the wait, not dropped', async () => {
  const h = await startHarness();
  const until = new Date(h.clock.now() + 3600_000).toISOString();
  expect((await h.resolver('snooze', { target: { rule: 'builds' }, until, untilFixed: false })).ok).toBe(true);
  await h.build('FAILED', '2025-02-01T10:00:00.000Z'); // snoozed: no delivery anywhere
  await h.rt.queue.drain(5000);
  h.advance(2 * 3600_000); // the snooze is over
  await h.build('SUCCESSFUL', '2025-02-01T12:00:00.000Z');

  // The fix waits (15 s at a time) up to 10 minutes for a failure to settle on each channel, then goes out.
  for (let step = 0; step < 45 && (h.a.received.length === 0 || h.b.received.length === 0); step++) {
    h.advance(20_000);
    await sleep(20);
  }
  await h.rt.queue.drain(5000);
  expect(h.a.received.map(typeOf)).toEqual(['build.fixed']);
  expect(h.b.received.map(typeOf)).toEqual(['build.fixed']);
  expect(h.rt.queue.stats().dead).toBe(0);
});
