/**
 * Issue 8.3: a bounded soak on the local runtime, loopback only. A few hundred mixed build events
 * over ten repositories, three webhook channels each, receivers that fail at random (seeded: 500,
 * 429 with Retry-After, hangs past the send timeout, 200, and a few 400s that are not worth a
 * retry); one repository has a channel an administrator disabled. When the queue has drained, every
 * alert must be accounted for on every channel: delivered exactly once (the receiver accepted one
 * request with its webhook-id), or recorded as failed or skipped (the receiver accepted none), and
 * alerts raised × channels = delivered + failed + skipped.
 *
 * Time runs fast for the app and the queue (an injected clock, SPEED times real time), so the real
 * backoff, Retry-After and breaker schedules apply unchanged, in milliseconds.
 */
import { webhookId } from '../../src/core/channels/webhook';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startRuntime, type Runtime } from '../../src/adapters/local/runtime';
import type { DeliveryLogEntry } from '../../src/shared/contract';
import { loadFixture } from '../helpers/fixtures';
import { silentLog } from '../helpers/runtime';
import { seededRandom } from '../helpers/prng';

jest.setTimeout(40_000);

const SPEED = 250;
/** Real time. Generous, so a loaded machine does not turn a prompt 200 into a timeout (and a true duplicate). */
const SEND_TIMEOUT_MS = 500;
const REPOS = 10;
const EVENTS_PER_REPO = 30;
const BRANCHES = ['main', 'develop', 'release-1'];
const CHANNELS = ['chat', 'pager', 'audit'] as const;
const DISABLED = { repo: 9, channel: 'pager' };
const forgeFailed = loadFixture('forge-build-status-created-failed.atlassian-docs.json') as any;


/** Real time since start, SPEED times faster. */
function fastClock() {
  const t0 = Date.now();
  return { now: () => t0 + (Date.now() - t0) * SPEED };
}

type Fault = 'ok' | '500' | '429' | 'hang' | '400';
interface Seen { id: string; fault: Fault }

/** A vendor that fails at random. A hang answers 503 after the app gave up waiting: never accepted. */
async function flakyReceiver(seed: number, mix: Partial<Record<Fault, number>>): Promise<{ url: string; seen: Seen[]; faults: Record<Fault, number>; server: Server }> {
  const random = seededRandom(seed);
  const seen: Seen[] = [];
  const faults: Record<Fault, number> = { ok: 0, '500': 0, '429': 0, hang: 0, '400': 0 };
  const pick = (): Fault => {
    let r = random();
    for (const [fault, p] of Object.entries(mix) as [Fault, number][]) {
      if ((r -= p) < 0) return fault;
    }
    return 'ok';
  };
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      const fault = pick();
      faults[fault]++;
      seen.push({ id: String(req.headers['webhook-id']), fault });
      if (fault === 'ok') return res.writeHead(200).end('{"ok":true}');
      if (fault === '500') return res.writeHead(500).end('{"error":"boom"}');
      if (fault === '400') return res.writeHead(400).end('{"error":"payload refused"}'); // not worth a retry: failed
      if (fault === '429') return res.writeHead(429, { 'retry-after': String(1 + Math.floor(random() * 3)) }).end();
      setTimeout(() => { if (!res.destroyed) res.writeHead(503).end(); }, SEND_TIMEOUT_MS * 2);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, seen, faults, server };
}

const repoUuid = (i: number) => `{0000500a-0000-4000-8000-${String(i).padStart(12, '0')}}`;

interface Ev { repo: number; branch: string; state: 'FAILED' | 'SUCCESSFUL' | 'INPROGRESS'; at: string; commit: string }

/** The event stream: per repository, random states on three branches, about one in eight sent twice. */
function events(random: () => number): Ev[][] {
  let tick = Date.parse('2025-03-01T08:00:00.000Z');
  return Array.from({ length: REPOS }, (_, repo) => {
    const out: Ev[] = [];
    while (out.length < EVENTS_PER_REPO) {
      const r = random();
      const state = r < 0.45 ? 'FAILED' : r < 0.85 ? 'SUCCESSFUL' : 'INPROGRESS';
      tick += 60_000;
      const ev: Ev = { repo, branch: BRANCHES[Math.floor(random() * BRANCHES.length)]!, state, at: new Date(tick).toISOString(), commit: tick.toString(16).padStart(40, 'a') };
      out.push(ev);
      if (random() < 0.12) out.push(ev); // at-least-once: the same event again
    }
    return out;
  });
}

/** The alerts a person expects: the first failure after a pass (or ever), and the pass after a failure. */
function expectedAlerts(stream: Ev[]): { branch: string; type: string }[] {
  const last = new Map<string, string>();
  const seenAt = new Set<string>();
  const alerts: { branch: string; type: string }[] = [];
  for (const ev of stream) {
    const id = `${ev.branch}|${ev.at}`;
    if (seenAt.has(id) || ev.state === 'INPROGRESS') continue;
    seenAt.add(id);
    const before = last.get(ev.branch);
    if (ev.state === 'FAILED' && before !== 'FAILED') alerts.push({ branch: ev.branch, type: 'build.failed' });
    if (ev.state === 'SUCCESSFUL' && before === 'FAILED') alerts.push({ branch: ev.branch, type: 'build.fixed' });
    last.set(ev.branch, ev.state);
  }
  return alerts;
}

describe('soak', () => {
  let rt: Runtime;
  let dataDir: string;
  let ticker: NodeJS.Timeout;
  const receivers: Awaited<ReturnType<typeof flakyReceiver>>[] = [];

  beforeAll(async () => {
    // The Forge consumer logs every retry with console.log; hundreds of lines would bury the summary.
    jest.spyOn(console, 'log').mockImplementation(() => undefined);
    dataDir = mkdtempSync(join(tmpdir(), 'build-alerts-soak-'));
    rt = await startRuntime({ host: '127.0.0.1', port: 0, dataDir, log: silentLog, clock: fastClock(), sendTimeoutMs: SEND_TIMEOUT_MS });
    // Queue timers are armed in clock milliseconds; with time running fast, nudge the queue often.
    ticker = setInterval(() => rt.queue.wake(), 5);
    receivers.push(await flakyReceiver(1, { ok: 0.55, '500': 0.2, '429': 0.15, hang: 0.1 }));
    receivers.push(await flakyReceiver(2, { ok: 0.8, '500': 0.1, '429': 0.05, hang: 0.05 }));
    receivers.push(await flakyReceiver(3, { ok: 0.5, '500': 0.25, '429': 0.1, hang: 0.1, '400': 0.05 }));
  });

  afterAll(async () => {
    jest.restoreAllMocks();
    clearInterval(ticker);
    await rt?.close();
    for (const r of receivers) await new Promise<void>((resolve) => { r.server.closeAllConnections(); r.server.close(() => resolve()); });
    rmSync(dataDir, { recursive: true, force: true });
  });

  const resolver = async (repo: number, name: string, payload: unknown): Promise<any> => {
    const res = await fetch(`${rt.url}/api/resolvers/${name}`, {
      method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ payload, extension: { repository: { uuid: repoUuid(repo) } } }),
    });
    return res.json();
  };

  async function fullLog(repo: number): Promise<DeliveryLogEntry[]> {
    const entries: DeliveryLogEntry[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const page = await resolver(repo, 'getDeliveryLog', { limit: 50, ...(cursor ? { cursor } : {}) });
      expect(page.ok).toBe(true);
      entries.push(...page.data.entries);
      cursor = page.data.nextCursor;
      pages++;
    } while (cursor && pages < 100);
    return entries;
  }

  test('every alert is delivered exactly once or recorded as failed on every channel', async () => {
    for (let repo = 0; repo < REPOS; repo++) {
      for (const [i, name] of CHANNELS.entries()) {
        const saved = await resolver(repo, 'saveChannel', { channel: { name, type: 'webhook', url: `${receivers[i]!.url}/r${repo}/${name}` } });
        expect(saved.ok).toBe(true);
      }
      expect((await resolver(repo, 'saveRules', { rules: [{ name: 'all', on: ['failed', 'fixed'], channels: [...CHANNELS] }] })).ok).toBe(true);
    }
    expect((await resolver(DISABLED.repo, 'setChannelEnabled', { name: DISABLED.channel, enabled: false })).ok).toBe(true);

    const streams = events(seededRandom(42));
    const started = Date.now();
    await Promise.all(streams.map(async (stream) => {
      for (const ev of stream) {
        const body = {
          ...forgeFailed,
          repository: { uuid: repoUuid(ev.repo) },
          eventType: 'avi:bitbucket:updated:build-status',
          timestamp: ev.at,
          buildStatus: { ...forgeFailed.buildStatus, state: ev.state, createdOn: ev.at, updatedOn: ev.at, refName: ev.branch, commit: { hash: ev.commit } },
        };
        const res = await fetch(`${rt.url}/forge/events`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
        expect(res.status).toBe(202);
      }
    }));
    const posted = Date.now() - started;
    await rt.queue.drain(30_000);
    const drained = Date.now() - started;

    let raised = 0;
    const totals = { delivered: 0, failed: 0, skipped: 0, disabled: 0, retrying: 0 };
    let nothingToResolve = 0;
    const accepted = new Map<string, number>();
    for (const r of receivers) for (const s of r.seen) if (s.fault === 'ok') accepted.set(s.id, (accepted.get(s.id) ?? 0) + 1);

    for (let repo = 0; repo < REPOS; repo++) {
      const expected = expectedAlerts(streams[repo]!);
      raised += expected.length;
      const log = await fullLog(repo);
      for (const e of log) totals[e.outcome]++;
      nothingToResolve += log.filter((e) => e.reason === 'nothing-to-resolve').length;

      // One terminal record per (alert, channel); retries before it only.
      const byJob = new Map<string, DeliveryLogEntry[]>();
      for (const e of log) byJob.set(`${e.alertId}:${e.channel}`, [...(byJob.get(`${e.alertId}:${e.channel}`) ?? []), e]);
      expect(byJob.size).toBe(expected.length * CHANNELS.length);
      for (const [jobId, entries] of byJob) {
        const terminal = entries.filter((e) => e.outcome !== 'retrying');
        expect([jobId, terminal.length]).toEqual([jobId, 1]);
        const outcome = terminal[0]!.outcome;
        // The receiver accepted the alert once if and only if the log says delivered.
        expect([jobId, outcome, accepted.get(webhookId(jobId)) ?? 0]).toEqual([jobId, outcome, outcome === 'delivered' ? 1 : 0]);
        if (jobId.endsWith(`:${DISABLED.channel}`) && repo === DISABLED.repo) expect(outcome).toBe('skipped');
        // A fix whose failure failed on this channel resolves nothing there, and says so.
        else if (outcome === 'skipped') expect([terminal[0]!.alertType, terminal[0]!.reason]).toEqual(['build.fixed', 'nothing-to-resolve']);
        else expect(['delivered', 'failed']).toContain(outcome);
      }

      // The alerts raised are the ones a person expects, per branch and in order, on every channel.
      for (const channel of CHANNELS) {
        // One entry per alert: its first logged attempt (runs held by an open breaker are not logged).
        const firstTries = [...new Map(log.filter((e) => e.channel === channel).sort((x, y) => y.at.localeCompare(x.at)).map((e) => [e.alertId, e])).values()];
        const perBranch = (list: { branch: string; type: string }[], branch: string) => list.filter((a) => a.branch === branch).map((a) => a.type);
        for (const branch of BRANCHES) {
          const got = firstTries
            .filter((e) => e.incidentKey.includes(`:b:${branch}:`))
            .sort((x, y) => x.at.localeCompare(y.at))
            .map((e) => e.alertType);
          expect([repo, channel, branch, got]).toEqual([repo, channel, branch, perBranch(expected, branch)]);
        }
      }
    }

    const sent = receivers.reduce((n, r) => n + r.seen.length, 0);
    expect(rt.queue.stats().dead).toBe(0);
    expect(raised).toBeGreaterThan(100);
    expect(totals.delivered + totals.failed + totals.skipped + totals.disabled).toBe(raised * CHANNELS.length);
    expect(totals.delivered).toBe([...accepted.values()].reduce((n, c) => n + c, 0));
    expect(totals.retrying).toBeGreaterThan(0);
    expect(totals.failed).toBeGreaterThan(0);
    expect(totals.skipped).toBe(expectedAlerts(streams[DISABLED.repo]!).length + nothingToResolve);
    // Every request the receivers saw is one logged attempt (nothing sent unlogged, nothing logged unsent).
    expect(sent).toBe(totals.delivered + totals.failed + totals.retrying);
    process.stdout.write(
      `soak: ${streams.flat().length} events, ${raised} alerts × ${CHANNELS.length} channels; ${sent} requests ` +
      `(${receivers.map((r) => JSON.stringify(r.faults)).join(' ')}); delivered ${totals.delivered}, failed ${totals.failed}, ` +
      `skipped ${totals.skipped}, retries ${totals.retrying}; posted in ${posted} ms, drained in ${drained} ms\n`,
    );
  });
});
