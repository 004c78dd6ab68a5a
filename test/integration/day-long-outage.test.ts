/**
 * Every incident closes: a vendor outage as long as a day does not lose the fix. The local runtime
 * runs on a clock SPEED times faster than real time, so the real retry schedule (backoff.ts: a
 * resolving alert retries for 24 hours, at most 15 minutes apart), the real breaker (open up to
 * 10 hours) and the re-queue before Forge's 24 h retention window all apply unchanged, in seconds.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startRuntime } from '../../src/adapters/local/runtime';
import type { DeliveryLogEntry } from '../../src/shared/contract';
import { loadFixture } from '../helpers/fixtures';
import { startReceiver } from '../helpers/receiver';
import { silentLog } from '../helpers/runtime';

const SPEED = 20_000;
const HOUR = 3_600_000;
const forgeFailed = loadFixture('forge-build-status-created-failed.atlassian-docs.json') as any;

function fastClock() {
  const base = Date.now();
  return { now: () => base + (Date.now() - base) * SPEED };
}

test('a fix during a 23-hour vendor outage (503) arrives once when the vendor recovers; a failure raised in it gives up after 3 hours', async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'build-alerts-outage-'));
  const clock = fastClock();
  const rt = await startRuntime({ host: '127.0.0.1', port: 0, dataDir, log: silentLog, clock, sendTimeoutMs: 2000 });
  const ticker = setInterval(() => rt.queue.wake(), 2);
  const vendor = await startReceiver();
  const repo = { uuid: '{5d1e0c3a-7b8e-4f10-9a55-0000000000b7}' };
  const resolver = async (name: string, payload: unknown) =>
    (await fetch(`${rt.url}/api/resolvers/${name}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ payload, extension: { repository: repo } }) })).json();
  const build = async (state: string, refName: string) => {
    const at = new Date(clock.now()).toISOString();
    const event = { ...forgeFailed, repository: repo, eventType: 'avi:bitbucket:updated:build-status', timestamp: at, buildStatus: { ...forgeFailed.buildStatus, state, createdOn: at, updatedOn: at, refName } };
    expect((await fetch(`${rt.url}/forge/events`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(event) })).status).toBe(202);
  };
  try {
    expect((await resolver('saveChannel', { channel: { name: 'pager', type: 'webhook', url: vendor.url } })).ok).toBe(true);
    expect((await resolver('saveRules', { rules: [{ name: 'r', on: ['failed', 'fixed'], channels: ['pager'] }] })).ok).toBe(true);

    await build('FAILED', 'main');
    await vendor.waitFor(1, 5000);

    // The vendor goes down; the build is fixed at once, and another branch breaks during the outage.
    vendor.fallback = { status: 503, body: '{"error":"maintenance"}' };
    const outageStart = clock.now();
    await build('SUCCESSFUL', 'main');
    await build('FAILED', 'release');
    while (clock.now() - outageStart < 23 * HOUR) await new Promise((r) => setTimeout(r, 20));
    vendor.fallback = { status: 200, body: '{"ok":true}' };
    const recovered = vendor.received.length;

    // Within the next two hours of app time (at most one breaker hold and one 15-minute wait), the fix lands.
    const deadline = Date.now() + (2 * HOUR) / SPEED + 3000;
    const fixedArrived = () => vendor.received.slice(recovered).some((r) => (r.json as { type?: string }).type === 'build.fixed');
    while (!fixedArrived() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    await new Promise((r) => setTimeout(r, (HOUR / SPEED) * 0.5)); // half an hour more: nothing else arrives
    clearInterval(ticker);

    const accepted = vendor.received.slice(recovered).filter((r) => r.json !== null);
    expect(accepted.map((r) => (r.json as { type: string }).type)).toEqual(['build.fixed']);

    const log: DeliveryLogEntry[] = [];
    let cursor: string | undefined;
    do {
      const page = await resolver('getDeliveryLog', { limit: 100, ...(cursor ? { cursor } : {}) });
      log.push(...page.data.entries);
      cursor = page.data.nextCursor ?? undefined;
    } while (cursor);
    const fix = log.filter((e) => e.alertType === 'build.fixed');
    expect(fix.filter((e) => e.outcome === 'delivered')).toHaveLength(1);
    expect(fix.filter((e) => e.outcome === 'retrying').length).toBeGreaterThan(8); // past the old 8-try limit
    expect(fix.some((e) => e.outcome === 'failed')).toBe(false);
    // The failure raised during the outage is an opening alert: it gives up (stale) rather than page 20 hours late.
    const release = log.filter((e) => e.alertType === 'build.failed' && e.incidentKey.includes(':b:release:'));
    expect(release.filter((e) => e.outcome === 'failed')).toHaveLength(1);
    expect(release.some((e) => e.outcome === 'delivered')).toBe(false);
  } finally {
    clearInterval(ticker);
    await rt.close();
    await vendor.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
}, 30_000);
