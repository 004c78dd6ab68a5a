/**
 * Issue "Alerts people can act on": Slack bot mode, one thread per incident. Request building and
 * the reading of Slack's Web API answers (https://api.slack.com/methods/chat.postMessage,
 * https://api.slack.com/methods/chat.update, https://api.slack.com/docs/rate-limits), on plain objects.
 */
import type { Alert } from '../../../src/core/alerts/alert';
import { slack, type SlackConfig } from '../../../src/core/channels/slack';
import type { HttpRequest, HttpResponse } from '../../../src/core/ports';
import {
  aContext, anAlert, deploymentFailedAlert, failedAlert, fixedAlert, stillFailingAlert,
} from '../../contract/channels/alert-builders';
import { CASES, SLACK_BOT_TOKEN, SLACK_CHANNEL_ID } from '../../contract/channels/channel-cases';

type Json = Record<string, any>;

const BOT = { token: SLACK_BOT_TOKEN, channel: SLACK_CHANNEL_ID };
const TS = '1763892300.000100';
const MEMO = { ts: TS, channel: SLACK_CHANNEL_ID };

function cfg(input: Record<string, unknown> = BOT): SlackConfig {
  const parsed = slack.parseConfig(input);
  if (!parsed.ok) throw new Error(`config refused: ${JSON.stringify(parsed.error)}`);
  return parsed.value;
}
const send = (alert: Alert, memo?: Record<string, string>, input?: Record<string, unknown>): HttpRequest =>
  slack.buildRequest(alert, cfg(input), aContext(memo ? { incidentMemo: memo } : {}))!;
const json = (req: HttpRequest | null): Json => JSON.parse(req!.body!) as Json;
const answer = (body: unknown, status = 200, headers: Record<string, string> = {}): HttpResponse =>
  ({ status, headers, body: typeof body === 'string' ? body : JSON.stringify(body) });

describe('config: exactly one mode', () => {
  test('a bot config gets the default Web API URL; a trailing slash is dropped', () => {
    expect(cfg()).toEqual({ token: SLACK_BOT_TOKEN, channel: SLACK_CHANNEL_ID, apiUrl: 'https://slack.com/api' });
    expect(cfg({ ...BOT, apiUrl: 'http://localhost:9999/api/' })).toMatchObject({ apiUrl: 'http://localhost:9999/api' });
    expect(cfg({ ...BOT, token: `  ${SLACK_BOT_TOKEN} `, channel: ' C0123ABCD ' })).toMatchObject(BOT);
  });

  test('a webhook config parses exactly as before', () => {
    expect(cfg({ url: CASES.slack.valid.url })).toEqual({ url: CASES.slack.valid.url });
  });

  test.each([
    [{}, 'url', /webhook URL, or a bot token/],
    [{ url: CASES.slack.valid.url, token: SLACK_BOT_TOKEN, channel: SLACK_CHANNEL_ID }, 'token', /not both/],
    [{ url: CASES.slack.valid.url, apiUrl: 'https://slack.com/api' }, 'apiUrl', /not both/],
    [{ token: SLACK_BOT_TOKEN }, 'channel', /required/],
    [{ channel: SLACK_CHANNEL_ID }, 'token', /required/],
    [{ token: 'xapp-1-A0123-4567-abcdef', channel: SLACK_CHANNEL_ID }, 'token', /xoxb-/],
    [{ token: 'xoxb-has spaces', channel: SLACK_CHANNEL_ID }, 'token', /xoxb-/],
    [{ token: SLACK_BOT_TOKEN, channel: 'builds' }, 'channel', /channel ID such as C0123ABCD/],
    [{ token: SLACK_BOT_TOKEN, channel: 'c0123abcd' }, 'channel', /channel ID/],
    [{ token: SLACK_BOT_TOKEN, channel: SLACK_CHANNEL_ID, apiUrl: 'http://slack.example/api' }, 'apiUrl', /https/],
  ])('refuses %j at %s', (input, path, message) => {
    const parsed = slack.parseConfig(input);
    expect(parsed.ok).toBe(false);
    if (parsed.ok) return;
    const e = parsed.error.find((x) => x.path === path);
    expect(e?.message).toMatch(message);
    expect(JSON.stringify(parsed.error)).not.toContain('TestOnlyNotARealToken');
  });

  test('the form offers both modes; url and token are secret, none is required on its own', () => {
    expect(slack.fields!.map((f) => [f.name, f.secret, f.required])).toEqual([
      ['url', true, false], ['token', true, false], ['channel', false, false], ['apiUrl', false, false],
    ]);
    expect(slack.secretFields).toEqual(['url', 'token']);
  });
});

describe('requests', () => {
  test('failure: chat.postMessage with the bearer token, channel, text fallback and the webhook blocks', () => {
    const req = send(failedAlert());
    expect(req).toMatchObject({ method: 'POST', url: 'https://slack.com/api/chat.postMessage' });
    expect(req.headers).toMatchObject({ authorization: `Bearer ${SLACK_BOT_TOKEN}`, 'content-type': 'application/json; charset=utf-8' });
    const hook = json(slack.buildRequest(failedAlert(), cfg({ url: CASES.slack.valid.url }), aContext()));
    expect(json(req)).toEqual({ channel: SLACK_CHANNEL_ID, text: hook.text, blocks: hook.blocks });
  });

  test('still-failing and reminders reply in the failure thread, without broadcasting', () => {
    for (const alert of [stillFailingAlert(), { ...stillFailingAlert(), reminder: true }, { ...deploymentFailedAlert(), failures: { count: 2, since: 'x' } }]) {
      const body = json(send(alert, MEMO));
      expect(body).toMatchObject({ channel: SLACK_CHANNEL_ID, thread_ts: TS });
      expect(body.reply_broadcast).toBeUndefined();
    }
  });

  test('the fix replies in the thread with reply_broadcast false, then updates the original', () => {
    const ctx = aContext({ incidentMemo: MEMO });
    const first = slack.buildRequest(fixedAlert(), cfg(), ctx)!;
    expect(json(first)).toMatchObject({ channel: SLACK_CHANNEL_ID, thread_ts: TS, reply_broadcast: false });
    expect(json(first).text).toMatch(/fixed/);
    const update = slack.buildFollowUp!(fixedAlert(), cfg(), ctx, { request: first, memo: { ts: '1763900000.000300', channel: SLACK_CHANNEL_ID } })!;
    expect(update).toMatchObject({ method: 'POST', url: 'https://slack.com/api/chat.update' });
    expect(update.headers.authorization).toBe(`Bearer ${SLACK_BOT_TOKEN}`);
    const body = json(update);
    // The original's ts from the incident memo, not the reply's ts from the first answer.
    expect(body).toMatchObject({ channel: SLACK_CHANNEL_ID, ts: TS });
    expect(body.thread_ts).toBeUndefined();
    const all = JSON.stringify(body.blocks);
    expect(all).toContain('fixed after 2h 5m');
    expect(all).toContain('*Fixed* after 2h 5m');
    // An edit notifies nobody; the reply in the thread did. No mention in the update.
    expect(all).not.toContain('<@');
  });

  test('a deployment fix updates the original too', () => {
    const fix = anAlert({ type: 'deployment.fixed', build: undefined, deployment: { state: 'COMPLETED', environment: 'Production', commit: 'abc', url: null } as never, brokenForMs: 90_000 });
    const ctx = aContext({ incidentMemo: MEMO });
    const first = slack.buildRequest(fix, cfg(), ctx)!;
    expect(json(first).reply_broadcast).toBe(false);
    expect(JSON.stringify(json(slack.buildFollowUp!(fix, cfg(), ctx, { request: first })).blocks)).toContain('after 1m 30s');
  });

  test('no memo (the failure never reached this channel): the fix is a normal new message and nothing is updated', () => {
    const ctx = aContext();
    const first = slack.buildRequest(fixedAlert(), cfg(), ctx)!;
    expect(json(first)).toEqual(expect.not.objectContaining({ thread_ts: expect.anything() }));
    expect(json(first).channel).toBe(SLACK_CHANNEL_ID);
    expect(slack.buildFollowUp!(fixedAlert(), cfg(), ctx, { request: first })).toBeNull();
  });

  test('after the pipeline forgot ts (message gone) the rebuilt fix is new and not followed by an update', () => {
    const ctx = aContext({ incidentMemo: { channel: SLACK_CHANNEL_ID } });
    const first = slack.buildRequest(fixedAlert(), cfg(), ctx)!;
    expect(json(first).thread_ts).toBeUndefined();
    expect(slack.buildFollowUp!(fixedAlert(), cfg(), ctx, { request: first })).toBeNull();
  });

  test('a thread in another channel (the channel id was changed) is not continued', () => {
    expect(json(send(stillFailingAlert(), { ts: TS, channel: 'C9999ZZZZ' })).thread_ts).toBeUndefined();
  });

  test('no follow-up for non-fix alerts or webhook mode', () => {
    const ctx = aContext({ incidentMemo: MEMO });
    const still = slack.buildRequest(stillFailingAlert(), cfg(), ctx)!;
    expect(slack.buildFollowUp!(stillFailingAlert(), cfg(), ctx, { request: still })).toBeNull();
    const hookCfg = cfg({ url: CASES.slack.valid.url });
    const hook = slack.buildRequest(fixedAlert(), hookCfg, ctx)!;
    expect(hook.url).toBe(CASES.slack.valid.url);
    expect(json(hook).thread_ts).toBeUndefined();
    expect(slack.buildFollowUp!(fixedAlert(), hookCfg, ctx, { request: hook })).toBeNull();
  });

  test('urls cover every request host; the silent check is auth.test with the token', () => {
    expect(slack.urls(cfg())).toEqual(['https://slack.com/api/chat.postMessage', 'https://slack.com/api/chat.update']);
    const check = slack.buildSilentCheck!(cfg({ ...BOT, apiUrl: 'http://127.0.0.1:4000/api' }), aContext())!;
    expect(check).toMatchObject({ method: 'POST', url: 'http://127.0.0.1:4000/api/auth.test' });
    expect(check.headers.authorization).toBe(`Bearer ${SLACK_BOT_TOKEN}`);
  });
});

describe('classify Web API answers', () => {
  test('ok: the message ts and channel become the memo', () => {
    expect(slack.classify(answer({ ok: true, channel: SLACK_CHANNEL_ID, ts: TS, message: { text: 'x' } }))).toEqual({ kind: 'delivered', memo: MEMO });
    // chat.update answers { ok, channel, ts, text }: same shape.
    expect(slack.classify(answer({ ok: true, channel: SLACK_CHANNEL_ID, ts: TS, text: 'x' }))).toEqual({ kind: 'delivered', memo: MEMO });
    expect(slack.classify(answer({ ok: true, warning: 'missing_charset' }))).toEqual({ kind: 'delivered' });
  });

  test.each([
    [answer({ ok: false, error: 'ratelimited' }, 429, { 'Retry-After': '30' }), 30_000],
    [answer('', 429, { 'retry-after': '5' }), 5_000],
    [answer({ ok: false, error: 'rate_limited' }, 200, { 'Retry-After': '2' }), 2_000],
  ])('rate limited → retry with Retry-After (%#)', (res, afterMs) => {
    expect(slack.classify(res)).toMatchObject({ kind: 'retry', afterMs });
  });

  test.each(['invalid_auth', 'not_authed', 'account_inactive', 'token_revoked', 'token_expired'])('%s → disable, naming the error and what to check', (error) => {
    const outcome = slack.classify(answer({ ok: false, error }));
    expect(outcome).toEqual({ kind: 'disable', reason: `Slack rejected the bot token (${error}): check the token and that the app is installed in the workspace` });
  });

  test('missing_scope → disable, naming the scope Slack says is needed', () => {
    const outcome = slack.classify(answer({ ok: false, error: 'missing_scope', needed: 'chat:write', provided: 'users:read' }));
    expect(outcome).toMatchObject({ kind: 'disable', reason: expect.stringContaining('missing_scope: needs chat:write') });
    expect(slack.classify(answer({ ok: false, error: 'missing_scope', needed: '<script>' }))).toMatchObject({ reason: expect.stringContaining('needs chat:write') });
  });

  test.each([
    ['channel_not_found', /check the channel ID/],
    ['not_in_channel', /invite the app to the channel \(\/invite @your-app\)/],
    ['is_archived', /unarchive/],
  ])('%s → disable with what to do', (error, what) => {
    const outcome = slack.classify(answer({ ok: false, error }));
    expect(outcome.kind).toBe('disable');
    expect('reason' in outcome && outcome.reason).toMatch(what);
    expect('reason' in outcome && outcome.reason).toContain(error);
  });

  test.each(['thread_not_found', 'message_not_found'])('%s → failed, forgetting ts so the pipeline posts anew', (error) => {
    expect(slack.classify(answer({ ok: false, error }))).toMatchObject({ kind: 'failed', forget: ['ts'] });
  });

  test.each(['msg_too_long', 'invalid_blocks', 'no_text', 'cant_update_message', 'edit_window_closed', 'fatal_error'])('%s → failed', (error) => {
    const outcome = slack.classify(answer({ ok: false, error }));
    expect(outcome).toEqual({ kind: 'failed', reason: `Slack refused the message (HTTP 200: ${error})` });
  });

  test.each([
    [answer({ ok: false, error: 'internal_error' }, 500)],
    [answer({ ok: false, error: 'service_unavailable' }, 503)],
    [answer('<html>Bad Gateway</html>', 502)],
    [answer({ ok: false, error: 'request_timeout' }, 200)],
  ])('5xx and transient errors → retry (%#)', (res) => {
    expect(slack.classify(res).kind).toBe('retry');
  });

  test('an unknown or odd error code is not repeated verbatim; a token is never repeated', () => {
    const outcome = slack.classify(answer({ ok: false, error: `Bearer ${SLACK_BOT_TOKEN}`, echo: SLACK_BOT_TOKEN }));
    expect(outcome.kind).toBe('failed');
    expect('reason' in outcome && outcome.reason).toContain('unknown_error');
    expect(JSON.stringify(outcome)).not.toContain('TestOnlyNotARealToken');
  });

  test('webhook answers are still read as before', () => {
    expect(slack.classify(answer('ok'))).toEqual({ kind: 'delivered' });
    expect(slack.classify(answer('invalid_token', 403)).kind).toBe('disable');
    expect(slack.classify(answer('no_service', 404)).kind).toBe('disable');
  });
});

describe('silent check', () => {
  test('auth.test ok → reachable, without a memo', () => {
    expect(slack.classifySilentCheck!(answer({ ok: true, url: 'https://acme.slack.com/', team: 'Acme', user: 'build-alerts', team_id: 'T1', user_id: 'U1', bot_id: 'B1' }))).toEqual({ kind: 'delivered' });
  });

  test('auth.test errors are read like the message answers', () => {
    expect(slack.classifySilentCheck!(answer({ ok: false, error: 'invalid_auth' })).kind).toBe('disable');
    expect(slack.classifySilentCheck!(answer({ ok: false, error: 'ratelimited' }, 429, { 'Retry-After': '1' }))).toMatchObject({ kind: 'retry', afterMs: 1000 });
  });

  test('webhook mode keeps its empty-post check', () => {
    expect(slack.classifySilentCheck!(answer('no_text', 400))).toEqual({ kind: 'delivered' });
  });
});
