/**
 * Slack bot mode (token + channel, Web API): the contract suite's checks for the second mode of
 * the `slack` channel, and golden requests for one incident's thread:
 * failure (chat.postMessage), still-failing (reply in the thread), fix (reply in the thread, then the
 * follow-up chat.update of the original). Regenerate with `UPDATE_GOLDEN=1 npx jest test/contract/channels`.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Alert } from '../../../src/core/alerts/alert';
import type { BuildContext } from '../../../src/core/channels/channel';
import { slack, type SlackConfig } from '../../../src/core/channels/slack';
import type { HttpRequest } from '../../../src/core/ports';
import { aBuild, aContext, anAlert, failedAlert, fixedAlert, stillFailingAlert } from './alert-builders';
import { AUTHOR_ACCOUNT_ID } from './alert-builders';
import { SLACK_BOT_TOKEN, SLACK_CHANNEL_ID } from './channel-cases';

const GOLDEN_DIR = join(__dirname, '..', '..', 'golden', 'channels');
const UPDATE = process.env.UPDATE_GOLDEN === '1';

const VALID = { token: SLACK_BOT_TOKEN, channel: SLACK_CHANNEL_ID, mentions: { [AUTHOR_ACCOUNT_ID]: 'U024BE7LH' } };
const FAILURE_TS = '1763892300.000100';
const MEMO = { ts: FAILURE_TS, channel: SLACK_CHANNEL_ID };

function config(input: Record<string, unknown> = VALID): SlackConfig {
  const parsed = slack.parseConfig(input);
  if (!parsed.ok) throw new Error(`valid bot config refused: ${JSON.stringify(parsed.error)}`);
  return parsed.value;
}

const body = (req: HttpRequest | null): Record<string, any> => JSON.parse(req!.body!) as Record<string, any>;

const FOLLOW_UP: (alert: Alert, ctx: BuildContext) => HttpRequest | null = (alert, ctx) => {
  const first = slack.buildRequest(alert, config(), ctx)!;
  return slack.buildFollowUp!(alert, config(), ctx, { request: first, memo: { ts: '1763900000.000300', channel: SLACK_CHANNEL_ID } });
};

const GOLDENS: [string, () => HttpRequest | null][] = [
  ['failed', () => slack.buildRequest(failedAlert(), config(), aContext())],
  ['still-failing', () => slack.buildRequest(stillFailingAlert(), config(), aContext({ incidentMemo: MEMO }))],
  ['fixed', () => slack.buildRequest(fixedAlert(), config(), aContext({ incidentMemo: MEMO }))],
  ['fixed-update', () => FOLLOW_UP(fixedAlert(), aContext({ incidentMemo: MEMO }))],
];

describe('slack bot mode: golden requests', () => {
  test.each(GOLDENS)('%s matches test/golden/channels/slack-bot.<name>.json', (name, make) => {
    const req = make();
    expect(req).not.toBeNull();
    const actual = { method: req!.method, url: req!.url, headers: req!.headers, body: body(req) };
    const file = join(GOLDEN_DIR, `slack-bot.${name}.json`);
    if (UPDATE) {
      mkdirSync(GOLDEN_DIR, { recursive: true });
      writeFileSync(file, JSON.stringify(actual, null, 2) + '\n');
    }
    if (!existsSync(file)) throw new Error(`missing golden ${file}; run with UPDATE_GOLDEN=1 and review it`);
    expect(actual).toEqual(JSON.parse(readFileSync(file, 'utf8')));
  });
});

describe('slack bot mode: contract', () => {
  test('lists the Web API methods it calls, all https by default, on slack.com', () => {
    expect(slack.urls(config())).toEqual(['https://slack.com/api/chat.postMessage', 'https://slack.com/api/chat.update']);
    const custom = config({ ...VALID, apiUrl: 'https://slack-proxy.acme.example/api/' });
    expect(slack.urls(custom)).toEqual(['https://slack-proxy.acme.example/api/chat.postMessage', 'https://slack-proxy.acme.example/api/chat.update']);
    expect(slack.buildRequest(failedAlert(), custom, aContext())!.url).toBe('https://slack-proxy.acme.example/api/chat.postMessage');
  });

  test('the token appears only in the Authorization header, for every request', () => {
    const requests = [
      slack.buildRequest(failedAlert(), config(), aContext()),
      slack.buildRequest(stillFailingAlert(), config(), aContext({ incidentMemo: MEMO })),
      slack.buildRequest(fixedAlert(), config(), aContext({ incidentMemo: MEMO })),
      FOLLOW_UP(fixedAlert(), aContext({ incidentMemo: MEMO })),
      slack.buildSilentCheck!(config(), aContext()),
    ];
    for (const req of requests) {
      expect(req!.headers.authorization).toBe(`Bearer ${SLACK_BOT_TOKEN}`);
      expect(req!.url).not.toContain(SLACK_BOT_TOKEN);
      expect(req!.body).not.toContain(SLACK_BOT_TOKEN);
      expect(req!.body).not.toContain('xoxb-');
    }
  });

  test('targetIdentity: no token in clear, stable, tells tokens and channels apart', () => {
    const id = slack.targetIdentity(config());
    expect(id).not.toContain(SLACK_BOT_TOKEN);
    expect(id).not.toContain('TestOnlyNotARealToken');
    expect(id).toMatch(/^slack:slack\.com\/C0123ABCD#[A-Za-z0-9_-]{10}$/);
    expect(slack.targetIdentity(config())).toBe(id);
    expect(slack.targetIdentity(config({ ...VALID, token: SLACK_BOT_TOKEN.replace('1111', '1112') }))).not.toBe(id);
    expect(slack.targetIdentity(config({ ...VALID, channel: 'C0123ABCE' }))).not.toBe(id);
  });

  test('no outcome reason repeats the token, even when a Slack-compatible host echoes it', () => {
    for (const status of [200, 400, 401, 403, 404, 429, 500]) {
      for (const error of ['invalid_auth', 'weird', `bad ${SLACK_BOT_TOKEN}`]) {
        const outcome = slack.classify({ status, headers: {}, body: JSON.stringify({ ok: false, error, token: SLACK_BOT_TOKEN, detail: `Bearer ${SLACK_BOT_TOKEN}` }) });
        expect('reason' in outcome ? outcome.reason : '').not.toContain('TestOnlyNotARealToken');
      }
    }
  });

  test('size limits: huge alerts still fit Block Kit limits in bot mode, reply and update', () => {
    const huge = anAlert({
      ref: 'b'.repeat(5_000),
      build: aBuild({ name: 'n'.repeat(5_000), commitMessage: '🔥'.repeat(50_000), failedStep: 's'.repeat(5_000) }),
      logTail: { lines: Array.from({ length: 20 }, () => '🔥<'.repeat(33)), truncated: true },
    });
    const hugeFix = { ...fixedAlert(), ref: 'b'.repeat(5_000), build: aBuild({ name: 'n'.repeat(5_000), commitMessage: 'x'.repeat(100_000), state: 'SUCCESSFUL' }) } as Alert;
    for (const req of [
      slack.buildRequest(huge, config(), aContext()),
      slack.buildRequest(huge, config(), aContext({ incidentMemo: MEMO })),
      FOLLOW_UP(hugeFix, aContext({ incidentMemo: MEMO })),
    ]) {
      const b = body(req);
      expect(Buffer.byteLength(req!.body!, 'utf8')).toBeLessThan(100_000);
      expect(b.text.length).toBeLessThanOrEqual(40_000);
      expect(b.blocks.length).toBeLessThanOrEqual(50);
      for (const block of b.blocks) {
        if (block.type === 'header') expect(block.text.text.length).toBeLessThanOrEqual(150);
        if (block.type === 'section') expect(block.text.text.length).toBeLessThanOrEqual(3_000);
        if (block.type === 'context') for (const e of block.elements) expect(e.text.length).toBeLessThanOrEqual(3_000);
      }
    }
  });
});
