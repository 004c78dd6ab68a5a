/**
 * Slack, in one of two modes.
 *
 * Incoming webhook (`url`, https://api.slack.com/messaging/webhooks), the default: Block Kit blocks
 * plus a plain `text` that Slack uses for notifications and as the fallback. A webhook can neither
 * reply in a thread nor edit, so every alert is a new message.
 *
 * Bot (`token` + `channel`, Web API https://api.slack.com/web): one thread per incident. The failure
 * is posted with chat.postMessage (https://api.slack.com/methods/chat.postMessage) and its `ts` is
 * remembered for the failure streak; still-failing alerts and reminders reply in its thread
 * (`thread_ts`); the fix replies there too and a follow-up chat.update
 * (https://api.slack.com/methods/chat.update) turns the original message into "fixed after …". When
 * the remembered message is gone the pipeline forgets `ts` and the alert is posted as a new message.
 */
import { z } from 'zod';
import type { Alert } from '../alerts/alert';
import { RESOLVING_TYPES } from '../alerts/alert';
import type { DeliveryOutcome } from '../delivery/outcome';
import { bodySnippet, classifyHttp, describeStatus, parseJsonObject, parseRetryAfter } from '../delivery/http-status';
import type { HttpRequest, HttpResponse } from '../ports';
import { err, type FieldError, type Result } from '../result';
import { defineChannel, type BuildContext, type ChannelField } from './channel';
import {
  endpointUrl, jsonRequest, mentionsField, optionalEndpointUrl, parseWith, shortHash, stripTrailingSlash, truncate, urlIdentity,
} from './channel-support';
import {
  describeForChannel, escapeText, factLines, fitLogLines, formatDuration, formatTime, groupLines, link, logTailHeading, neutralizeFences, TEST_NOTE,
} from './message';

/** Where the Web API lives (https://api.slack.com/web#basics); `apiUrl` overrides it for tests and Slack-compatible hosts. */
export const SLACK_API_URL = 'https://slack.com/api';

const webhookSchema = z.object({ url: endpointUrl(), mentions: mentionsField() });

/**
 * Bot tokens start with `xoxb-` (https://api.slack.com/authentication/token-types#bot); with token
 * rotation they start with `xoxe.xoxb-`. User (`xoxp-`) and app-level (`xapp-`) tokens are refused:
 * they post as a person, or cannot post at all. Messages never echo the value.
 */
const botToken = () =>
  z.string({ error: 'required' }).trim().min(1, { error: 'required' }).max(255, { error: 'at most 255 characters' })
    .regex(/^(?:xoxe\.)?xoxb-[A-Za-z0-9-]+$/, { error: 'must be a bot token starting with xoxb- (Slack app settings → OAuth & Permissions → Bot User OAuth Token)' });

/** Conversation ids: C… public channels, G… private channels (older ones), D… direct messages. chat.update needs the id, not a #name. */
const channelId = () =>
  z.string({ error: 'required' }).trim().min(1, { error: 'required' })
    .regex(/^[CGD][A-Z0-9]{6,20}$/, { error: 'must be a channel ID such as C0123ABCD (in Slack: channel name → About → Channel ID), not a #name' });

const botSchema = z.object({
  token: botToken(),
  channel: channelId(),
  apiUrl: optionalEndpointUrl().transform((v) => stripTrailingSlash(v ?? SLACK_API_URL)),
  mentions: mentionsField(),
});

export type SlackWebhookConfig = z.infer<typeof webhookSchema>;
export type SlackBotConfig = z.infer<typeof botSchema>;
export type SlackConfig = SlackWebhookConfig | SlackBotConfig;

export const isBotConfig = (config: SlackConfig): config is SlackBotConfig => 'token' in config && typeof config.token === 'string';

const BOT_FIELDS = ['token', 'channel', 'apiUrl'] as const;
const present = (v: unknown): boolean => v !== undefined && v !== null && !(typeof v === 'string' && v.trim() === '');

/** Exactly one mode: `url`, or `token` + `channel` (and optionally `apiUrl`). */
function parseSlackConfig(input: unknown): Result<SlackConfig, FieldError[]> {
  if (input === null || typeof input !== 'object' || Array.isArray(input)) return parseWith(webhookSchema, input);
  const fields = input as Record<string, unknown>;
  const botFields = BOT_FIELDS.filter((k) => present(fields[k]));
  if (present(fields.url) && botFields.length > 0) {
    const message = 'use either an incoming webhook URL (url) or a bot token with a channel ID (token, channel), not both';
    return err(['url', ...botFields].map((path) => ({ path, message })));
  }
  if (botFields.length > 0) return parseWith(botSchema, input);
  if (!present(fields.url)) {
    return err([{ path: 'url', message: 'required: an incoming webhook URL, or a bot token (token) and channel ID (channel) instead' }]);
  }
  return parseWith(webhookSchema, input);
}

/** Limits: https://api.slack.com/reference/block-kit/blocks (header 150, section/context text 3000). */
const LIMITS = { text: 40_000, header: 150, section: 3_000, context: 2_000 };

/**
 * Errors Slack answers on a webhook that will not work again until a person fixes something
 * (https://api.slack.com/messaging/webhooks#handling_errors): the hook was revoked, the channel
 * archived or deleted, the workspace or app removed, or posting was restricted.
 */
const DISABLING_ERRORS = [
  'invalid_token', 'channel_is_archived', 'channel_not_found', 'no_service', 'no_service_id', 'no_team',
  'team_disabled', 'action_prohibited', 'posting_to_general_channel_denied', 'user_not_found', 'no_active_hooks',
];

// Web API errors come as HTTP 200 with `{ ok: false, error }` (https://api.slack.com/web#evaluating_responses),
// named on the chat.postMessage / chat.update pages and in the errors common to every method.

/** The token will not work until someone fixes it in Slack. */
const TOKEN_ERRORS = new Set([
  'invalid_auth', 'not_authed', 'account_inactive', 'token_revoked', 'token_expired', 'missing_scope',
  'not_allowed_token_type', 'no_permission', 'ekm_access_denied', 'team_access_not_granted',
]);
/** The bot cannot post to the configured conversation. */
const CHANNEL_ERRORS = new Set(['channel_not_found', 'not_in_channel', 'is_archived', 'restricted_action', 'restricted_action_read_only_channel']);
/** The remembered message (the thread's parent, or the message to update) is gone: post anew. */
const GONE_ERRORS = new Set(['thread_not_found', 'message_not_found']);
/** Rate limits (https://api.slack.com/docs/rate-limits): HTTP 429 `ratelimited` with Retry-After; chat.postMessage also names `rate_limited`. */
const RATE_ERRORS = new Set(['ratelimited', 'rate_limited']);
/** "likely due to a transient issue on our end" (https://api.slack.com/web#errors). `fatal_error` may have posted: not retried. */
const TRANSIENT_ERRORS = new Set(['internal_error', 'service_unavailable', 'request_timeout']);

/** Slack user ids (U…/W…) become real mentions; anything else is shown as @name. */
export function slackMention(handle: string): string {
  const h = handle.trim();
  if (/^<[@!].+>$/.test(h)) return h;
  if (/^[UW][A-Z0-9]{2,}$/.test(h)) return `<@${h}>`;
  return '@' + escapeText(h.replace(/^@/, ''), 'slack');
}

/** The Block Kit message both modes send: `text` (notification and fallback) and `blocks`. */
function slackMessage(alert: Alert, config: SlackConfig, ctx: BuildContext): { text: string; blocks: unknown[] } {
  const msg = describeForChannel(alert, ctx, 'slack', config.mentions);
  const blocks: unknown[] = [
    { type: 'header', text: { type: 'plain_text', text: truncate(`${msg.emoji} ${msg.test ? '[Test] ' : ''}${msg.headline}`, LIMITS.header), emoji: true } },
  ];
  if (msg.test) blocks.push({ type: 'context', elements: [{ type: 'mrkdwn', text: `🧪 ${TEST_NOTE}` }] });
  blocks.push({ type: 'section', text: { type: 'mrkdwn', text: truncate(factLines(msg, 'slack', slackMention).join('\n'), LIMITS.section) } });
  const group = groupLines(msg, 'slack');
  if (group.length > 0) {
    blocks.push({ type: 'section', text: { type: 'mrkdwn', text: truncate(['*Also for this commit:*', ...group].join('\n'), LIMITS.section) } });
  }
  if (msg.logTail) {
    // A mrkdwn code block: no formatting inside, but &, < and > are still entities, so a log line
    // cannot mention anyone (<!channel>) or link; "```" inside is broken up so it cannot end the block.
    const heading = `*${escapeText(logTailHeading(msg.logTail), 'slack')}:*\n`;
    const block = fitLogLines(msg.logTail.lines, (ls) => '```\n' + ls.map((l) => neutralizeFences(escapeText(l, 'slack'))).join('\n') + '\n```', LIMITS.section - heading.length);
    if (block) blocks.push({ type: 'section', text: { type: 'mrkdwn', text: heading + block.text } });
  }
  // Links as text, not buttons: a link button on an app without an interactivity URL shows a warning icon.
  if (msg.links.length > 0) {
    blocks.push({ type: 'context', elements: [{ type: 'mrkdwn', text: truncate(msg.links.map((l) => link(l.text, l.url, 'slack')).join('  ·  '), LIMITS.context) }] });
  }
  // Everyone with a handle is mentioned in the notification text too, so they are notified.
  const mention = msg.people.filter((p) => p.handle).map((p) => ` ${slackMention(p.handle!)}`).join('');
  const text = truncate(`${msg.emoji} ${escapeText(msg.title, 'slack')}${mention}`, LIMITS.text);
  return { text, blocks };
}

/**
 * What the original failure message becomes once the incident is fixed: the fix, how long it was
 * broken, and a pointer to the thread. Nobody is mentioned: the reply in the thread already notified.
 */
function fixedOriginal(alert: Alert, config: SlackConfig, ctx: BuildContext): { text: string; blocks: unknown[] } {
  const msg = describeForChannel(alert, ctx, 'slack', config.mentions);
  const broken = alert.brokenForMs != null ? formatDuration(alert.brokenForMs) : null;
  const since = formatTime(alert.failures?.since);
  const count = alert.failures?.count;
  const summary = [
    `*Fixed*${broken ? ` after ${broken}` : ''}`,
    since ? `failing since ${since}` : null,
    count && count > 1 ? `${count} failed builds` : null,
  ].filter(Boolean).join(' · ');
  const blocks: unknown[] = [
    { type: 'header', text: { type: 'plain_text', text: truncate(`${msg.emoji} ${msg.test ? '[Test] ' : ''}${msg.headline}`, LIMITS.header), emoji: true } },
    { type: 'section', text: { type: 'mrkdwn', text: truncate(`${summary}\n${factLines(msg, 'slack').join('\n')}`, LIMITS.section) } },
    { type: 'context', elements: [{ type: 'mrkdwn', text: truncate(['The failure and its follow-ups are in the thread', ...msg.links.map((l) => link(l.text, l.url, 'slack'))].join('  ·  '), LIMITS.context) }] },
  ];
  const text = truncate(`${msg.emoji} ${escapeText(msg.title, 'slack')}`, LIMITS.text);
  return { text, blocks };
}

/** Web API calls: the token as a Bearer header (https://api.slack.com/web#authentication), JSON with its charset (https://api.slack.com/web#posting_json). */
function apiRequest(config: SlackBotConfig, method: string, body: unknown): HttpRequest {
  return jsonRequest('POST', `${config.apiUrl}/${method}`, body, {
    'content-type': 'application/json; charset=utf-8',
    authorization: `Bearer ${config.token}`,
  });
}

function hostOf(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return 'invalid-url';
  }
}

const isResolving = (alert: Alert): boolean => RESOLVING_TYPES.includes(alert.type);

/** The remembered message of this incident in the configured conversation, if any. */
function threadOf(config: SlackBotConfig, ctx: BuildContext): { ts: string; channel: string } | null {
  const memo = ctx.incidentMemo;
  if (!memo?.ts) return null;
  // A thread in another conversation (the channel was changed mid-incident) is not continued.
  if (memo.channel && memo.channel !== config.channel) return null;
  return { ts: memo.ts, channel: config.channel };
}

/** Slack error codes are snake_case words; anything else is not repeated in a reason. */
const errorCode = (value: unknown): string => (typeof value === 'string' && /^[a-z0-9_]{1,64}$/.test(value) ? value : 'unknown_error');
/** Strips anything token-like a Slack-compatible host might echo (the pipeline also redacts the configured secrets). */
const scrub = (text: string): string => text.replace(/xox[a-z]-[A-Za-z0-9-]+/gi, 'xox…');

/** Reads a Web API answer (`{ ok, error, ... }`). */
function classifyWebApi(res: HttpResponse, json: Record<string, unknown>): DeliveryOutcome {
  if (json.ok === true && res.status >= 200 && res.status < 300) {
    const memo: Record<string, string> = {};
    if (typeof json.ts === 'string' && json.ts) memo.ts = json.ts;
    if (typeof json.channel === 'string' && json.channel) memo.channel = json.channel;
    return Object.keys(memo).length ? { kind: 'delivered', memo } : { kind: 'delivered' };
  }
  const code = errorCode(json.error);
  if (res.status === 429 || RATE_ERRORS.has(code)) {
    const afterMs = parseRetryAfter(res.headers);
    const reason = `Slack rate limit (HTTP ${res.status}: ${code})`;
    return afterMs === undefined ? { kind: 'retry', reason } : { kind: 'retry', reason, afterMs };
  }
  if (res.status >= 500 || TRANSIENT_ERRORS.has(code)) {
    const afterMs = parseRetryAfter(res.headers);
    const reason = `Slack is unavailable (HTTP ${res.status}: ${code})`;
    return afterMs === undefined ? { kind: 'retry', reason } : { kind: 'retry', reason, afterMs };
  }
  if (code === 'missing_scope') {
    const needed = typeof json.needed === 'string' && /^[a-z:._,]{1,100}$/.test(json.needed) ? json.needed : 'chat:write';
    return { kind: 'disable', reason: `Slack rejected the bot token (missing_scope: needs ${needed}): add the ${needed} scope under OAuth & Permissions and reinstall the app` };
  }
  if (TOKEN_ERRORS.has(code)) {
    return { kind: 'disable', reason: `Slack rejected the bot token (${code}): check the token and that the app is installed in the workspace` };
  }
  if (CHANNEL_ERRORS.has(code)) {
    const what = code === 'is_archived' ? 'unarchive the channel or choose another channel ID'
      : code === 'channel_not_found' ? 'check the channel ID; for a private channel, invite the app first (/invite @your-app)'
        : code.startsWith('restricted_action') ? 'a workspace setting stops the app from posting there; choose another channel ID'
          : 'invite the app to the channel (/invite @your-app)';
    return { kind: 'disable', reason: `Slack cannot post to the configured channel (${code}): ${what}` };
  }
  if (GONE_ERRORS.has(code)) {
    return { kind: 'failed', reason: `Slack: the incident's earlier message is gone (${code})`, forget: ['ts'] };
  }
  if (json.ok === true) return classifyHttp(res);
  const snippet = scrub(bodySnippet(res.body));
  return { kind: 'failed', reason: `Slack refused the message (HTTP ${res.status}: ${code})${snippet && code === 'unknown_error' ? `: ${snippet}` : ''}` };
}

export const slack = defineChannel<SlackConfig>({
  type: 'slack',
  label: 'Slack',
  fields: [
    { name: 'url', label: 'Incoming webhook URL (or use a bot token and channel below)', secret: true, required: false, placeholder: 'https://hooks.slack.com/services/T000/B000/XXXX' },
    { name: 'token', label: 'Bot token (threads one incident per message; needs chat:write)', secret: true, required: false, placeholder: 'xoxb-…' },
    { name: 'channel', label: 'Channel ID (bot token only)', secret: false, required: false, placeholder: 'C0123ABCD' },
    { name: 'apiUrl', label: 'Web API URL (optional, bot token only)', secret: false, required: false, placeholder: SLACK_API_URL },
  ] satisfies ChannelField[],
  parseConfig: parseSlackConfig,
  // Bot: one breaker per (API host, conversation, token); the channel id is not a secret.
  targetIdentity: (config) =>
    isBotConfig(config) ? `slack:${hostOf(config.apiUrl)}/${config.channel}#${shortHash(`${config.apiUrl}\n${config.token}`)}` : urlIdentity('slack', config.url),
  urls: (config) => (isBotConfig(config) ? [`${config.apiUrl}/chat.postMessage`, `${config.apiUrl}/chat.update`] : [config.url]),

  buildRequest(alert: Alert, config: SlackConfig, ctx: BuildContext): HttpRequest {
    const { text, blocks } = slackMessage(alert, config, ctx);
    if (!isBotConfig(config)) return jsonRequest('POST', config.url, { text, blocks });
    const thread = threadOf(config, ctx);
    if (!thread) return apiRequest(config, 'chat.postMessage', { channel: config.channel, text, blocks });
    // In the incident's thread; the fix stays there too (the original is updated by the follow-up).
    const body = isResolving(alert)
      ? { channel: thread.channel, thread_ts: thread.ts, reply_broadcast: false, text, blocks }
      : { channel: thread.channel, thread_ts: thread.ts, text, blocks };
    return apiRequest(config, 'chat.postMessage', body);
  },

  classify(res: HttpResponse): DeliveryOutcome {
    // The Web API answers JSON with a boolean `ok`; incoming webhooks answer plain text ("ok", "invalid_token").
    const json = parseJsonObject(res.body);
    if (json && typeof json.ok === 'boolean') return classifyWebApi(res, json);
    const code = res.body.trim();
    if (DISABLING_ERRORS.some((e) => code.startsWith(e))) return { kind: 'disable', reason: describeStatus(res) };
    if (res.status === 404 || res.status === 410) return { kind: 'disable', reason: describeStatus(res) };
    return classifyHttp(res);
  },

  /** After the fix was replied in the thread: the original failure message is updated to say it was fixed. */
  buildFollowUp(alert: Alert, config: SlackConfig, ctx: BuildContext, first: { request: HttpRequest }): HttpRequest | null {
    if (!isBotConfig(config) || !isResolving(alert)) return null;
    const thread = threadOf(config, ctx);
    if (!thread) return null;
    const sent = parseJsonObject(first.request.body ?? '');
    if (!sent || sent.thread_ts !== thread.ts) return null;
    const { text, blocks } = fixedOriginal(alert, config, ctx);
    return apiRequest(config, 'chat.update', { channel: thread.channel, ts: thread.ts, text, blocks });
  },

  /**
   * Webhook: Slack has no "check" endpoint, but an empty message is refused differently for a live
   * hook (400 "no_text" / "missing_text_or_fallback_or_attachments") than for a revoked one
   * (403 invalid_token, 404 no_service): nothing is posted either way.
   * Bot: auth.test checks the token and needs no scope (https://api.slack.com/methods/auth.test);
   * conversations.info would also check the channel but needs channels:read / groups:read, which
   * a bot that only posts (chat:write) does not have.
   */
  buildSilentCheck: (config) => (isBotConfig(config) ? apiRequest(config, 'auth.test', {}) : jsonRequest('POST', config.url, {})),
  classifySilentCheck(res: HttpResponse): DeliveryOutcome {
    const json = parseJsonObject(res.body);
    if (json && typeof json.ok === 'boolean') {
      const outcome = classifyWebApi(res, json);
      // auth.test's `user_id`/`team_id` are not a message to remember.
      return outcome.kind === 'delivered' ? { kind: 'delivered' } : outcome;
    }
    if (res.status === 400 && /no_text|missing_text/.test(res.body)) return { kind: 'delivered' };
    return slack.classify(res);
  },
});
