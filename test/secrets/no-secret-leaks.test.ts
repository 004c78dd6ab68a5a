/**
 * No secret leaks (issue 8.4). A realistic run of the local runtime with a distinctive secret in
 * every secret-bearing channel type and the inbound webhook secret: saves, re-saves with blank
 * secrets, test sends, failures whose answers echo the request URL and credentials back (500, 401,
 * 410), a refused connection, egress denials and validation errors. Then every log line, every
 * HTTP answer (resolvers included, errors included), every delivery-log entry and every stored
 * non-secret value is searched for each secret, its URL-encoded form and the path and query values
 * of secret URLs. Vendors receive their secrets where they require them; that is not a leak.
 */
import { createHmac } from 'node:crypto';
import { CHANNEL_TYPES, type ChannelType } from '../../src/core/channels/channel';
import { keys, repoKey } from '../../src/core/storage-keys';
import { loadFixture } from '../helpers/fixtures';
import { startReceiver, type Receiver } from '../helpers/receiver';
import { startTestRuntime, type TestRuntime } from '../helpers/runtime';

const forgeFailed = loadFixture('forge-build-status-created-failed.atlassian-docs.json') as any;
const REPO = { uuid: forgeFailed.repository.uuid as string, fullName: 'acme/widgets' };
const EXTENSION = { repository: REPO };
const REPO_KEY = repoKey(REPO)!;

const PD_KEY = 'PdLeakCanary0006PdLeakCanary0006';
const GENIE_KEY = 'genieLeak-0007-aaaa-bbbb-cccc0007';
const JSM_KEY = 'jsmLeak-0008-aaaa-bbbb-cccc-0008';
const WHSEC = `whsec_${Buffer.from('webhook-leak-canary-secret-0012!!').toString('base64')}`;
const INBOUND = 'inboundLeakCanary-0013-xxxxxxxx';

/** Each channel's config against its receiver; every secret field carries a canary. */
const CONFIG: Record<ChannelType, (base: string) => Record<string, string>> = {
  slack: (base) => ({ url: `${base}/services/T0LEAKSLK/B0LEAKSLK/slackLeakCanary0001` }),
  teams: (base) => ({ url: `${base}/workflows/teamsLeakWf0002/triggers/manual/paths/invoke?sig=teamsLeakSig0002` }),
  'google-chat': (base) => ({ url: `${base}/v1/spaces/GCHATLEAK0003/messages?key=gchatLeakKey0003&token=gchatLeakTok0003` }),
  discord: (base) => ({ url: `${base}/api/webhooks/4040404/discordLeakTok0004` }),
  mattermost: (base) => ({ url: `${base}/hooks/mattermostLeak0005` }),
  pagerduty: (base) => ({ routingKey: PD_KEY, url: `${base}/v2/enqueue` }),
  opsgenie: (base) => ({ apiKey: GENIE_KEY, url: base }),
  'jsm-ops': (base) => ({ apiKey: JSM_KEY, url: `${base}/jsm/ops/integration` }),
  alertops: (base) => ({ url: `${base}/POSTAlert/alertopsLeak0009/BuildAlerts` }),
  squadcast: (base) => ({ url: `${base}/v2/incidents/api/squadcastLeak0010` }),
  webhook: (base) => ({ url: `${base}/hooks/webhookLeakPath0011`, secret: WHSEC }),
};
const SECRET_FIELDS: Record<ChannelType, string[]> = {
  slack: ['url'], teams: ['url'], 'google-chat': ['url'], discord: ['url'], mattermost: ['url'], pagerduty: ['routingKey'],
  opsgenie: ['apiKey'], 'jsm-ops': ['apiKey'], alertops: ['url'], squadcast: ['url'], webhook: ['url', 'secret'],
};

/** How vendors answer in the failure round: a mix of retry, refuse and gone. */
const FAILURE_STATUS: Record<ChannelType, number> = {
  slack: 500, teams: 401, 'google-chat': 500, discord: 410, mattermost: 401, pagerduty: 500,
  opsgenie: 401, 'jsm-ops': 500, alertops: 410, squadcast: 500, webhook: 401,
};

/** Every form in which a secret could show up in our output. */
function leakForms(secret: string): string[] {
  const forms = new Set([secret, encodeURIComponent(secret)]);
  if (/^https?:\/\//.test(secret)) {
    const url = new URL(secret);
    forms.add(url.pathname);
    forms.add(encodeURIComponent(url.pathname));
    if (url.search) forms.add(url.pathname + url.search);
    for (const [, v] of url.searchParams) forms.add(v);
  }
  return [...forms].filter((f) => f.length >= 8);
}

/** A vendor answer that echoes everything it was sent: URL, encoded URL, path and the credential. */
function echoBody(secrets: string[]): string {
  return JSON.stringify({
    error: 'rejected',
    detail: secrets.map((s) => `bad credential ${s} (${encodeURIComponent(s)})`).join('; '),
    paths: secrets.filter((s) => s.startsWith('http')).map((s) => new URL(s).pathname),
  });
}

describe('no secret leaks', () => {
  let rt: TestRuntime;
  const receivers = new Map<ChannelType, Receiver>();
  const secrets = new Map<string, string>(); // secret → where it came from
  const outputs: { where: string; text: string }[] = [];
  const logLines: string[] = [];
  const capture = (level: string) => (obj?: object, msg?: string) => void logLines.push(JSON.stringify({ level, obj, msg }));
  const log = { debug: capture('debug'), info: capture('info'), warn: capture('warn'), error: capture('error') };

  /** POST that records the answer as our output. */
  async function post(path: string, body: unknown, headers: Record<string, string> = {}) {
    const res = await rt.post(path, body, headers);
    outputs.push({ where: `POST ${path} → ${res.status}`, text: typeof res.json === 'string' ? res.json : JSON.stringify(res.json) });
    return res;
  }
  const resolver = async (name: string, payload: unknown) => (await post(`/api/resolvers/${name}`, { payload, extension: EXTENSION })).json;

  const forgeEvent = (state: string, at: string) => ({
    ...forgeFailed,
    eventType: 'avi:bitbucket:updated:build-status',
    timestamp: at,
    buildStatus: { ...forgeFailed.buildStatus, state, createdOn: at, updatedOn: at, refName: 'main', commit: { hash: state === 'FAILED' ? 'a'.repeat(40) : 'b'.repeat(40) } },
  });

  const consoleSpies: jest.SpyInstance[] = [];

  beforeAll(async () => {
    // The manifest handlers the runtime hosts (trigger, consumer, web trigger) log to the console, as on Forge.
    for (const method of ['log', 'info', 'warn', 'error', 'debug'] as const) {
      consoleSpies.push(jest.spyOn(console, method).mockImplementation((...args: unknown[]) => void logLines.push(`console.${method} ${args.map((a) => (typeof a === 'string' ? a : JSON.stringify(a))).join(' ')}`)));
    }
    rt = await startTestRuntime({ log });
    secrets.set(INBOUND, 'inbound webhook secret');

    // 1. Channels of every type, saved, then saved again with their secret fields blank.
    for (const type of CHANNEL_TYPES) {
      const receiver = await startReceiver();
      receivers.set(type, receiver);
      const config = CONFIG[type](receiver.url);
      for (const field of SECRET_FIELDS[type]) secrets.set(config[field]!, `${type}.${field}`);
      const saved = await resolver('saveChannel', { channel: { name: `to-${type}`, type, ...config } });
      expect([type, saved.ok]).toEqual([type, true]);
      const blanks = Object.fromEntries(SECRET_FIELDS[type].map((f) => [f, '']));
      expect((await resolver('saveChannel', { channel: { name: `to-${type}`, type, ...config, ...blanks } })).ok).toBe(true);
    }
    expect(secrets.size).toBe(13);
    expect((await resolver('saveRules', { rules: [{ name: 'main', on: ['failed', 'fixed'], branches: ['main'], channels: CHANNEL_TYPES.map((t) => `to-${t}`) }] })).ok).toBe(true);
    expect(await resolver('setInboundSecret', { secret: INBOUND })).toEqual({ ok: true, data: { inboundSecretSet: true } });
    await resolver('getSettings', {});
    await resolver('exportRules', {});

    // 2. Test sends: vendors that answer 401 and echo what they got, then ones that accept.
    for (const [type, receiver] of receivers) {
      const mine = SECRET_FIELDS[type].map((f) => CONFIG[type](receiver.url)[f]!);
      receiver.script([{ status: 401, body: echoBody(mine) }]);
      const res = await resolver('testChannel', { name: `to-${type}` });
      expect([type, res.ok]).toEqual([type, true]);
      await resolver('testChannel', { name: `to-${type}` });
    }

    // 3. A failing build: vendors answer 500 / 401 / 410 echoing the request URL and credentials.
    for (const [type, receiver] of receivers) {
      const mine = SECRET_FIELDS[type].map((f) => CONFIG[type](receiver.url)[f]!);
      receiver.script([{ status: FAILURE_STATUS[type], body: echoBody(mine) }]);
    }
    const before = new Map([...receivers].map(([t, r]) => [t, r.received.length]));
    expect((await post('/forge/events', forgeEvent('FAILED', '2025-02-01T10:00:00.000Z'))).status).toBe(202);
    for (const [type, r] of receivers) await r.waitFor(before.get(type)! + 1, 5000);
    await rt.settle();

    // 4. A channel whose host refuses connections, and one whose stored URL the egress policy refuses at send time.
    const closed = await startReceiver();
    const closedUrl = `${closed.url}/services/T0LEAKREF/B0LEAKREF/refusedLeak0019`;
    await closed.close();
    secrets.set(closedUrl, 'refused slack url');
    expect((await resolver('saveChannel', { channel: { name: 'refused', type: 'slack', url: closedUrl } })).ok).toBe(true);
    await resolver('testChannel', { name: 'refused' });
    const deniedAtSend = 'https://10.9.9.9/hooks/sendTimeDeniedLeak0015';
    secrets.set(deniedAtSend, 'egress denied at send');
    await rt.store.setSecret(keys.channelSecret(REPO_KEY, 'to-mattermost'), { url: deniedAtSend });
    await resolver('testChannel', { name: 'to-mattermost' });

    // 5. Egress denials and validation errors on save, each carrying a canary.
    const attempts: [string, Record<string, unknown>][] = [
      ['https://10.0.0.5/hooks/privateLeak0014', { type: 'webhook', url: 'https://10.0.0.5/hooks/privateLeak0014' }],
      ['https://192.168.7.7:8443/in/hostLeak0020', { type: 'mattermost', url: 'https://192.168.7.7:8443/in/hostLeak0020' }],
      [`${rt.url}/ownHostLeak0021/in?token=ownHostTokenLeak0021`, { type: 'webhook', url: `${rt.url}/ownHostLeak0021/in?token=ownHostTokenLeak0021` }],
      ['http://example.com/services/validationLeak0016', { type: 'slack', url: 'http://example.com/services/validationLeak0016' }],
      ['https://user:pwLeak0022@hooks.slack.com/services/x', { type: 'slack', url: 'https://user:pwLeak0022@hooks.slack.com/services/x' }],
      ['whsec_notValidLeak0017', { type: 'webhook', url: `${receivers.get('webhook')!.url}/ok`, secret: 'whsec_notValidLeak0017' }],
      ['PdLeakWrongLength0018', { type: 'pagerduty', routingKey: 'PdLeakWrongLength0018' }],
      ['genie key with spaces Leak0023', { type: 'opsgenie', apiKey: 'genie key with spaces Leak0023' }],
    ];
    for (const [secret, channel] of attempts) {
      secrets.set(secret, `refused on save (${channel.type})`);
      const res = await resolver('saveChannel', { channel: { name: 'attempt', ...channel } });
      expect([secret, res.ok]).toEqual([secret, false]);
    }
    const yaml = [
      'version: 1', 'channels:', '  - name: imported', '    type: slack', '    url: "http://example.com/services/importLeak0024"',
      '  - name: pd', '    type: pagerduty', '    routingKey: importPdLeak0025', 'rules: []', '',
    ].join('\n');
    secrets.set('http://example.com/services/importLeak0024', 'import slack url');
    secrets.set('importPdLeak0025', 'import pagerduty key');
    expect((await resolver('importRules', { yaml })).ok).toBe(false);

    // 6. Inbound webhooks signed wrongly and rightly with the repository's secret.
    const body = JSON.stringify({ ...forgeFailed, eventType: undefined });
    await post('/webhooks/bitbucket', body, { 'X-Event-Key': 'repo:commit_status_updated', 'X-Hub-Signature': 'sha256=' + '0'.repeat(64) });
    await post('/webhooks/bitbucket', body, { 'X-Event-Key': 'repo:commit_status_updated', 'X-Hub-Signature': `sha256=${createHmac('sha256', INBOUND).update(body).digest('hex')}` });

    // 7. The build is fixed; vendors accept. Then read the delivery log, page by page.
    for (const r of receivers.values()) r.script([]);
    expect((await post('/forge/events', forgeEvent('SUCCESSFUL', '2025-02-01T11:00:00.000Z'))).status).toBe(202);
    await rt.settle();
    let cursor: string | undefined;
    do {
      const page = await resolver('getDeliveryLog', { limit: 100, ...(cursor ? { cursor } : {}) });
      expect(page.ok).toBe(true);
      cursor = page.data.nextCursor ?? undefined;
    } while (cursor);
    for (const name of ['getSettings', 'getBuildHealth', 'exportRules']) await resolver(name, {});
  }, 30_000);

  afterAll(async () => {
    await rt?.stop();
    for (const r of receivers.values()) await r.close();
    for (const spy of consoleSpies) spy.mockRestore();
  });

  test('the scenario exercised failures, test sends and the delivery log', async () => {
    const log = JSON.parse(outputs.filter((o) => o.where.includes('getDeliveryLog')).at(-1)!.text);
    const outcomes = new Set((log.data.entries as { outcome: string }[]).map((e) => e.outcome));
    for (const outcome of ['delivered', 'retrying', 'failed', 'disabled']) expect([outcome, outcomes.has(outcome)]).toEqual([outcome, true]);
    expect(log.data.entries.some((e: { test?: boolean; status: number | null }) => e.test && e.status === 401)).toBe(true);
    expect(log.data.entries.some((e: { error: string | null }) => /egress/.test(e.error ?? ''))).toBe(true);
    expect(log.data.entries.some((e: { error: string | null }) => /network/.test(e.error ?? ''))).toBe(true);
    expect(logLines.length).toBeGreaterThan(20);
    // The vendors did get their secrets, where they require them (that is not a leak).
    const pd = receivers.get('pagerduty')!.received[0]!;
    expect((pd.json as { routing_key: string }).routing_key).toBe(PD_KEY);
    expect(receivers.get('opsgenie')!.received[0]!.headers.authorization).toBe(`GenieKey ${GENIE_KEY}`);
    expect(receivers.get('slack')!.received[0]!.path).toBe('/services/T0LEAKSLK/B0LEAKSLK/slackLeakCanary0001');
  });

  /** Every canary holds "leak": even a fragment of one (a cut-off encoded URL) in our output is a hit. */
  const CANARY = /[A-Za-z0-9]*leak[A-Za-z0-9]*/gi;

  function hits(texts: { where: string; text: string }[]): string[] {
    const found: string[] = [];
    for (const { where, text } of texts) for (const m of text.match(CANARY) ?? []) found.push(`canary fragment "${m}" in ${where}`);
    for (const [secret, origin] of secrets) {
      for (const form of leakForms(secret)) {
        for (const { where, text } of texts) if (text.includes(form)) found.push(`${origin} as "${form}" in ${where}`);
      }
    }
    return found;
  }

  test('no log line contains a secret', () => {
    expect(hits(logLines.map((text, i) => ({ where: `log line ${i}: ${text.slice(0, 200)}`, text })))).toEqual([]);
  });

  test('no HTTP answer (resolver results and errors, webhook and event answers) contains a secret', () => {
    expect(outputs.length).toBeGreaterThan(50);
    expect(hits(outputs)).toEqual([]);
  });

  test('no stored non-secret value (configuration, delivery log, state) contains a secret', async () => {
    const stored: { where: string; text: string }[] = [];
    let cursor: string | undefined;
    do {
      const page = await rt.store.query({ beginsWith: '', limit: 100, ...(cursor ? { cursor } : {}) });
      for (const { key, value } of page.results) stored.push({ where: `store ${key}`, text: JSON.stringify(value) });
      cursor = page.nextCursor;
    } while (cursor);
    expect(stored.some((s) => s.where.startsWith(`store ${keys.logPrefix(REPO_KEY)}`))).toBe(true);
    expect(hits(stored)).toEqual([]);
  });
});
