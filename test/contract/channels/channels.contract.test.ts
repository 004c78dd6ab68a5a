/**
 * One table-driven suite for every registered channel: config parsing, golden request bodies,
 * the vendor's required fields, classification, secrets and size limits.
 * Regenerate goldens with `UPDATE_GOLDEN=1 npx jest test/contract/channels`, review the diff, commit.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Webhook } from 'standardwebhooks';
import type { Alert } from '../../../src/core/alerts/alert';
import { CHANNEL_TYPES, type ChannelType } from '../../../src/core/channels/channel';
import { CHANNELS, channelTypeInfo, getChannel } from '../../../src/core/channels/registry';
import type { HttpRequest } from '../../../src/core/ports';
import {
  aBuild, aContext, anAlert, deploymentFailedAlert, diagnosedAlert, diagnosedContext, failedAlert, fixedAlert, groupedAlert, NOW, pushAlert, stillFailingAlert,
} from './alert-builders';
import { CASES, type SecretPlace } from './channel-cases';

const GOLDEN_DIR = join(__dirname, '..', '..', 'golden', 'channels');
const UPDATE = process.env.UPDATE_GOLDEN === '1';

const ALERTS: Record<string, () => Alert> = {
  failed: failedAlert,
  fixed: fixedAlert,
  'still-failing': stillFailingAlert,
  grouped: groupedAlert,
  diagnosed: diagnosedAlert,
};
/** Golden alerts built with a context other than `aContext()`. */
const CONTEXTS: Record<string, () => ReturnType<typeof aContext>> = { diagnosed: diagnosedContext };

type Json = Record<string, any>;

function config(type: ChannelType, input: Record<string, unknown> = CASES[type].valid): unknown {
  const parsed = CHANNELS[type].parseConfig(input);
  if (!parsed.ok) throw new Error(`valid config for ${type} refused: ${JSON.stringify(parsed.error)}`);
  return parsed.value;
}

function build(type: ChannelType, alert: Alert, ctx = aContext()): HttpRequest | null {
  return CHANNELS[type].buildRequest(alert, config(type), ctx);
}

function mustBuild(type: ChannelType, alert: Alert, ctx = aContext()): { req: HttpRequest; body: Json } {
  const req = build(type, alert, ctx);
  if (!req) throw new Error(`${type} built no request for ${alert.type}`);
  return { req, body: JSON.parse(req.body ?? 'null') as Json };
}

/** The forms a secret could leak in: itself, and for URLs their path segments and query values. */
function secretForms(value: string): string[] {
  const forms = [value];
  if (/^https?:/.test(value)) {
    const url = new URL(value);
    forms.push(...url.pathname.split('/').filter((p) => p.length >= 8));
    for (const [, v] of url.searchParams) if (v.length >= 8) forms.push(v);
  }
  return forms;
}

function secretValues(type: ChannelType): [string, string, SecretPlace][] {
  // A channel with two modes (Slack: webhook url or bot token) has only one mode's secret in `valid`.
  return Object.entries(CASES[type].secrets)
    .filter(([field]) => field in CASES[type].valid)
    .map(([field, place]) => [field, String(CASES[type].valid[field]), place]);
}

const alertNames = Object.keys(ALERTS);
const sentAlertNames = (type: ChannelType): string[] => alertNames.filter((n) => !CASES[type].skips?.includes(n));

describe.each(CHANNEL_TYPES.map((t) => [t]))('channel %s', (type: ChannelType) => {
  const channel = CHANNELS[type];
  const c = CASES[type];

  test('is registered under its own type, with secret fields it declares in its form', () => {
    expect(getChannel(type)).toBe(channel);
    expect(channel.type).toBe(type);
    const info = channelTypeInfo().find((i) => i.type === type)!;
    expect(info.label).toBe(channel.label);
    for (const field of channel.secretFields) {
      expect(info.fields.find((f) => f.name === field)?.secret).toBe(true);
    }
    for (const f of info.fields) expect(f.secret).toBe(channel.secretFields.includes(f.name));
    expect(Object.keys(c.secrets).sort()).toEqual([...channel.secretFields].sort());
  });

  test('declares every config key its schema keeps as a form field (fields are the one list)', () => {
    // The one exception: a chat channel's `mentions` map is structured, written in the rules file
    // (the workspace's map has its own section); it holds no secret.
    const declared = new Set([...channel.fields.map((f) => f.name), 'mentions']);
    for (const input of [c.valid, ...c.alsoValid]) {
      const parsed = channel.parseConfig(input);
      if (!parsed.ok) throw new Error(`${type}: sample config refused`);
      const kept = Object.entries(parsed.value as Record<string, unknown>).filter(([, v]) => v !== undefined).map(([k]) => k);
      expect(kept.filter((k) => !declared.has(k))).toEqual([]);
    }
  });

  describe('config', () => {
    test.each([[c.valid], ...c.alsoValid.map((v) => [v])])('accepts %j', (input) => {
      const parsed = channel.parseConfig(input);
      expect(parsed.ok).toBe(true);
    });

    test.each(c.invalid)('refuses %j at path %s, without echoing values', (input, path) => {
      const parsed = channel.parseConfig(input);
      expect(parsed.ok).toBe(false);
      if (parsed.ok) return;
      expect(parsed.error.map((e) => e.path)).toContain(path);
      const messages = JSON.stringify(parsed.error);
      for (const value of Object.values(input)) {
        if (typeof value === 'string' && value.length >= 8) expect(messages).not.toContain(value);
      }
    });

    test.each([[null], ['https://hooks.example.com'], [[]]])('refuses a non-object %j', (input) => {
      const parsed = channel.parseConfig(input);
      expect(parsed.ok).toBe(false);
    });

    test('lists every URL it may call, all https', () => {
      const urls = channel.urls(config(type));
      expect(urls.length).toBeGreaterThan(0);
      for (const u of urls) expect(new URL(u).protocol).toBe('https:');
      const req = build(type, failedAlert())!;
      expect(urls.some((u) => new URL(req.url).host === new URL(u).host)).toBe(true);
    });
  });

  describe('targetIdentity', () => {
    test('has no secret in clear, is stable, and tells credentials apart', () => {
      const id = channel.targetIdentity(config(type));
      for (const [, value] of secretValues(type)) for (const form of secretForms(value)) expect(id).not.toContain(form);
      expect(channel.targetIdentity(config(type))).toBe(id);
      const [field, value] = secretValues(type)[0]!;
      const other = { ...c.valid, [field]: value.replace(/[0-9]/, (d) => String((Number(d) + 1) % 10)) };
      expect(channel.targetIdentity(config(type, other))).not.toBe(id);
      expect(id.startsWith(`${type}:`)).toBe(true);
    });
  });

  describe('golden requests', () => {
    test.each(alertNames.map((n) => [n]))('%s alert matches test/golden/channels/' + type + '.<alert>.json', (name) => {
      const req = build(type, ALERTS[name]!(), CONTEXTS[name]?.() ?? aContext());
      const file = join(GOLDEN_DIR, `${type}.${name}.json`);
      if (c.skips?.includes(name)) {
        expect(req).toBeNull();
        expect(existsSync(file)).toBe(false);
        return;
      }
      expect(req).not.toBeNull();
      if (!req) return;
      const actual = { method: req.method, url: req.url, headers: req.headers, body: JSON.parse(req.body ?? 'null') };
      if (UPDATE) {
        mkdirSync(GOLDEN_DIR, { recursive: true });
        writeFileSync(file, JSON.stringify(actual, null, 2) + '\n');
      }
      if (!existsSync(file)) throw new Error(`missing golden ${file}; run with UPDATE_GOLDEN=1 and review it`);
      expect(actual).toEqual(JSON.parse(readFileSync(file, 'utf8')));
    });
  });

  describe('secrets', () => {
    test.each(sentAlertNames(type).map((n) => [n]))('%s: each secret appears only where the vendor needs it', (name) => {
      const { req, body } = mustBuild(type, ALERTS[name]!());
      for (const [, value, place] of secretValues(type)) {
        const bodyOutside = JSON.stringify(place === 'body:routing_key' ? { ...body, routing_key: undefined } : body);
        const headersOutside = JSON.stringify(
          Object.fromEntries(Object.entries(req.headers).filter(([k]) => !(place === 'header:authorization' && k === 'authorization'))),
        );
        for (const form of secretForms(value)) {
          expect(bodyOutside).not.toContain(form);
          expect(headersOutside).not.toContain(form);
          if (place !== 'url') expect(req.url).not.toContain(form);
        }
        if (place === 'url') expect(req.url.startsWith(value.split('?')[0]!)).toBe(true);
        if (place === 'header:authorization') expect([`GenieKey ${value}`, `Bearer ${value}`]).toContain(req.headers.authorization);
        if (place === 'body:routing_key') expect(body.routing_key).toBe(value);
      }
    });

    test('no outcome reason repeats a secret the vendor echoed back', () => {
      for (const [, value] of secretValues(type)) {
        for (const status of [400, 401, 403, 404, 429, 500]) {
          const outcome = channel.classify({ status, headers: {}, body: `{"error":"bad credential ${value}","url":"${value}"}` });
          const reason = 'reason' in outcome ? outcome.reason : '';
          for (const form of secretForms(value)) expect(reason).not.toContain(form);
        }
      }
    });
  });

  describe('classify', () => {
    test.each(c.classify.map((r) => [r.status, r.body ?? '', r]))('HTTP %s %s', (_s, _b, row) => {
      const outcome = channel.classify({ status: row.status, headers: row.headers ?? {}, body: row.body ?? '' });
      expect(outcome.kind).toBe(row.kind);
      if (row.afterMs !== undefined) expect(outcome).toMatchObject({ kind: 'retry', afterMs: row.afterMs });
      if (row.memo) expect(outcome).toEqual({ kind: 'delivered', memo: row.memo });
      if (row.reasonHas) expect('reason' in outcome && outcome.reason).toContain(row.reasonHas);
    });
  });

  describe('size limits', () => {
    const huge = 'x'.repeat(100_000);
    const hugeAlerts: [string, Alert][] = [
      ['100 KB one-line commit message', anAlert({ build: aBuild({ commitMessage: huge }) })],
      ['100 KB multi-line commit message', anAlert({ build: aBuild({ commitMessage: 'Short subject\n' + 'line\n'.repeat(20_000) }) })],
      ['huge names everywhere', anAlert({
        ref: 'b'.repeat(5_000),
        build: aBuild({ name: 'n'.repeat(5_000), commitMessage: '🔥'.repeat(50_000), failedStep: 's'.repeat(5_000) }),
        group: Array.from({ length: 60 }, (_, i) => ({ type: 'build.failed' as const, build: aBuild({ name: `${'g'.repeat(2_000)} ${i}` }), links: { build: `https://ci.example/${i}` } })),
      })],
      // As much log as core/log-tail.ts keeps (2 KB), all characters that escaping or Go's JSON encoder (Mattermost) grow.
      ['a 2 KB log tail of markup characters', anAlert({ logTail: { lines: Array.from({ length: 20 }, () => '<&>`*_'.repeat(16)), truncated: true }, failedStepDurationSeconds: 5 })],
      ['a 2 KB log tail with huge names everywhere', anAlert({
        ref: 'b'.repeat(5_000),
        build: aBuild({ name: 'n'.repeat(5_000), commitMessage: '🔥'.repeat(50_000), failedStep: 's'.repeat(5_000) }),
        logTail: { lines: Array.from({ length: 20 }, () => '🔥<'.repeat(33)), truncated: true },
        group: Array.from({ length: 60 }, (_, i) => ({ type: 'build.failed' as const, build: aBuild({ name: `${'g'.repeat(2_000)} ${i}` }), links: { build: `https://ci.example/${i}` } })),
      })],
    ];
    test.each(hugeAlerts)('%s still yields a valid request within limits', (_n, alert) => {
      const { req, body } = mustBuild(type, alert);
      // The generic webhook stays under Standard Webhooks' recommended 20 kB; vendors get trimmed messages.
      expect(Buffer.byteLength(req.body!, 'utf8')).toBeLessThan(type === 'webhook' ? 20_000 : 100_000);
      // A 2 KB log alone fits the webhook's 20 kB untrimmed.
      assertVendorLimits(type, body, !_n.startsWith('a 2 KB log tail of markup'));
    });
  });
});

/** Documented vendor limits, asserted independently of how the channel truncates. */
function assertVendorLimits(type: ChannelType, body: Json, trimmed = true): void {
  const bytes = Buffer.byteLength(JSON.stringify(body), 'utf8');
  switch (type) {
    case 'slack':
      expect(body.text.length).toBeLessThanOrEqual(40_000);
      expect(body.blocks.length).toBeLessThanOrEqual(50);
      for (const b of body.blocks) {
        if (b.type === 'header') expect(b.text.text.length).toBeLessThanOrEqual(150);
        if (b.type === 'section') expect(b.text.text.length).toBeLessThanOrEqual(3_000);
        if (b.type === 'context') for (const e of b.elements) expect(e.text.length).toBeLessThanOrEqual(3_000);
      }
      break;
    case 'discord': {
      const e = body.embeds[0];
      expect(e.title.length).toBeLessThanOrEqual(256);
      expect(e.description.length).toBeLessThanOrEqual(4_096);
      const fields: Json[] = e.fields ?? [];
      for (const f of fields) expect(f.value.length).toBeLessThanOrEqual(1_024);
      const total = e.title.length + e.description.length + e.footer.text.length + fields.reduce((n, f) => n + f.name.length + f.value.length, 0);
      expect(total).toBeLessThanOrEqual(6_000);
      if (body.content) expect(body.content.length).toBeLessThanOrEqual(2_000);
      break;
    }
    case 'teams': expect(bytes).toBeLessThanOrEqual(28_000); break;
    case 'google-chat': expect(bytes).toBeLessThanOrEqual(32_000); expect(body.text.length).toBeLessThanOrEqual(4_096); break;
    case 'mattermost':
      expect(body.text.length + body.attachments[0].text.length).toBeLessThanOrEqual(16_383);
      // Mattermost 5.x: "Maximum attachments length is 7900 characters" (runes, with <>& escaped by Go).
      expect([...JSON.stringify(body.attachments).replace(/[<>&]/g, '\\u003c')].length).toBeLessThanOrEqual(7_900);
      break;
    case 'pagerduty': expect(body.payload.summary.length).toBeLessThanOrEqual(1_024); expect(bytes).toBeLessThanOrEqual(512_000); break;
    case 'opsgenie':
    case 'jsm-ops':
      expect(body.message.length).toBeLessThanOrEqual(130);
      expect(body.description.length).toBeLessThanOrEqual(15_000);
      expect(body.alias.length).toBeLessThanOrEqual(512);
      break;
    case 'squadcast': expect(bytes).toBeLessThanOrEqual(30_000); break;
    case 'alertops': expect(body.subject.length).toBeLessThanOrEqual(255); break;
    case 'webhook': expect(bytes).toBeLessThanOrEqual(20_000); expect(body.truncated).toBe(trimmed ? true : undefined); break;
  }
}

describe('which alerts each channel takes', () => {
  test.each(CHANNEL_TYPES.map((t) => [t]))('%s: push and PR alerts only for chat and webhook channels', (type) => {
    const pr = anAlert({ type: 'pr.opened', build: undefined, pullRequest: { id: 12, action: 'created', title: 'Add retries', source: 'feature/retries', destination: 'main' } });
    for (const alert of [pushAlert(), pr, anAlert({ type: 'build.started' })]) {
      const req = build(type, alert);
      if (CASES[type].allTypes) expect(req).not.toBeNull();
      else expect(req).toBeNull();
    }
    expect(build(type, deploymentFailedAlert())).not.toBeNull();
  });
});

describe('vendor required fields (independent of goldens)', () => {
  const incidentKey = failedAlert().incidentKey;

  test('slack: text fallback and Block Kit blocks; the author is mentioned', () => {
    const { req, body } = mustBuild('slack', failedAlert());
    expect(req.method).toBe('POST');
    expect(req.headers['content-type']).toBe('application/json');
    expect(typeof body.text).toBe('string');
    expect(body.text).toContain('acme/widgets');
    expect(body.blocks[0].type).toBe('header');
    const all = JSON.stringify(body.blocks);
    expect(all).toContain('<@U024BE7LH>');
    expect(all).toContain('7f3c2a9');
    expect(all).toContain('Fix flaky checkout test');
    expect(all).not.toContain('The retry loop never waited');
    expect(all).toContain('<https://bitbucket.org/acme/widgets/pipelines/results/42|');
  });

  test('teams: message with an Adaptive Card attachment', () => {
    const { body } = mustBuild('teams', failedAlert());
    expect(body.type).toBe('message');
    expect(body.attachments).toHaveLength(1);
    expect(body.attachments[0].contentType).toBe('application/vnd.microsoft.card.adaptive');
    const card = body.attachments[0].content;
    expect(card.type).toBe('AdaptiveCard');
    expect(card.version).toMatch(/^1\.\d$/);
    expect(Array.isArray(card.body)).toBe(true);
    expect(card.actions[0]).toMatchObject({ type: 'Action.OpenUrl', url: 'https://bitbucket.org/acme/widgets/pipelines/results/42' });
    expect(card.msteams.entities[0]).toMatchObject({ type: 'mention', mentioned: { id: 'jane@acme.example' } });
  });

  test('google-chat: cardsV2, one thread per incident', () => {
    for (const alert of [failedAlert(), fixedAlert()]) {
      const { req, body } = mustBuild('google-chat', alert);
      const url = new URL(req.url);
      expect(url.searchParams.get('messageReplyOption')).toBe('REPLY_MESSAGE_FALLBACK_TO_NEW_THREAD');
      expect(url.searchParams.get('key')).toBeTruthy();
      expect(url.searchParams.get('token')).toBeTruthy();
      expect(body.thread).toEqual({ threadKey: incidentKey });
      expect(body.cardsV2[0].cardId).toBeTruthy();
      expect(body.cardsV2[0].card.sections.length).toBeGreaterThan(0);
    }
  });

  test('discord: embed posted with wait=true; the fix edits the failure message when remembered', () => {
    const { req, body } = mustBuild('discord', failedAlert());
    expect(req.method).toBe('POST');
    expect(new URL(req.url).searchParams.get('wait')).toBe('true');
    expect(body.embeds[0].title).toContain('failed');
    expect(body.allowed_mentions).toEqual({ parse: [], users: ['80351110224678912'] });

    const memo = { messageId: '1180000000000000777' };
    const fix = mustBuild('discord', fixedAlert(), aContext({ incidentMemo: memo }));
    expect(fix.req.method).toBe('PATCH');
    expect(new URL(fix.req.url).pathname).toBe('/api/webhooks/1180000000000000001/Ab3dEf6hIj9kLm2oPq5sTu8wXy1zAB4dEF7hIJ0kLM3oPQ6sTU9wXY2zab5/messages/1180000000000000777');
    expect(fix.body.embeds[0].title).toContain('fixed');
    // A still-failing alert posts anew even with a memo.
    expect(mustBuild('discord', stillFailingAlert(), aContext({ incidentMemo: memo })).req.method).toBe('POST');
  });

  test('discord: edits keep a thread_id query', () => {
    const cfg = config('discord', { url: `${CASES.discord.valid.url}?thread_id=99887766554433` });
    const req = CHANNELS.discord.buildRequest(fixedAlert(), cfg, aContext({ incidentMemo: { messageId: '42' } }))!;
    expect(new URL(req.url).searchParams.get('thread_id')).toBe('99887766554433');
    expect(new URL(req.url).pathname.endsWith('/messages/42')).toBe(true);
  });

  test('mattermost: text and one attachment, channel override', () => {
    const { body } = mustBuild('mattermost', failedAlert());
    expect(body.text).toContain('acme/widgets');
    expect(body.text).toContain('@jane');
    expect(body.attachments[0]).toMatchObject({ color: expect.stringMatching(/^#[0-9A-F]{6}$/i), title_link: 'https://bitbucket.org/acme/widgets/pipelines/results/42' });
    expect(body.channel).toBe('builds');
  });

  test('pagerduty: Events API v2 trigger and resolve with dedup_key', () => {
    const trigger = mustBuild('pagerduty', failedAlert());
    expect(trigger.req.url).toBe('https://events.pagerduty.com/v2/enqueue');
    expect(trigger.body).toMatchObject({ routing_key: CASES.pagerduty.valid.routingKey, event_action: 'trigger', dedup_key: incidentKey });
    expect(trigger.body.payload.summary).toContain('failed');
    expect(trigger.body.payload.source).toBe('acme/widgets');
    expect(['critical', 'error', 'warning', 'info']).toContain(trigger.body.payload.severity);
    expect(trigger.body.links[0]).toEqual({ href: 'https://bitbucket.org/acme/widgets/pipelines/results/42', text: 'View build' });
    expect(mustBuild('pagerduty', stillFailingAlert()).body.event_action).toBe('trigger');
    const resolve = mustBuild('pagerduty', fixedAlert());
    expect(resolve.body).toEqual({ routing_key: CASES.pagerduty.valid.routingKey, event_action: 'resolve', dedup_key: incidentKey });
    const custom = CHANNELS.pagerduty.buildRequest(failedAlert(), config('pagerduty', { routingKey: CASES.pagerduty.valid.routingKey, url: 'https://events.eu.pagerduty.com/v2/enqueue' }), aContext())!;
    expect(custom.url).toBe('https://events.eu.pagerduty.com/v2/enqueue');
  });

  test.each([
    ['opsgenie', 'https://api.opsgenie.com'],
    ['jsm-ops', 'https://api.atlassian.com/jsm/ops/integration'],
  ] as const)('%s: create by alias, close by alias with identifierType=alias', (type, base) => {
    const open = mustBuild(type, failedAlert());
    expect(open.req).toMatchObject({ method: 'POST', url: `${base}/v2/alerts` });
    expect(open.req.headers.authorization).toMatch(/^GenieKey [0-9a-f-]{36}$/);
    expect(open.body.alias).toBe(incidentKey);
    expect(open.body.message.length).toBeGreaterThan(0);
    expect(open.body.description).toContain('Pipeline #42 for main');
    const close = mustBuild(type, fixedAlert());
    expect(close.req.method).toBe('POST');
    expect(close.req.url).toBe(`${base}/v2/alerts/${encodeURIComponent(incidentKey)}/close?identifierType=alias`);
  });

  test('opsgenie: eu region and base override', () => {
    const eu = CHANNELS.opsgenie.buildRequest(failedAlert(), config('opsgenie', { apiKey: CASES.opsgenie.valid.apiKey, region: 'eu' }), aContext())!;
    expect(eu.url).toBe('https://api.eu.opsgenie.com/v2/alerts');
    const proxied = CHANNELS.opsgenie.buildRequest(fixedAlert(), config('opsgenie', { apiKey: CASES.opsgenie.valid.apiKey, url: 'https://og.acme.example/' }), aContext())!;
    expect(proxied.url.startsWith('https://og.acme.example/v2/alerts/')).toBe(true);
  });

  test('alertops: the documented fixed shape', () => {
    const open = mustBuild('alertops', failedAlert()).body;
    expect(Object.keys(open).sort()).toEqual(['commit_status', 'long_text', 'severity', 'short_text', 'source_id', 'status', 'subject', 'url']);
    expect(open).toMatchObject({ source_id: incidentKey, status: 'FAILED', url: 'https://bitbucket.org/acme/widgets/pipelines/results/42' });
    expect(mustBuild('alertops', fixedAlert()).body).toMatchObject({ source_id: incidentKey, status: 'RECOVERED' });
  });

  test('squadcast: trigger and resolve with a stable event_id', () => {
    const open = mustBuild('squadcast', failedAlert()).body;
    expect(open).toMatchObject({ status: 'trigger', event_id: incidentKey });
    expect(open.message.length).toBeGreaterThan(0);
    expect(open.description.length).toBeGreaterThan(0);
    expect(mustBuild('squadcast', fixedAlert()).body).toMatchObject({ status: 'resolve', event_id: incidentKey });
    // A second trigger with the same event_id would open a second incident.
    expect(build('squadcast', stillFailingAlert())).toBeNull();
  });

  test('webhook: versioned JSON with the alert and rule; Standard Webhooks headers', () => {
    const ctx = aContext();
    const { req, body } = mustBuild('webhook', failedAlert(), ctx);
    const alert = failedAlert();
    expect(body).toMatchObject({
      version: 1, id: alert.id, type: 'build.failed', occurredAt: alert.occurredAt, repository: alert.repository,
      build: alert.build, previous: alert.previous, rule: 'main-builds', incidentKey, links: alert.links,
    });
    expect(req.headers['webhook-id']).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(req.headers['webhook-id']!.startsWith('alrt-7f3c2a9-failed_team-channel_')).toBe(true);
    expect(req.headers['webhook-timestamp']).toBe(String(NOW / 1000));
    expect(req.headers['webhook-signature']).toMatch(/^v1,[A-Za-z0-9+/]+=*$/);
  });

  test('webhook: the signature verifies with the standardwebhooks library and fails when tampered', () => {
    const secret = String(CASES.webhook.valid.secret);
    const ctx = aContext({ now: Date.now() });
    const { req } = mustBuild('webhook', failedAlert(), ctx);
    const headers = { 'webhook-id': req.headers['webhook-id']!, 'webhook-timestamp': req.headers['webhook-timestamp']!, 'webhook-signature': req.headers['webhook-signature']! };
    expect(new Webhook(secret).verify(req.body!, headers)).toMatchObject({ version: 1, incidentKey });
    expect(() => new Webhook(secret).verify(req.body!.replace('build.failed', 'build.fixed'), headers)).toThrow();
    expect(() => new Webhook('whsec_' + Buffer.alloc(32, 7).toString('base64')).verify(req.body!, headers)).toThrow();
  });

  test('webhook: unsigned without a secret, still with id and timestamp', () => {
    const req = CHANNELS.webhook.buildRequest(failedAlert(), config('webhook', { url: CASES.webhook.valid.url }), aContext())!;
    expect(req.headers['webhook-signature']).toBeUndefined();
    expect(req.headers['webhook-id']).toBe(build('webhook', failedAlert())!.headers['webhook-id']);
  });

  test('test alerts are clearly marked on every channel', () => {
    for (const type of CHANNEL_TYPES) {
      const text = build(type, anAlert({ test: true }))!.body!;
      expect(/test/i.test(text)).toBe(true);
      const normal = build(type, failedAlert())!.body!;
      expect(/\[test\]|test alert|"test"/i.test(normal)).toBe(false);
    }
  });
});

describe('silent checks', () => {
  test('slack: an empty post that a live hook refuses as no_text counts as reachable', () => {
    const cfg = config('slack');
    const req = CHANNELS.slack.buildSilentCheck!(cfg, aContext())!;
    expect(JSON.parse(req.body!)).toEqual({});
    expect(CHANNELS.slack.classifySilentCheck!({ status: 400, headers: {}, body: 'no_text' }).kind).toBe('delivered');
    expect(CHANNELS.slack.classifySilentCheck!({ status: 403, headers: {}, body: 'invalid_token' }).kind).toBe('disable');
  });

  test('discord: GET the webhook; its id is not remembered as a message id', () => {
    const req = CHANNELS.discord.buildSilentCheck!(config('discord'), aContext())!;
    expect(req.method).toBe('GET');
    expect(req.body).toBeUndefined();
    expect(CHANNELS.discord.classifySilentCheck!({ status: 200, headers: {}, body: '{"id":"1180000000000000001","type":1}' })).toEqual({ kind: 'delivered' });
    expect(CHANNELS.discord.classifySilentCheck!({ status: 404, headers: {}, body: '{"code":10015}' }).kind).toBe('disable');
  });
});
