/**
 * Inbound trust, task 1, in a real browser (Debian's Chromium through playwright-core): a page on
 * another origin the admin happens to visit, and a page reached through a DNS-rebound name, both
 * try to add a channel to the runtime on loopback. Neither changes anything.
 */
import { existsSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { chromium, type Browser } from 'playwright-core';
import { startTestRuntime, type TestRuntime } from '../helpers/runtime';

const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/lib/chromium/chromium';
const REPO = { uuid: '{15a31549-1cff-45dc-9d0d-310114c5038b}' };
const describeBrowser = existsSync(CHROMIUM) ? describe : describe.skip;
if (!existsSync(CHROMIUM)) console.warn(`skipped: no Chromium at ${CHROMIUM} (apt-get install -y chromium)`);

describeBrowser('a hostile page in Chromium', () => {
  let rt: TestRuntime;
  let browser: Browser;
  let attacker: Server;
  let attackerUrl: string;
  const seen: { method: string; path: string }[] = [];

  beforeAll(async () => {
    rt = await startTestRuntime();
    attacker = createServer((_req, res) => res.writeHead(200, { 'content-type': 'text/html' }).end('<!doctype html><title>cat pictures</title>'));
    await new Promise<void>((r) => attacker.listen(0, '127.0.0.1', r));
    attackerUrl = `http://127.0.0.1:${(attacker.address() as AddressInfo).port}`;
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--host-resolver-rules=MAP rebind.test 127.0.0.1', '--no-sandbox'] });
  }, 20_000);
  afterAll(async () => {
    await browser?.close();
    await new Promise((r) => attacker?.close(r));
    await rt?.stop();
  });

  const channelNames = async () => ((await rt.resolver('getSettings', {}, { repository: REPO })) as any).data.channels.map((c: { name: string }) => c.name);
  const body = JSON.stringify({ payload: { channel: { name: 'csrf', type: 'webhook', url: 'http://127.0.0.1:9/x' } }, extension: { repository: REPO } });

  test('a no-cors POST from another origin (no preflight, text/plain) adds no channel', async () => {
    const page = await browser.newPage();
    page.on('request', (r) => seen.push({ method: r.method(), path: new URL(r.url()).pathname }));
    await page.goto(attackerUrl);
    const results = await page.evaluate(
      async ({ target, body }) => {
        const out: string[] = [];
        for (const init of [
          { mode: 'no-cors', method: 'POST', body },
          { mode: 'no-cors', method: 'POST', body, headers: { 'content-type': 'text/plain' } },
          { mode: 'no-cors', method: 'POST', body: new URLSearchParams({ x: body }) },
        ] as RequestInit[]) {
          const res = await fetch(`${target}/api/resolvers/saveChannel`, init).then((r) => r.type, (e: Error) => `error ${e.message}`);
          out.push(res);
        }
        return out;
      },
      { target: rt.url, body },
    );
    // The browser sent them (opaque answers), the runtime refused them.
    expect(results).toEqual(['opaque', 'opaque', 'opaque']);
    expect(seen.filter((r) => r.method === 'POST' && r.path === '/api/resolvers/saveChannel')).toHaveLength(3);
    await page.close();
    expect(await channelNames()).toEqual([]);
  });

  test('a page on a DNS-rebound name (rebind.test → 127.0.0.1) gets 421 and changes nothing', async () => {
    const port = new URL(rt.url).port;
    const page = await browser.newPage();
    const res = await page.goto(`http://rebind.test:${port}/`);
    expect(res?.status()).toBe(421);
    // Same-origin from the browser's point of view, so JSON and a readable answer: still refused.
    const status = await page.evaluate(
      async ({ body }) => (await fetch('/api/resolvers/saveChannel', { method: 'POST', headers: { 'content-type': 'application/json' }, body })).status,
      { body },
    );
    expect(status).toBe(421);
    await page.close();
    expect(await channelNames()).toEqual([]);
  });
});
