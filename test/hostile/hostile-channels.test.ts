/**
 * Channel and rule configuration an attacker (or a typo) could use against the runtime itself:
 * rules naming channels that do not exist, channel URLs pointing back at the runtime's own
 * host:port, and private network addresses in self-hosted mode, refused unless allowed.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startRuntime, type Runtime } from '../../src/adapters/local/runtime';
import { keys, repoKey } from '../../src/core/storage-keys';
import { silentLog, startTestRuntime, type TestRuntime } from '../helpers/runtime';
import { expectNoStackTrace } from './helpers/hostile';

const REPO = { uuid: '{0d9e8f7a-6b5c-4d3e-8f2a-1b0c9d8e7f6a}' };
const EXTENSION = { repository: REPO };
const REPO_KEY = repoKey({ uuid: REPO.uuid, fullName: null })!;
const PRIVATE_URLS: [string, string][] = [
  ['https://10.0.0.5/hook', '10.0.0.5'],
  ['https://192.168.1.1/hook', '192.168.1.1'],
  ['https://172.16.0.1/hook', '172.16.0.1'],
  ['https://[fd00::1]/hook', '[fd00::1]'],
];

describe('rules and channels against the default local runtime', () => {
  let rt: TestRuntime;
  beforeAll(async () => {
    rt = await startTestRuntime();
  });
  afterAll(() => rt?.stop());

  async function call(name: string, payload: unknown) {
    const res = await rt.post(`/api/resolvers/${name}`, { payload, extension: EXTENSION });
    expect(res.status).toBe(200);
    expectNoStackTrace(res.json);
    return res.json;
  }

  test('rules referencing missing channels are refused, naming the channel, and nothing is stored', async () => {
    const res = await call('saveRules', { rules: [{ name: 'r', on: ['failed'], channels: ['ghost-channel'] }] });
    expect(res).toMatchObject({ ok: false, error: { code: 'invalid', fields: [{ path: 'rules[0].channels[0]', message: expect.stringContaining('"ghost-channel"') }] } });
    const yaml = 'version: 1\nchannels: []\nrules:\n  - name: r\n    on: [failed]\n    channels: [ghost-channel]\n';
    const imported = await call('importRules', { yaml });
    expect(imported).toMatchObject({ ok: false, error: { code: 'invalid', fields: [{ path: 'rules[0].channels[0]', line: 6, message: expect.stringContaining('ghost-channel') }] } });
    expect(await rt.store.get(keys.rules(REPO_KEY))).toBeUndefined();
  });

  test("channel URLs pointing at the runtime's own host:port are refused", async () => {
    const port = new URL(rt.url).port;
    for (const url of [`${rt.url}/webhooks/bitbucket`, `http://localhost:${port}/api/resolvers/saveRules`, `http://127.0.0.1:${port}/forge/events`]) {
      const res = await call('saveChannel', { channel: { name: 'loop', type: 'webhook', url } });
      expect({ url, res }).toMatchObject({ url, res: { ok: false, error: { code: 'egress-denied', message: expect.stringContaining('own address') } } });
    }
    expect(await rt.store.get(keys.rules(REPO_KEY))).toBeUndefined();
  });

  test.each(PRIVATE_URLS)('a channel on the private address %s is refused by default', async (url, host) => {
    const res = await call('saveChannel', { channel: { name: 'lan', type: 'mattermost', url } });
    expect(res).toMatchObject({ ok: false, error: { code: 'egress-denied', host: expect.stringContaining(host.replace(/[[\]]/g, '')) } });
    expect(res.error.message).toMatch(/private address/);
    expect(res.error.message).toContain('BUILD_ALERTS_ALLOW_PRIVATE_EGRESS');
  });
});

describe('self-hosted mode with private egress allowed', () => {
  let runtime: Runtime;
  let dataDir: string;
  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'build-alerts-private-'));
    runtime = await startRuntime({ host: '127.0.0.1', port: 0, dataDir, allowPrivateEgress: true, log: silentLog });
  });
  afterAll(async () => {
    await runtime?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  const call = (name: 'saveChannel', payload: unknown) =>
    runtime.app.resolve(name, { caller: { accountId: 'local-admin' }, extension: EXTENSION, payload });

  test.each(PRIVATE_URLS)('a channel on %s is accepted', async (url) => {
    const res = await call('saveChannel', { channel: { name: 'lan', type: 'mattermost', url } });
    expect(res).toMatchObject({ ok: true, data: { name: 'lan', type: 'mattermost' } });
  });

  test('the runtime itself is still refused', async () => {
    const res = await call('saveChannel', { channel: { name: 'loop', type: 'webhook', url: `${runtime.url}/webhooks/bitbucket` } });
    expect(res).toMatchObject({ ok: false, error: { code: 'egress-denied' } });
  });
});
