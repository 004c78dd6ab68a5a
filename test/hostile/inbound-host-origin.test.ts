/**
 * Inbound trust, task 1: DNS rebinding (a foreign Host gets 421), CSRF (a foreign Origin or
 * Sec-Fetch-Site: cross-site on anything but GET/HEAD gets 403) and resolvers that take only JSON
 * (415). Raw HTTP on loopback; each refusal leaves the settings and the queue unchanged.
 */
import { loadFixture } from '../helpers/fixtures';
import { startTestRuntime, type TestRuntime } from '../helpers/runtime';
import { jobsTaken } from './helpers/hostile';
import { rawRequest } from './helpers/raw-http';

const forgeFailed = loadFixture('forge-build-status-created-failed.atlassian-docs.json') as any;
const REPO = { uuid: forgeFailed.repository.uuid as string };
const addChannel = JSON.stringify({ payload: { channel: { name: 'evil', type: 'webhook', url: 'http://127.0.0.1:9/x' } }, extension: { repository: REPO } });

describe('Host and Origin checks', () => {
  let rt: TestRuntime;
  let host: string;

  beforeAll(async () => {
    rt = await startTestRuntime({ runtime: { publicUrl: 'https://alerts.example.com' } });
    host = new URL(rt.url).host;
    // A rule and a channel, so an event that got through would be queued.
    expect((await rt.resolver('saveChannel', { channel: { name: 'audit', type: 'webhook', url: 'http://127.0.0.1:9/hook' } }, { repository: REPO })).ok).toBe(true);
    expect((await rt.resolver('saveRules', { rules: [{ name: 'all', on: ['failed'], channels: ['audit'] }] }, { repository: REPO })).ok).toBe(true);
  });
  afterAll(() => rt?.stop());

  const channels = async () => ((await rt.resolver('getSettings', {}, { repository: REPO })) as any).data.channels.map((c: { name: string }) => c.name).sort();

  async function expectUnchanged(jobsBefore: number) {
    await rt.settle();
    expect(await channels()).toEqual(['audit']);
    expect(jobsTaken(rt)).toBe(jobsBefore);
  }

  test.each([
    ['GET', '/'],
    ['GET', '/healthz'],
    ['GET', `/repos/${encodeURIComponent(REPO.uuid)}/settings/`],
    ['POST', '/api/resolvers/saveChannel'],
    ['POST', '/forge/events'],
    ['POST', '/webhooks/bitbucket'],
  ])('a foreign Host is refused with 421: %s %s', async (method, path) => {
    const jobs = jobsTaken(rt);
    for (const foreign of ['rebind.attacker.test', `rebind.attacker.test:${new URL(rt.url).port}`, 'localhost.attacker.test', `127.0.0.1:1`, 'alerts.example.com.evil.test']) {
      const body = path === '/forge/events' ? JSON.stringify(forgeFailed) : path.startsWith('/api') ? addChannel : method === 'POST' ? '{}' : undefined;
      const res = await rawRequest(rt.url + path, { method, headers: { host: foreign, 'content-type': 'application/json', 'x-event-key': 'repo:push' }, body });
      expect(res.status).toBe(421);
      expect(res.json.error).toMatch(/DNS rebinding/);
    }
    const missing = await rawRequest(rt.url + path, { method, headers: { host: '' } });
    expect(missing.status).toBe(421);
    await expectUnchanged(jobs);
  });

  test("the runtime's own names are accepted: loopback names with the port, and the public URL's host", async () => {
    const port = new URL(rt.url).port;
    for (const own of [host, `localhost:${port}`, `[::1]:${port}`, `LOCALHOST:${port}`, 'alerts.example.com', 'alerts.example.com:443']) {
      const res = await rawRequest(`${rt.url}/healthz`, { headers: { host: own } });
      expect([own, res.status]).toEqual([own, 200]);
    }
  });

  test.each([
    ['a foreign Origin', { origin: 'https://attacker.test' }],
    ['another port on loopback', { origin: 'http://127.0.0.1:1' }],
    ['Origin: null (sandboxed frame, file://)', { origin: 'null' }],
    ['the public host over http', { origin: 'http://alerts.example.com' }],
    ['Sec-Fetch-Site: cross-site', { 'sec-fetch-site': 'cross-site' }],
    ['Sec-Fetch-Site: same-site', { 'sec-fetch-site': 'same-site' }],
  ])('%s is refused with 403 on every state-changing route', async (_name, extra) => {
    const jobs = jobsTaken(rt);
    const routes: [string, string, Record<string, string>][] = [
      ['/api/resolvers/saveChannel', addChannel, {}],
      ['/forge/events', JSON.stringify(forgeFailed), {}],
      ['/webhooks/bitbucket', '{}', { 'x-event-key': 'repo:push' }],
      ['/login', 'token=x', {}],
      ['/no-such-route', '{}', {}],
    ];
    for (const [path, body, headers] of routes) {
      const res = await rawRequest(rt.url + path, { method: 'POST', headers: { 'content-type': 'application/json', ...headers, ...extra }, body });
      expect([path, res.status]).toEqual([path, 403]);
    }
    await expectUnchanged(jobs);
  });

  test('same-origin requests pass: the own origin, the public URL origin, Sec-Fetch-Site same-origin', async () => {
    for (const headers of [{ origin: rt.url }, { origin: 'https://alerts.example.com' }, { 'sec-fetch-site': 'same-origin', origin: rt.url }, {}] as Record<string, string>[]) {
      const res = await rawRequest(`${rt.url}/api/resolvers/getSettings`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify({ payload: {}, extension: { repository: REPO } }) });
      expect(res.status).toBe(200);
      expect(res.json.ok).toBe(true);
    }
  });

  test('GET with a foreign Origin is harmless and answered (no CORS headers, so the page cannot read it)', async () => {
    const res = await rawRequest(`${rt.url}/healthz`, { headers: { origin: 'https://attacker.test' } });
    expect(res.status).toBe(200);
    expect(res.headers['access-control-allow-origin']).toBeUndefined();
  });

  test.each(['text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', ''])(
    'resolvers refuse Content-Type "%s" with 415 (what a form or a no-cors fetch can send)',
    async (type) => {
      const jobs = jobsTaken(rt);
      const res = await rawRequest(`${rt.url}/api/resolvers/saveChannel`, { method: 'POST', headers: type ? { 'content-type': type } : {}, body: addChannel });
      expect(res.status).toBe(415);
      await expectUnchanged(jobs);
    },
  );

  test('application/json with a charset is accepted', async () => {
    const res = await rawRequest(`${rt.url}/api/resolvers/getSettings`, { method: 'POST', headers: { 'content-type': 'application/json; charset=utf-8' }, body: JSON.stringify({ payload: {}, extension: { repository: REPO } }) });
    expect(res.status).toBe(200);
  });

  test('pages cannot be framed by another site', async () => {
    const res = await rawRequest(`${rt.url}/`);
    expect(res.headers['x-frame-options']).toBe('DENY');
    expect(res.headers['content-security-policy']).toContain("frame-ancestors 'none'");
  });

  test('the bridge shim calls resolvers with same-origin JSON', async () => {
    const res = await rawRequest(`${rt.url}/__local/bridge-shim.js`);
    expect(res.status).toBe(200);
    expect(res.text).toMatch(/'content-type': 'application\/json'/);
    expect(res.text).toMatch(/credentials: 'same-origin'/);
  });
});
