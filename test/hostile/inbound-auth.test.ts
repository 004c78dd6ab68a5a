/**
 * Inbound trust, task 2: tokens. With BUILD_ALERTS_ADMIN_TOKEN the settings page and resolvers need
 * the token (Bearer) or the session cookie from /login; with BUILD_ALERTS_INGEST_TOKEN,
 * POST /forge/events needs its Bearer token. Off loopback both are required to start at all.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RuntimeStartError, startRuntime } from '../../src/adapters/local/runtime';
import { loadFixture } from '../helpers/fixtures';
import { silentLog, startTestRuntime, type TestRuntime } from '../helpers/runtime';
import { jobsTaken } from './helpers/hostile';
import { rawRequest } from './helpers/raw-http';

const ADMIN = 'a'.repeat(20) + '-admin-token-0123456789';
const INGEST = 'ingest-token-for-tests';
const forgeFailed = loadFixture('forge-build-status-created-failed.atlassian-docs.json') as any;
const REPO = { uuid: forgeFailed.repository.uuid as string };
const settingsBody = JSON.stringify({ payload: {}, extension: { repository: REPO } });
const addChannel = JSON.stringify({ payload: { channel: { name: 'x', type: 'webhook', url: 'http://127.0.0.1:9/x' } }, extension: { repository: REPO } });

describe('admin and ingest tokens', () => {
  let rt: TestRuntime;
  const json = { 'content-type': 'application/json' };

  beforeAll(async () => {
    rt = await startTestRuntime({ runtime: { adminToken: ADMIN, ingestToken: INGEST } });
  });
  afterAll(() => rt?.stop());

  const channels = async () => {
    const res = await rawRequest(`${rt.url}/api/resolvers/getSettings`, { method: 'POST', headers: { ...json, authorization: `Bearer ${ADMIN}` }, body: settingsBody });
    return res.json.data.channels.map((c: { name: string }) => c.name);
  };

  test.each([
    ['no credentials', {}],
    ['a wrong Bearer token', { authorization: `Bearer ${ADMIN}x` }],
    ['the ingest token', { authorization: `Bearer ${INGEST}` }],
    ['a forged session cookie', { cookie: `build_alerts_session=${Date.now() + 1e6}.${'A'.repeat(43)}` }],
    ['an expired session cookie', { cookie: 'build_alerts_session=1000.' + 'A'.repeat(43) }],
    ['Basic auth', { authorization: `Basic ${Buffer.from(`admin:${ADMIN}`).toString('base64')}` }],
  ])('resolvers answer 401 to %s and save nothing', async (_name, headers) => {
    const res = await rawRequest(`${rt.url}/api/resolvers/saveChannel`, { method: 'POST', headers: { ...json, ...headers }, body: addChannel });
    expect(res.status).toBe(401);
    expect(res.headers['www-authenticate']).toMatch(/^Bearer/);
    expect(res.text).not.toContain(ADMIN);
    expect(await channels()).toEqual([]);
  });

  test('settings pages redirect to /login without credentials', async () => {
    for (const path of ['/', `/repos/${encodeURIComponent(REPO.uuid)}/settings/`, '/workspaces/ws/settings/']) {
      const res = await rawRequest(rt.url + path);
      expect([path, res.status]).toEqual([path, 302]);
      expect(res.headers.location).toBe(`/login?next=${encodeURIComponent(path)}`);
    }
  });

  test('the Bearer admin token opens the resolvers', async () => {
    const res = await rawRequest(`${rt.url}/api/resolvers/getSettings`, { method: 'POST', headers: { ...json, authorization: `Bearer ${ADMIN}` }, body: settingsBody });
    expect(res.status).toBe(200);
    expect(res.json.ok).toBe(true);
  });

  test('/login: a plain HTML form; a wrong token gets 401 and no cookie; the right one a strict HttpOnly cookie', async () => {
    const form = await rawRequest(`${rt.url}/login?next=${encodeURIComponent('/repos/x/settings/')}`);
    expect(form.status).toBe(200);
    expect(form.text).toMatch(/<form method="post" action="\/login">/);
    expect(form.text).toContain('value="/repos/x/settings/"');
    expect(form.text).not.toMatch(/<script/);

    const formType = { 'content-type': 'application/x-www-form-urlencoded', origin: rt.url };
    const wrong = await rawRequest(`${rt.url}/login`, { method: 'POST', headers: formType, body: `token=${ADMIN.slice(0, -1)}&next=%2F` });
    expect(wrong.status).toBe(401);
    expect(wrong.headers['set-cookie']).toBeUndefined();

    const ok = await rawRequest(`${rt.url}/login`, { method: 'POST', headers: formType, body: `token=${encodeURIComponent(ADMIN)}&next=${encodeURIComponent('/repos/x/settings/')}` });
    expect(ok.status).toBe(303);
    expect(ok.headers.location).toBe('/repos/x/settings/');
    const cookie = String(ok.headers['set-cookie']);
    expect(cookie).toMatch(/^build_alerts_session=[^;]+;/);
    expect(cookie).toMatch(/HttpOnly/);
    expect(cookie).toMatch(/SameSite=Strict/);
    expect(cookie).not.toMatch(/Secure/); // plain http on loopback: a Secure cookie would never come back
    expect(cookie).not.toContain(ADMIN);

    const session = cookie.split(';')[0]!;
    const page = await rawRequest(`${rt.url}/`, { headers: { cookie: session } });
    expect(page.status).not.toBe(302);
    const saved = await rawRequest(`${rt.url}/api/resolvers/saveChannel`, { method: 'POST', headers: { ...json, cookie: session, origin: rt.url }, body: addChannel });
    expect(saved.status).toBe(200);
    expect(saved.json.ok).toBe(true);
    expect(await channels()).toEqual(['x']);
    const del = await rawRequest(`${rt.url}/api/resolvers/deleteChannel`, { method: 'POST', headers: { ...json, cookie: session }, body: JSON.stringify({ payload: { name: 'x' }, extension: { repository: REPO } }) });
    expect(del.json.ok).toBe(true);
  });

  test('/login sends nobody to another site after signing in', async () => {
    for (const next of ['https://attacker.test/', '//attacker.test/', '/\\attacker.test', 'javascript:alert(1)']) {
      const ok = await rawRequest(`${rt.url}/login`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: `token=${encodeURIComponent(ADMIN)}&next=${encodeURIComponent(next)}` });
      expect([next, ok.headers.location]).toEqual([next, '/']);
    }
  });

  test('POST /forge/events needs the ingest token: 401 otherwise, nothing queued', async () => {
    const jobs = jobsTaken(rt);
    for (const headers of [{}, { authorization: `Bearer ${ADMIN}` }, { authorization: `Bearer ${INGEST}-` }, { authorization: INGEST }] as Record<string, string>[]) {
      const res = await rawRequest(`${rt.url}/forge/events`, { method: 'POST', headers: { ...json, ...headers }, body: JSON.stringify(forgeFailed) });
      expect(res.status).toBe(401);
    }
    await rt.settle();
    expect(jobsTaken(rt)).toBe(jobs);
    const ok = await rawRequest(`${rt.url}/forge/events`, { method: 'POST', headers: { ...json, authorization: `Bearer ${INGEST}` }, body: JSON.stringify(forgeFailed) });
    expect(ok.status).toBe(202);
  });

  test('/healthz and the webhook route stay open (the webhook checks its own signature)', async () => {
    expect((await rawRequest(`${rt.url}/healthz`)).status).toBe(200);
    const hook = await rawRequest(`${rt.url}/webhooks/bitbucket`, { method: 'POST', headers: { ...json, 'x-event-key': 'repo:fork' }, body: '{}' });
    expect(hook.status).toBeLessThan(300);
  });
});

describe('cookie over https and refusing to start', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'ba-auth-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  test('the session cookie is Secure when BUILD_ALERTS_PUBLIC_URL is https', async () => {
    const rt = await startRuntime({ host: '127.0.0.1', port: 0, dataDir: join(dir, 'https'), log: silentLog, adminToken: ADMIN, publicUrl: 'https://alerts.example.com/' });
    try {
      const ok = await rawRequest(`${rt.url}/login`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', origin: 'https://alerts.example.com' }, body: `token=${encodeURIComponent(ADMIN)}` });
      expect(ok.status).toBe(303);
      expect(String(ok.headers['set-cookie'])).toMatch(/; Secure/);
    } finally {
      await rt.close();
    }
  });

  test.each([
    ['no tokens', {}, /BUILD_ALERTS_ADMIN_TOKEN.*BUILD_ALERTS_INGEST_TOKEN/],
    ['no ingest token', { adminToken: ADMIN }, /BUILD_ALERTS_INGEST_TOKEN/],
    ['a short admin token', { adminToken: 'short', ingestToken: INGEST }, /BUILD_ALERTS_ADMIN_TOKEN \(5 characters; at least 32\)/],
  ])('listening on 0.0.0.0 with %s does not start', async (_name, tokens, message) => {
    const attempt = startRuntime({ host: '0.0.0.0', port: 0, dataDir: join(dir, 'wide'), log: silentLog, ...tokens });
    await expect(attempt).rejects.toThrow(RuntimeStartError);
    await expect(attempt).rejects.toThrow(message);
  });

  test('a short admin token is refused on loopback too', async () => {
    await expect(startRuntime({ host: '127.0.0.1', port: 0, dataDir: join(dir, 'short'), log: silentLog, adminToken: 'short' })).rejects.toThrow(/at least 32/);
  });
});
