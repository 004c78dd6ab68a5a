/**
 * Every settings-page resolver, called in-process through createApp(deps).resolve with the real
 * local store: access checks, secret masking, per-field validation errors, egress refusals, snoozes
 * and redelivery. "Nothing changed" is checked against a snapshot of every stored key and secret.
 */
import { Webhook } from 'standardwebhooks';
import { recordDeadLetter } from '../../src/app/dead-letters';
import { workspaceScope } from '../../src/app/effective-rules';
import { keys, repoKey } from '../../src/core/storage-keys';
import { RESOLVER_NAMES, WORKSPACE_RESOLVERS, type ResolverName } from '../../src/shared/contract';
import {
  EXTENSION, REPO_ADMIN, REPO_UUID, secretKeysFor, snapshotStorage, startTestApp, STRANGER, STRICT_EGRESS, WORKSPACE_ADMIN, WORKSPACE_UUID,
  type TestApp,
} from './helpers/app-deps';

const REPO = repoKey({ uuid: REPO_UUID, fullName: null })!;
const WS_SCOPE = workspaceScope(WORKSPACE_UUID);

const SLACK_URL = 'https://hooks.slack.com/services/T0ROCKETS/B0ROCKETS/s3cr3tSlackT0kenZZ9';
const PD_KEY = 'R0ut1ngKeyR0ut1ngKeyR0ut1ngKey42';
const HOOK_URL = 'https://hooks.example.com/in/Wh00kPathS3cretQ7';
const WHSEC = `whsec_${Buffer.from('rockets-signing-secret-32-bytes!').toString('base64')}`;
const INBOUND = 'inbound-shared-secret-0123456789';
const ALL_SECRETS = [SLACK_URL, PD_KEY, HOOK_URL, WHSEC, INBOUND];
const CHANNEL_NAMES = ['chat', 'pager', 'audit', 'ws-chat', 'renamed'];

const slack = (over: Record<string, unknown> = {}) => ({ name: 'chat', type: 'slack', url: SLACK_URL, ...over });
const pagerduty = (over: Record<string, unknown> = {}) => ({ name: 'pager', type: 'pagerduty', routingKey: PD_KEY, severity: 'critical', ...over });
const webhook = (over: Record<string, unknown> = {}) => ({ name: 'audit', type: 'webhook', url: HOOK_URL, secret: WHSEC, ...over });

/** Every form a secret could leak in: itself, URL-encoded, and a URL's path. */
function leakForms(secret: string): string[] {
  const forms = [secret, encodeURIComponent(secret)];
  if (/^https:/.test(secret)) forms.push(new URL(secret).pathname);
  return forms;
}

function expectNoSecrets(value: unknown): void {
  const text = JSON.stringify(value);
  for (const secret of ALL_SECRETS) for (const form of leakForms(secret)) expect(text).not.toContain(form);
}

const rule = (over: Record<string, unknown> = {}) => ({ name: 'main broken', on: ['failed', 'fixed'], branches: ['main'], channels: ['chat'], ...over });

async function ok<T = any>(t: TestApp, name: ResolverName, payload: unknown = {}, account?: string): Promise<T> {
  const res = await t.call(name, payload, account);
  if (!res.ok) throw new Error(`${name} failed: ${JSON.stringify(res.error)}`);
  return res.data as T;
}

/** A repository with channels of three kinds, rules, a snooze, an inbound secret, a log entry and workspace defaults. */
async function seed(t: TestApp): Promise<void> {
  await ok(t, 'saveChannel', { channel: slack() });
  await ok(t, 'saveChannel', { channel: pagerduty() });
  await ok(t, 'saveChannel', { channel: webhook() });
  await ok(t, 'saveRules', { rules: [rule({ channels: ['chat', 'pager'] }), rule({ name: 'audit all', on: ['failed'], branches: undefined, channels: ['audit'] })] });
  await ok(t, 'snooze', { target: { branch: 'main' }, untilFixed: true });
  await ok(t, 'setInboundSecret', { secret: INBOUND });
  await ok(t, 'testChannel', { name: 'audit' });
  await ok(t, 'saveWorkspaceChannel', { channel: slack({ name: 'ws-chat' }) }, WORKSPACE_ADMIN);
  await ok(t, 'saveWorkspaceDefaults', { rules: [rule({ channels: ['ws-chat'] })] }, WORKSPACE_ADMIN);
}

const snapshot = (t: TestApp) => snapshotStorage(t, secretKeysFor(REPO, WS_SCOPE, CHANNEL_NAMES));

/** A payload for each resolver that would change something (or send) if the caller were allowed. */
async function mutatingPayloads(t: TestApp): Promise<Record<ResolverName, unknown>> {
  const log = await ok(t, 'getDeliveryLog', { limit: 1 });
  const dead = await recordDeadLetter(t.deps, { type: 'remind', repo: REPO, workspace: null, stateKey: 'state:x', rule: 'r', dueAt: 0 }, new TypeError('boom'), { attempts: 1, permanent: true });
  return {
    getSettings: {},
    saveChannel: { channel: slack({ name: 'intruder', url: 'https://hooks.slack.com/services/EVIL/EVIL/evil' }) },
    deleteChannel: { name: 'audit' },
    setChannelEnabled: { name: 'chat', enabled: false },
    testChannel: { name: 'chat' },
    saveRules: { rules: [] },
    previewBranches: { branches: ['**'] },
    getActivity: { limit: 10 },
    setWorkspaceInboundSecret: { secret: 'a-workspace-secret-of-enough-length' },
    saveWorkspaceMentions: { mentions: { 'jane@acme.example': { slack: 'U0123ABCD' } } },
    getDeliveryLog: {},
    redeliver: { id: log.entries[0].id },
    getBuildHealth: {},
    snooze: { target: { rule: 'main broken' }, untilFixed: true },
    unsnooze: { target: { branch: 'main' } },
    exportRules: {},
    importRules: { yaml: 'version: 1\nchannels: []\nrules: []\n' },
    setInboundSecret: { secret: null },
    getWorkspaceDefaults: {},
    saveWorkspaceDefaults: { rules: [] },
    saveWorkspaceChannel: { channel: slack({ name: 'ws-intruder' }) },
    deleteWorkspaceChannel: { name: 'ws-chat' },
    getDeadLetters: {},
    retryDeadLetter: { id: dead.id },
  };
}

describe('resolver access checks', () => {
  let t: TestApp;
  beforeEach(async () => {
    t = startTestApp();
    await seed(t);
  });
  afterEach(() => t.close());

  test('a non-admin gets forbidden from every resolver and nothing is stored, sent or queued', async () => {
    const payloads = await mutatingPayloads(t);
    const before = await snapshot(t);
    expect(Object.keys(before.entries)).toEqual(expect.arrayContaining([keys.rules(REPO), keys.snooze(REPO), keys.repoIndex(REPO)]));
    expect(Object.keys(before.entries).some((k) => k.startsWith(keys.logPrefix(REPO)))).toBe(true);
    expect(before.secrets[keys.channelSecret(REPO, 'chat')]).toEqual({ url: SLACK_URL });
    const sent = t.http.sent.length;
    const pushed = t.pushes.length;
    for (const name of RESOLVER_NAMES) {
      for (const account of [STRANGER, null]) {
        const res = await t.app.resolve(name, { caller: { accountId: account as string | null }, extension: EXTENSION, payload: payloads[name] });
        expect({ name, res }).toEqual({ name, res: { ok: false, error: { code: 'forbidden', message: expect.any(String) } } });
      }
    }
    expect(await snapshot(t)).toEqual(before);
    expect(t.http.sent).toHaveLength(sent);
    expect(t.pushes).toHaveLength(pushed);
  });

  test('the same payloads succeed for the admin (the forbidden test is not vacuous)', async () => {
    const payloads = await mutatingPayloads(t);
    const before = await snapshot(t);
    for (const name of RESOLVER_NAMES) {
      const account = WORKSPACE_RESOLVERS.includes(name) ? WORKSPACE_ADMIN : REPO_ADMIN;
      const res = await t.call(name, payloads[name], account);
      // Channels used by rules cannot be deleted; the others must succeed.
      if (name === 'deleteChannel' || name === 'deleteWorkspaceChannel') expect(res.ok || (res.error.code === 'invalid')).toBe(true);
      else expect({ name, ok: res.ok }).toEqual({ name, ok: true });
    }
    expect(await snapshot(t)).not.toEqual(before);
  });

  test('workspace resolvers check workspace admin rights, repository resolvers repository rights', async () => {
    for (const name of WORKSPACE_RESOLVERS) {
      const res = await t.call(name, {}, REPO_ADMIN);
      expect({ name, res }).toMatchObject({ name, res: { ok: false, error: { code: 'forbidden' } } });
    }
    expect(t.access.workspaceChecks.at(-1)).toEqual({ caller: { accountId: REPO_ADMIN }, workspace: WORKSPACE_UUID });
    for (const name of RESOLVER_NAMES.filter((n) => !WORKSPACE_RESOLVERS.includes(n))) {
      const res = await t.call(name, {}, WORKSPACE_ADMIN);
      expect({ name, res }).toMatchObject({ name, res: { ok: false, error: { code: 'forbidden' } } });
    }
    // The check is about the repository in the context, not a value from the payload.
    expect(t.access.repoChecks.at(-1)).toEqual({ caller: { accountId: WORKSPACE_ADMIN }, repo: REPO_UUID });
  });

  test('a context without a repository or workspace is refused before any data is read', async () => {
    const noRepo = await t.app.resolve('getSettings', { caller: { accountId: REPO_ADMIN }, extension: {}, payload: {} });
    expect(noRepo).toMatchObject({ ok: false, error: { code: 'invalid' } });
    const noWs = await t.app.resolve('getWorkspaceDefaults', { caller: { accountId: WORKSPACE_ADMIN }, extension: {}, payload: {} });
    expect(noWs).toMatchObject({ ok: false, error: { code: 'invalid' } });
  });
});

describe('secrets are write-only', () => {
  let t: TestApp;
  beforeEach(() => {
    t = startTestApp();
  });
  afterEach(() => t.close());

  test('saveChannel, getSettings and exportRules show masked hints, never the values', async () => {
    const saved = [
      await ok(t, 'saveChannel', { channel: slack() }),
      await ok(t, 'saveChannel', { channel: pagerduty() }),
      await ok(t, 'saveChannel', { channel: webhook() }),
    ];
    await ok(t, 'saveRules', { rules: [rule({ channels: ['chat', 'pager', 'audit'] })] });
    await ok(t, 'setInboundSecret', { secret: INBOUND });
    const settings = await ok(t, 'getSettings');
    const exported = await ok<{ yaml: string }>(t, 'exportRules');
    for (const out of [saved, settings, exported]) expectNoSecrets(out);

    const byName = Object.fromEntries(settings.channels.map((c: any) => [c.name, c]));
    expect(byName.chat.secrets.url).toMatch(/^https:\/\/hooks\.slack\.com\//);
    expect(byName.pager.secrets.routingKey).toMatch(/••••/);
    expect(byName.pager.config).toEqual({ severity: 'critical' });
    expect(Object.keys(byName.audit.secrets).sort()).toEqual(['secret', 'url']);
    expect(settings.inboundSecretSet).toBe(true);
    expect(exported.yaml).toContain('name: chat');
    expect(exported.yaml).toContain('type: pagerduty');
    // The values themselves are stored, apart from the configuration.
    expect(await t.store.getSecret(keys.channelSecret(REPO, 'pager'))).toEqual({ routingKey: PD_KEY });
    expectNoSecrets(await t.store.get(keys.rules(REPO)));
  });

  test('saving again with the secret field blank keeps the stored value, and a test send uses it', async () => {
    await ok(t, 'saveChannel', { channel: slack() });
    await ok(t, 'saveChannel', { channel: pagerduty() });
    await ok(t, 'saveChannel', { channel: webhook() });

    await ok(t, 'saveChannel', { channel: slack({ url: '' }) });
    await ok(t, 'saveChannel', { channel: pagerduty({ routingKey: '', severity: 'warning' }) });
    await ok(t, 'saveChannel', { channel: { name: 'audit', type: 'webhook' } }); // both secret fields left out

    t.http.sent.length = 0;
    for (const name of ['chat', 'pager', 'audit']) {
      const res = await ok(t, 'testChannel', { name });
      expect({ name, outcome: res.outcome }).toEqual({ name, outcome: 'delivered' });
      expectNoSecrets(res);
    }
    // PagerDuty is an incident tool: its test opens a test incident and resolves it (two requests).
    const [toSlack, toPager, toPagerResolve, toHook] = t.http.sent;
    expect(toSlack!.url).toBe(SLACK_URL);
    expect(JSON.parse(toPager!.body!)).toMatchObject({ routing_key: PD_KEY, event_action: 'trigger' });
    expect(JSON.parse(toPagerResolve!.body!)).toMatchObject({ routing_key: PD_KEY, event_action: 'resolve' });
    // The non-secret field of the same save did change.
    const settings = await ok(t, 'getSettings');
    expect(settings.channels.find((c: any) => c.name === 'pager').config).toEqual({ severity: 'warning' });
    expect(toHook!.url).toBe(HOOK_URL);
    // The signing secret survived too: the test request verifies with it.
    const h = toHook!.headers;
    const expected = new Webhook(WHSEC).sign(h['webhook-id']!, new Date(Number(h['webhook-timestamp']) * 1000), toHook!.body!);
    expect(h['webhook-signature']).toBe(expected);
  });

  test('a test alert to an incident tool opens a labelled low-severity test incident and resolves it, showing both steps', async () => {
    await ok(t, 'saveChannel', { channel: pagerduty() });
    t.http.sent.length = 0;
    const res = await ok(t, 'testChannel', { name: 'pager' });
    expect(res.outcome).toBe('delivered');
    expect(res.steps).toEqual([
      { step: 'open', outcome: 'delivered', status: 200, error: null },
      { step: 'resolve', outcome: 'delivered', status: 200, error: null },
    ]);
    const [open, resolve] = t.http.sent.map((r) => JSON.parse(r.body!));
    expect(open).toMatchObject({ event_action: 'trigger', payload: { severity: 'info' } });
    expect(open.payload.summary).toMatch(/test/i);
    expect(resolve).toMatchObject({ event_action: 'resolve', dedup_key: open.dedup_key });
    // A second test is a different incident.
    t.clock.advance(1000);
    await ok(t, 'testChannel', { name: 'pager' });
    expect(JSON.parse(t.http.sent[2]!.body!).dedup_key).not.toBe(open.dedup_key);
  });

  test('a test incident that cannot be resolved is reported as such', async () => {
    await ok(t, 'saveChannel', { channel: pagerduty() });
    let n = 0;
    t.http.respond = () => (n++ === 0 ? { status: 202, headers: {}, body: '{"status":"success"}' } : { status: 400, headers: {}, body: '{"status":"invalid event","message":"Event object is invalid"}' });
    const res = await ok(t, 'testChannel', { name: 'pager' });
    expect(res.outcome).toBe('failed');
    expect(res.error).toMatch(/opened but resolving it failed/);
    expect(res.steps.map((s: { step: string; outcome: string }) => [s.step, s.outcome])).toEqual([['open', 'delivered'], ['resolve', 'failed']]);
  });

  test('secrets follow their destination: changing where a channel sends requires its secrets again', async () => {
    await ok(t, 'saveChannel', { channel: pagerduty({ url: 'https://events.pagerduty.com/v2/enqueue' }) });
    const moved = await t.call('saveChannel', { channel: pagerduty({ routingKey: '', url: 'https://collector.attacker.example/v2/enqueue' }) });
    expect(moved).toMatchObject({ ok: false, error: { code: 'invalid', fields: [{ path: 'routingKey', message: expect.stringMatching(/enter it again/) }] } });
    expect(JSON.stringify(moved)).not.toContain(PD_KEY);
    // Nothing changed: a test still goes to the original destination with the stored key.
    t.http.sent.length = 0;
    await ok(t, 'testChannel', { name: 'pager' });
    expect(t.http.sent[0]!.url).toBe('https://events.pagerduty.com/v2/enqueue');
    // Same destination, other options: the stored key is kept.
    await ok(t, 'saveChannel', { channel: pagerduty({ routingKey: '', severity: 'warning', url: 'https://events.pagerduty.com/v2/enqueue' }) });
    // The key entered again with the new destination: accepted.
    await ok(t, 'saveChannel', { channel: pagerduty({ routingKey: 'R0ut1ngKeyForTheNewCollect000032', url: 'https://collector.attacker.example/v2/enqueue' }) });
  });

  test('workspace mentions are validated as the rules file validates them, saved, returned, and cleared with {}', async () => {
    const bad = await t.call('saveWorkspaceMentions', { mentions: { 'not a person': { slack: 'U1' }, 'jane@acme.example': { slack: '@all' } } }, WORKSPACE_ADMIN);
    expect(bad).toMatchObject({ ok: false, error: { code: 'invalid' } });
    if (bad.ok) return;
    expect('fields' in bad.error ? bad.error.fields.map((f: { path: string }) => f.path) : []).toEqual(expect.arrayContaining(['mentions.not a person']));
    expect((await ok(t, 'getWorkspaceDefaults', {}, WORKSPACE_ADMIN)).mentions).toEqual({});
    await ok(t, 'saveWorkspaceMentions', { mentions: { 'jane@acme.example': { slack: 'U0123ABCD', mattermost: 'jane' } } }, WORKSPACE_ADMIN);
    expect((await ok(t, 'getWorkspaceDefaults', {}, WORKSPACE_ADMIN)).mentions).toEqual({ 'jane@acme.example': { slack: 'U0123ABCD', mattermost: 'jane' } });
    await ok(t, 'saveWorkspaceMentions', { mentions: {} }, WORKSPACE_ADMIN);
    expect((await ok(t, 'getWorkspaceDefaults', {}, WORKSPACE_ADMIN)).mentions).toEqual({});
    expect(await t.call('saveWorkspaceMentions', { mentions: {} }, REPO_ADMIN)).toMatchObject({ ok: false, error: { code: 'forbidden' } });
  });

  test('a Slack channel switches from its webhook URL to bot mode without re-entering the old URL', async () => {
    await ok(t, 'saveChannel', { channel: slack() });
    const bot = await t.call('saveChannel', { channel: { name: 'chat', type: 'slack', url: '', token: 'xoxb-1111-2222-abcdefghijklmnop', channel: 'C0123ABCD' } });
    expect(bot).toMatchObject({ ok: true });
    expect(JSON.stringify(bot)).not.toContain('xoxb-1111-2222-abcdefghijklmnop');
    const settings = await ok(t, 'getSettings');
    expect(Object.keys(settings.channels.find((c: any) => c.name === 'chat').secrets)).toEqual(['token']);
  });

  test('renaming a channel keeps its secret and updates the rules that use it', async () => {
    await ok(t, 'saveChannel', { channel: slack() });
    await ok(t, 'saveRules', { rules: [rule()] });
    await ok(t, 'saveChannel', { channel: slack({ name: 'renamed', url: '' }), previousName: 'chat' });
    expect(await t.store.getSecret(keys.channelSecret(REPO, 'renamed'))).toEqual({ url: SLACK_URL });
    expect(await t.store.getSecret(keys.channelSecret(REPO, 'chat'))).toBeUndefined();
    const settings = await ok(t, 'getSettings');
    expect(settings.rules[0].channels).toEqual(['renamed']);
  });

  test('importing the exported (masked) YAML keeps the stored secrets', async () => {
    await ok(t, 'saveChannel', { channel: slack() });
    await ok(t, 'saveChannel', { channel: pagerduty() });
    await ok(t, 'saveChannel', { channel: webhook() });
    await ok(t, 'saveRules', { rules: [rule({ channels: ['chat', 'pager', 'audit'] })] });
    const { yaml } = await ok<{ yaml: string }>(t, 'exportRules');
    const imported = await ok(t, 'importRules', { yaml });
    expectNoSecrets(imported);
    expect(imported.rules).toEqual([rule({ channels: ['chat', 'pager', 'audit'] })]);
    expect(await t.store.getSecret(keys.channelSecret(REPO, 'chat'))).toEqual({ url: SLACK_URL });
    expect(await t.store.getSecret(keys.channelSecret(REPO, 'pager'))).toEqual({ routingKey: PD_KEY });
    expect(await t.store.getSecret(keys.channelSecret(REPO, 'audit'))).toEqual({ url: HOOK_URL, secret: WHSEC });
  });
});

describe('validation errors name the field and change nothing', () => {
  let t: TestApp;
  let before: Awaited<ReturnType<typeof snapshot>>;
  beforeAll(async () => {
    t = startTestApp();
    await ok(t, 'saveChannel', { channel: slack() });
    await ok(t, 'saveRules', { rules: [rule()] });
    before = await snapshot(t);
  });
  afterAll(() => t.close());
  afterEach(async () => {
    expect(await snapshot(t)).toEqual(before);
  });

  test.each([
    ['not a URL', 'not a url'],
    ['http to a public host', 'http://hooks.slack.com/services/A/B/C'],
    ['user:password in the URL', 'https://user:pw@hooks.slack.com/services/A/B/C'],
  ])('a bad Slack URL (%s) is refused on path url without echoing it', async (_label, url) => {
    const res = await t.call('saveChannel', { channel: slack({ name: 'other', url }) });
    expect(res).toMatchObject({ ok: false, error: { code: 'invalid', fields: [{ path: 'url' }] } });
    expect(JSON.stringify(res)).not.toContain(url);
  });

  test('an unknown channel type is refused on path type', async () => {
    const res = await t.call('saveChannel', { channel: { name: 'other', type: 'carrier-pigeon', url: SLACK_URL } });
    expect(res).toMatchObject({ ok: false, error: { code: 'invalid', fields: [{ path: 'type', message: expect.stringContaining('carrier-pigeon') }] } });
  });

  test('a bad channel name, a missing PagerDuty key and a bad webhook secret each name their field', async () => {
    const cases: [unknown, string][] = [
      [slack({ name: 'no/slashes{}' }), 'name'],
      [pagerduty({ name: 'p2', routingKey: undefined }), 'routingKey'],
      [pagerduty({ name: 'p2', routingKey: 'short' }), 'routingKey'],
      [webhook({ name: 'w2', secret: 'not-a-whsec' }), 'secret'],
    ];
    for (const [channel, path] of cases) {
      const res = await t.call('saveChannel', { channel });
      expect({ path, res }).toMatchObject({ path, res: { ok: false, error: { code: 'invalid', fields: [{ path }] } } });
    }
  });

  test('a duplicate channel name is refused', async () => {
    const res = await t.call('saveChannel', { channel: slack({ name: 'other' }), previousName: 'nope' });
    expect(res).toMatchObject({ ok: false, error: { code: 'not-found' } });
    await ok(t, 'saveChannel', { channel: slack({ name: 'second' }) });
    const dup = await t.call('saveChannel', { channel: slack({ name: 'chat', url: '' }), previousName: 'second' });
    expect(dup).toMatchObject({ ok: false, error: { code: 'invalid', fields: [{ path: 'name', message: expect.stringContaining('chat') }] } });
    await ok(t, 'deleteChannel', { name: 'second' });
  });

  test('saveRules with an unknown event points at rules[0].on[1]', async () => {
    const res = await t.call('saveRules', { rules: [rule({ on: ['failed', 'exploded'] })] });
    expect(res).toMatchObject({ ok: false, error: { code: 'invalid', fields: [{ path: 'rules[0].on[1]', message: expect.stringContaining('exploded') }] } });
  });

  test('a rule naming a missing channel gets an error naming that channel', async () => {
    const res = await t.call('saveRules', { rules: [rule(), rule({ name: 'second', channels: ['chat', 'nowhere'] })] });
    expect(res).toMatchObject({ ok: false, error: { code: 'invalid', fields: [{ path: 'rules[1].channels[1]', message: expect.stringContaining('"nowhere"') }] } });
  });

  test.each([
    ['name', 42, 'rules[0].name'],
    ['on', 'failed', 'rules[0].on'],
    ['branches', { main: true }, 'rules[0].branches'],
    ['channels', 'chat', 'rules[0].channels'],
    ['failAfter', 'three', 'rules[0].failAfter'],
    ['failAfter', 0, 'rules[0].failAfter'],
    ['remindEvery', 'soon', 'rules[0].remindEvery'],
    ['groupWait', 12, 'rules[0].groupWait'],
    ['enabled', 'yes', 'rules[0].enabled'],
    ['quietHours', { from: '22:00', to: '07:00', timezone: 'Mars/Base' }, 'rules[0].quietHours.timezone'],
    ['quietHours', { from: '25:00', to: '07:00', timezone: 'UTC' }, 'rules[0].quietHours.from'],
    ['quietHours', 'nights', 'rules[0].quietHours'],
    ['colour', 'red', 'rules[0].colour'],
  ])('rules field %s = %j is refused at %s with a specific message', async (field, value, path) => {
    const res = await t.call('saveRules', { rules: [rule({ [field]: value })] });
    expect(res.ok).toBe(false);
    if (res.ok) return;
    expect(res.error.code).toBe('invalid');
    const fields = (res.error as { fields: { path: string; message: string }[] }).fields;
    const hit = fields.find((f) => f.path === path);
    expect({ fields, hit: Boolean(hit) }).toEqual({ fields, hit: true });
    // Specific: says what was expected or what was wrong, not zod's generic text.
    expect(hit!.message).not.toMatch(/^Invalid input/i);
    expect(hit!.message.length).toBeGreaterThan(8);
  });

  test('rules that are not a list, or a list of non-objects, are refused', async () => {
    for (const rules of ['everything', [42], null]) {
      const res = await t.call('saveRules', { rules });
      expect({ rules, res }).toMatchObject({ rules, res: { ok: false, error: { code: 'invalid' } } });
    }
  });

  test('importRules YAML errors carry line numbers', async () => {
    const badEvent = ['version: 1', 'channels:', '  - name: chat', '    type: slack', 'rules:', '  - name: main broken', '    on: [failed, exploded]', '    channels: [chat]', ''].join('\n');
    const res = await t.call('importRules', { yaml: badEvent });
    expect(res).toMatchObject({ ok: false, error: { code: 'invalid', fields: [{ path: 'rules[0].on[1]', line: 7 }] } });

    const syntax = ['version: 1', 'rules:', '  - name: x', '    on: [failed', ''].join('\n');
    const broken = await t.call('importRules', { yaml: syntax });
    expect(broken.ok).toBe(false);
    if (!broken.ok && broken.error.code === 'invalid') {
      expect(broken.error.fields.length).toBeGreaterThan(0);
      expect(broken.error.fields.every((f) => typeof f.line === 'number' && f.line >= 1)).toBe(true);
    } else throw new Error(`expected invalid, got ${JSON.stringify(broken)}`);

    const badUrl = ['version: 1', 'channels:', '  - name: chat', '    type: slack', '    url: "http://example.com/x"', 'rules: []', ''].join('\n');
    const urlRes = await t.call('importRules', { yaml: badUrl });
    expect(urlRes).toMatchObject({ ok: false, error: { code: 'invalid', fields: [{ path: 'channels[0].url' }] } });
  });

  test('deleting a channel a rule uses is refused with a message naming the rule', async () => {
    const res = await t.call('deleteChannel', { name: 'chat' });
    expect(res).toMatchObject({ ok: false, error: { code: 'invalid', message: expect.stringContaining('"main broken"') } });
    if (!res.ok) expect(res.error.message).toContain('chat');
    const missing = await t.call('deleteChannel', { name: 'ghost' });
    expect(missing).toMatchObject({ ok: false, error: { code: 'not-found', message: expect.stringContaining('ghost') } });
  });

  test('snooze needs a target and a future time within 30 days', async () => {
    const now = t.clock.now();
    const inDays = (d: number) => new Date(now + d * 24 * 3600 * 1000).toISOString();
    const cases: [unknown, string][] = [
      [{ untilFixed: true }, 'target'],
      [{ target: { rule: '' }, untilFixed: true }, 'target'],
      [{ target: { branch: 'main' } }, 'until'],
      [{ target: { branch: 'main' }, until: 'tomorrow-ish' }, 'until'],
      [{ target: { branch: 'main' }, until: inDays(-1) }, 'until'],
      [{ target: { branch: 'main' }, until: inDays(31) }, 'until'],
    ];
    for (const [payload, path] of cases) {
      const res = await t.call('snooze', payload);
      expect({ payload, res }).toMatchObject({ payload, res: { ok: false, error: { code: 'invalid', fields: [{ path }] } } });
    }
  });

  test('redeliver of an unknown or malformed id is not-found', async () => {
    for (const id of ['test-1:chat:1:1740830400000', 'nonsense', `${'x'.repeat(300)}:12`]) {
      const res = await t.call('redeliver', { id });
      expect({ id, res }).toMatchObject({ id, res: { ok: false, error: { code: 'not-found' } } });
    }
    expect(await t.call('redeliver', {})).toMatchObject({ ok: false, error: { code: 'invalid', fields: [{ path: 'id' }] } });
    expect(t.pushes).toHaveLength(0);
  });

  test('setInboundSecret refuses short secrets', async () => {
    const res = await t.call('setInboundSecret', { secret: 'short' });
    expect(res).toMatchObject({ ok: false, error: { code: 'invalid', fields: [{ path: 'secret' }] } });
  });
});

describe('snooze and redeliver succeed when valid', () => {
  let t: TestApp;
  beforeEach(() => {
    t = startTestApp();
  });
  afterEach(() => t.close());

  test('a snooze is stored, replaced for the same target, and removed by unsnooze', async () => {
    const until = new Date(t.clock.now() + 3600_000).toISOString();
    const first = await ok(t, 'snooze', { target: { branch: 'main' }, until });
    expect(first.snoozes).toEqual([{ target: { branch: 'main' }, until, untilFixed: false }]);
    const second = await ok(t, 'snooze', { target: { branch: 'main' }, untilFixed: true });
    expect(second.snoozes).toEqual([{ target: { branch: 'main' }, until: null, untilFixed: true }]);
    const gone = await ok(t, 'unsnooze', { target: { branch: 'main' } });
    expect(gone.snoozes).toEqual([]);
    expect(await t.store.get(keys.snooze(REPO))).toEqual([]);
  });

  test('redeliver of a logged attempt queues the same delivery again', async () => {
    await ok(t, 'saveChannel', { channel: slack() });
    await ok(t, 'testChannel', { name: 'chat' });
    const log = await ok(t, 'getDeliveryLog');
    expect(log.entries).toHaveLength(1);
    expect(log.entries[0]).not.toHaveProperty('job');
    await ok(t, 'redeliver', { id: log.entries[0].id });
    expect(t.pushes).toHaveLength(1);
    expect(t.pushes[0]!.body).toMatchObject({ type: 'deliver', delivery: { channel: 'chat', repo: REPO, manual: 'redeliver', attempt: 1 } });
    expectNoSecrets(t.pushes[0]);
  });
});

describe('egress checks on save', () => {
  let t: TestApp;
  afterEach(() => t.close());

  test('a host outside the manifest allow-list is egress-denied, naming the host', async () => {
    t = startTestApp({ egress: STRICT_EGRESS });
    const before = await snapshot(t);
    const res = await t.call('saveChannel', { channel: webhook({ url: 'https://collector.evil.example/in/abc' }) });
    expect(res).toMatchObject({ ok: false, error: { code: 'egress-denied', host: 'collector.evil.example', message: expect.stringContaining('collector.evil.example') } });
    expect(await snapshot(t)).toEqual(before);
    // Allowed hosts still pass.
    await ok(t, 'saveChannel', { channel: webhook() });
  });

  test.each([
    ['the app itself', 'https://alerts.acme.example:8443/webhooks/bitbucket', 'alerts.acme.example'],
    ['10.0.0.5', 'https://10.0.0.5/hook', '10.0.0.5'],
    ['192.168.1.1', 'https://192.168.1.1/hook', '192.168.1.1'],
    ['cloud metadata', 'https://169.254.169.254/latest/meta-data', '169.254.169.254'],
    ['172.16/12', 'https://172.20.1.2/hook', '172.20.1.2'],
  ])('a channel pointing at %s is refused', async (_label, url, host) => {
    t = startTestApp();
    const before = await snapshot(t);
    const res = await t.call('saveChannel', { channel: webhook({ url }) });
    expect(res).toMatchObject({ ok: false, error: { code: 'egress-denied', host } });
    expect(await snapshot(t)).toEqual(before);
  });

  test('private addresses are accepted when egress.allowPrivate is set, link-local and metadata never; the app itself never is', async () => {
    t = startTestApp({ egress: { ...STRICT_EGRESS, allowedHosts: ['*'], allowPrivate: true } });
    for (const [i, url] of ['https://10.0.0.5/hook', 'https://192.168.1.1/hook'].entries()) {
      const res = await t.call('saveChannel', { channel: webhook({ name: `private-${i}`, url }) });
      expect({ url, ok: res.ok }).toEqual({ url, ok: true });
    }
    const metadata = await t.call('saveChannel', { channel: webhook({ name: 'metadata', url: 'https://169.254.169.254/x' }) });
    expect(metadata).toMatchObject({ ok: false, error: { code: 'egress-denied' } });
    const own = await t.call('saveChannel', { channel: webhook({ name: 'self', url: 'https://alerts.acme.example:8443/x' }) });
    expect(own).toMatchObject({ ok: false, error: { code: 'egress-denied' } });
  });
});
