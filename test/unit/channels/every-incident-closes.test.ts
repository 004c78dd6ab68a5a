/**
 * Issue "Every incident closes": per-channel behaviour beyond the shared contract suite. Each
 * block failed before its change (AlertOps commit_status, Squadcast streaks, Teams sig, Mattermost
 * 5.x attachment cap, Standard Webhooks ids and 20 kB, Google Chat markup, Discord User-Agent/edits).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Webhook } from 'standardwebhooks';
import type { Alert } from '../../../src/core/alerts/alert';
import type { ChannelType } from '../../../src/core/channels/channel';
import { APP_VERSION } from '../../../src/core/channels/channel-support';
import { CHANNELS } from '../../../src/core/channels/registry';
import type { HttpRequest } from '../../../src/core/ports';
import {
  aBuild, aContext, anAlert, deploymentFailedAlert, failedAlert, fixedAlert, stillFailingAlert,
} from '../../contract/channels/alert-builders';
import { CASES } from '../../contract/channels/channel-cases';

type Json = Record<string, any>;

function cfg(type: ChannelType, input: Record<string, unknown> = CASES[type].valid): unknown {
  const parsed = CHANNELS[type].parseConfig(input);
  if (!parsed.ok) throw new Error(`config refused: ${JSON.stringify(parsed.error)}`);
  return parsed.value;
}

function send(type: ChannelType, alert: Alert, ctx = aContext(), input?: Record<string, unknown>): HttpRequest | null {
  return CHANNELS[type].buildRequest(alert, cfg(type, input), ctx);
}

function body(type: ChannelType, alert: Alert, ctx = aContext(), input?: Record<string, unknown>): Json {
  const req = send(type, alert, ctx, input);
  if (!req) throw new Error(`${type} sent nothing for ${alert.type}`);
  return JSON.parse(req.body!) as Json;
}

describe('AlertOps: Bitbucket integration template works without a mapping', () => {
  // The shape of a real repo:commit_status_* body (shared fixtures, from CIMonitor recordings).
  const real = JSON.parse(readFileSync('/work/shared/fixtures/cloud-commit-status-created-inprogress-pipelines-pr.cimonitor.json', 'utf8')).commit_status;

  test('failures and still-failing carry commit_status.state FAILED, fixes SUCCESSFUL, one key per incident', () => {
    const failed = body('alertops', failedAlert()).commit_status;
    const still = body('alertops', stillFailingAlert()).commit_status;
    const fixed = body('alertops', fixedAlert()).commit_status;
    const reminder = body('alertops', { ...stillFailingAlert(), reminder: true }).commit_status;
    expect([failed.state, still.state, reminder.state, fixed.state]).toEqual(['FAILED', 'FAILED', 'FAILED', 'SUCCESSFUL']);
    expect(new Set([failed.key, still.key, fixed.key, reminder.key]).size).toBe(1);
    expect(failed.key).toBe(failedAlert().incidentKey);
  });

  test('has the Bitbucket fields, typed as Bitbucket types them, next to the flat fields', () => {
    const b = body('alertops', failedAlert());
    const cs = b.commit_status;
    expect(cs).toMatchObject({
      type: 'build',
      name: 'Pipeline #42 for main',
      description: 'Pipeline #42 for main failed (acme/widgets)',
      url: 'https://bitbucket.org/acme/widgets/pipelines/results/42',
      refname: 'main',
      commit: { type: 'commit', hash: '7f3c2a9e1b4d5c6f8a0b1c2d3e4f5a6b7c8d9e0f' },
      repository: { type: 'repository', full_name: 'acme/widgets' },
    });
    expect(typeof cs.description).toBe('string');
    for (const field of ['type', 'key', 'state', 'name', 'url', 'refname', 'description']) {
      expect(typeof cs[field]).toBe(typeof real[field]);
    }
    expect(typeof cs.commit.hash).toBe(typeof real.commit.hash);
    expect(typeof cs.repository.full_name).toBe(typeof real.repository.full_name);
    expect(b).toMatchObject({ source_id: failedAlert().incidentKey, status: 'FAILED' });
    expect(body('alertops', fixedAlert()).status).toBe('RECOVERED');
  });

  test('deployments too', () => {
    const cs = body('alertops', deploymentFailedAlert()).commit_status;
    expect(cs).toMatchObject({ state: 'FAILED', key: deploymentFailedAlert().incidentKey, commit: { hash: expect.any(String) } });
  });
});

describe('Squadcast: one incident per failure streak', () => {
  test('the first failure triggers, the fix resolves, with one event_id', () => {
    const open = body('squadcast', failedAlert());
    const close = body('squadcast', fixedAlert());
    expect(open).toMatchObject({ status: 'trigger', event_id: failedAlert().incidentKey });
    expect(close).toMatchObject({ status: 'resolve', event_id: open.event_id });
  });

  test('still-failing builds and reminders are not sent (each trigger would open another incident)', () => {
    expect(send('squadcast', stillFailingAlert())).toBeNull();
    expect(send('squadcast', { ...stillFailingAlert(), reminder: true })).toBeNull();
  });

  test('a repeated failed deployment is not sent; the first one is', () => {
    expect(body('squadcast', deploymentFailedAlert()).status).toBe('trigger');
    expect(send('squadcast', { ...deploymentFailedAlert(), failures: { count: 2, since: '2026-11-23T09:00:00.000Z' } })).toBeNull();
  });

  test('other incident tools still receive repeats (they deduplicate by key)', () => {
    for (const type of ['pagerduty', 'opsgenie', 'jsm-ops', 'alertops'] as const) {
      expect(send(type, stillFailingAlert())).not.toBeNull();
    }
  });
});

describe('Teams: Workflows URLs need their sig', () => {
  const TEAMS_URL = String(CASES.teams.valid.url);
  test.each([
    ['logic.azure.com without sig', TEAMS_URL.replace(/&sig=[^&]+/, '')],
    ['logic.azure.com with an empty sig', TEAMS_URL.replace(/&sig=[^&]+/, '&sig=')],
    ['powerplatform.com without sig', 'https://default0a1b.02.environment.api.powerplatform.com:443/powerautomate/automations/direct/workflows/x/triggers/manual/paths/invoke?api-version=1'],
  ])('refuses %s on save, saying what to copy', (_name, url) => {
    const parsed = CHANNELS.teams.parseConfig({ url });
    expect(parsed.ok).toBe(false);
    if (parsed.ok) return;
    expect(parsed.error[0]!.path).toBe('url');
    expect(parsed.error[0]!.message).toContain('sig=');
    expect(parsed.error[0]!.message).toContain('When a Teams webhook request is received');
  });

  test('accepts full Workflows URLs on both hosts, and other hosts (proxies, local receivers) without sig', () => {
    expect(CHANNELS.teams.parseConfig({ url: TEAMS_URL }).ok).toBe(true);
    expect(CHANNELS.teams.parseConfig({ url: 'https://x.environment.api.powerplatform.com/powerautomate/automations/direct/workflows/y/triggers/manual/paths/invoke?api-version=1&sig=abc' }).ok).toBe(true);
    expect(CHANNELS.teams.parseConfig({ url: 'http://localhost:9000/teams' }).ok).toBe(true);
  });
});

describe('Mattermost: attachments fit 5.x servers (7,900 characters)', () => {
  /** What the server counts: runes of Go's JSON, which escapes <, > and & as \u00XX. */
  const goLength = (v: unknown): number => [...JSON.stringify(v).replace(/[<>&]/g, '\\u003c')].length;

  test.each([
    ['a long one-line commit message', anAlert({ build: aBuild({ commitMessage: 'word '.repeat(4_000) }) })],
    ['long names with markup characters', anAlert({ ref: '<&>'.repeat(600), build: aBuild({ name: 'n<'.repeat(1_000), failedStep: '&'.repeat(1_000) }) })],
    ['many grouped builds', anAlert({ group: Array.from({ length: 40 }, (_, i) => ({ type: 'build.failed' as const, build: aBuild({ name: `Job ${'j'.repeat(300)} ${i}` }), links: { build: `https://ci.example/${'p'.repeat(300)}/${i}` } })) })],
  ])('%s', (_name, alert) => {
    const b = body('mattermost', alert);
    expect(goLength(b.attachments)).toBeLessThanOrEqual(7_900);
    const text: string = b.attachments[0].text;
    // Links and layout stay; free text gave way.
    expect(text).toContain('[View build](https://bitbucket.org/acme/widgets/pipelines/results/42)');
    expect(text).toContain('**Repository**');
  });

  test('an ordinary alert is unchanged by the cap', () => {
    const text: string = body('mattermost', failedAlert()).attachments[0].text;
    expect(text).toContain('Fix flaky checkout test');
    expect(text).not.toContain('…');
  });
});

describe('Webhook: Standard Webhooks ids and payload size', () => {
  const secret = String(CASES.webhook.valid.secret);

  test.each([
    ['alrt-7f3c2a9-failed:team-channel'],
    ['alrt.with.dots:and/slashes and spaces'],
    ['x'.repeat(500)],
  ])('webhook-id from %j uses only [A-Za-z0-9_-], is stable, and signatures verify', (key) => {
    const ctx = aContext({ idempotencyKey: key, now: Date.now() });
    const req = send('webhook', failedAlert(), ctx)!;
    const id = req.headers['webhook-id']!;
    expect(id).toMatch(/^[A-Za-z0-9_-]{1,128}$/);
    expect(send('webhook', failedAlert(), ctx)!.headers['webhook-id']).toBe(id);
    const verified = new Webhook(secret).verify(req.body!, {
      'webhook-id': id, 'webhook-timestamp': req.headers['webhook-timestamp']!, 'webhook-signature': req.headers['webhook-signature']!,
    });
    expect(verified).toMatchObject({ type: 'build.failed' });
  });

  test('ids that differ only in replaced characters stay different', () => {
    const a = send('webhook', failedAlert(), aContext({ idempotencyKey: 'alert:chan' }))!.headers['webhook-id'];
    const b = send('webhook', failedAlert(), aContext({ idempotencyKey: 'alert/chan' }))!.headers['webhook-id'];
    expect(a).not.toBe(b);
  });

  test('a plain id is kept as it is', () => {
    expect(send('webhook', failedAlert(), aContext({ idempotencyKey: 'alrt-1_chan' }))!.headers['webhook-id']).toBe('alrt-1_chan');
  });

  test.each([
    ['a 100 KB commit message', anAlert({ build: aBuild({ commitMessage: 'm'.repeat(100_000) }) })],
    ['emoji everywhere and 60 grouped builds', anAlert({
      build: aBuild({ name: 'n'.repeat(3_000), commitMessage: '🔥'.repeat(30_000) }),
      group: Array.from({ length: 60 }, (_, i) => ({ type: 'build.failed' as const, build: aBuild({ name: `${'g'.repeat(500)} ${i}` }), links: { build: `https://ci.example/${i}` } })),
    })],
  ])('%s: the payload stays under 20 kB, free text trimmed first, still signed and verifiable', (_name, alert) => {
    const ctx = aContext({ now: Date.now() });
    const req = send('webhook', alert, ctx)!;
    expect(Buffer.byteLength(req.body!, 'utf8')).toBeLessThan(20_000);
    const verified = new Webhook(secret).verify(req.body!, {
      'webhook-id': req.headers['webhook-id']!, 'webhook-timestamp': req.headers['webhook-timestamp']!, 'webhook-signature': req.headers['webhook-signature']!,
    }) as Json;
    expect(verified.truncated).toBe(true);
    // Identifiers are intact: receivers can still dedupe, match and link.
    expect(verified).toMatchObject({ id: alert.id, incidentKey: alert.incidentKey, ref: 'main', links: alert.links });
    expect(verified.build.commit).toBe(alert.build!.commit);
    expect(verified.build.key).toBe(alert.build!.key);
    if (alert.group) expect((verified.group?.length ?? 0) + (verified.groupOmitted ?? 0)).toBe(alert.group.length);
  });

  test('an ordinary payload is not touched', () => {
    const b = body('webhook', failedAlert());
    expect(b.truncated).toBeUndefined();
    expect(b.build).toEqual(failedAlert().build);
  });
});

describe('Google Chat: Bitbucket text cannot format, link or mention', () => {
  const hostile = anAlert({
    repository: { uuid: '{0b9d4c8e-a7f6-4a1c-8e2f-3d5b7c9e1f2a}', fullName: 'acme/*widgets*', slug: 'widgets', url: 'https://bitbucket.org/acme/widgets' },
    ref: 'feature/_x_~y~',
    build: aBuild({
      name: 'Pipeline for `feature/_x_~y~` <https://evil.example|click> <users/all> visit evil.example',
      commitMessage: '*urgent* <https://evil.example|login> <users/all>',
      author: { name: '*Mallory* <users/all>' },
    }),
  });

  test('the text line has no Chat markup from user text', () => {
    const text: string = body('google-chat', hostile).text;
    expect(text).not.toMatch(/[*_~`<>]/);
    expect(text).not.toContain('https://');
    expect(text).not.toMatch(/evil\.example/);
    // Still readable: the same words, with look-alike characters.
    expect(text).toContain('widgets');
    expect(text).toContain('feature/');
  });

  test('card widgets stay HTML-escaped (no tags or links from user text); the header is plain text', () => {
    const b = body('google-chat', hostile);
    const widgets = JSON.stringify(b.cardsV2[0].card.sections);
    expect(widgets).not.toContain('<users/all>');
    expect(widgets).not.toContain('<https://evil.example');
    expect(widgets).not.toContain('href="https://evil.example');
    expect(widgets).toContain('&lt;users/all&gt;');
  });

  test('the configured mention still works', () => {
    const text: string = body('google-chat', failedAlert()).text;
    expect(text.endsWith(' <users/112233445566778899001>')).toBe(true);
  });
});

describe('Discord: documented User-Agent; edits carry no username', () => {
  test('every request sends DiscordBot ($url, $versionNumber)', () => {
    const memo = { messageId: '1180000000000000777' };
    const reqs = [
      send('discord', failedAlert())!,
      send('discord', fixedAlert(), aContext({ incidentMemo: memo }))!,
      CHANNELS.discord.buildSilentCheck!(cfg('discord'), aContext())!,
    ];
    for (const req of reqs) expect(req.headers['user-agent']).toMatch(/^DiscordBot \(https:\/\/[^\s,()]+, \d+\.\d+\.\d+\)$/);
    const pkg = JSON.parse(readFileSync(join(__dirname, '..', '..', '..', 'package.json'), 'utf8')) as { version: string };
    expect(APP_VERSION).toBe(pkg.version);
  });

  test('PATCH of the failure message has no username or avatar_url; posts keep the display name', () => {
    const input = { ...CASES.discord.valid, username: 'CI' };
    const edit = send('discord', fixedAlert(), aContext({ incidentMemo: { messageId: '42' } }), input)!;
    expect(edit.method).toBe('PATCH');
    const editBody = JSON.parse(edit.body!) as Json;
    expect(editBody).not.toHaveProperty('username');
    expect(editBody).not.toHaveProperty('avatar_url');
    expect(body('discord', failedAlert(), aContext(), input).username).toBe('CI');
  });
});
