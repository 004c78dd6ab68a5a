/**
 * Discord webhook (https://discord.com/developers/docs/resources/webhook#execute-webhook).
 * `?wait=true` makes Discord answer the created message, whose id is remembered for the incident's
 * failure streak so the fix edits the failure message (PATCH /webhooks/{id}/{token}/messages/{message.id})
 * and then posts a short reply: an edit notifies nobody, the reply does. When the failure message
 * is gone (404, code 10008) the pipeline forgets the id and the fix is posted as a new message.
 */
import { z } from 'zod';
import type { Alert } from '../alerts/alert';
import type { DeliveryOutcome } from '../delivery/outcome';
import { classifyHttp, describeStatus, parseJsonObject, parseRetryAfter } from '../delivery/http-status';
import type { HttpRequest, HttpResponse } from '../ports';
import { defineChannel, type BuildContext } from './channel';
import {
  APP_URL, APP_VERSION, endpointUrl, jsonRequest, mentionsField, optionalText, parseWith, truncate, urlIdentity, withQuery,
} from './channel-support';
import { describeForChannel, factLines, fitLogLines, groupLines, link, logTailHeading, neutralizeFences, TEST_NOTE, toneColorInt } from './message';

const schema = z.object({ url: endpointUrl(), username: optionalText(80), mentions: mentionsField() });
export type DiscordConfig = z.infer<typeof schema>;

/** https://discord.com/developers/docs/resources/message#embed-object-embed-limits */
const LIMITS = { content: 2_000, title: 256, description: 4_096, fieldName: 256, fieldValue: 1_024, footer: 2_048, embedTotal: 6_000 };

/** Discord JSON error codes (https://discord.com/developers/docs/topics/opcodes-and-status-codes#json). */
const UNKNOWN_WEBHOOK = 10015;
const UNKNOWN_MESSAGE = 10008;

/** "DiscordBot ($url, $versionNumber)" (https://discord.com/developers/docs/reference#user-agent). */
export const DISCORD_USER_AGENT = `DiscordBot (${APP_URL}, ${APP_VERSION})`;
const headers = { 'user-agent': DISCORD_USER_AGENT };

/** Numeric user ids become pings; anything else stays text. */
export function discordMention(handle: string): string {
  const h = handle.trim();
  if (/^<@!?\d+>$/.test(h)) return h;
  if (/^\d{5,}$/.test(h)) return `<@${h}>`;
  return '@' + h.replace(/^@/, '');
}

const mentionedIds = (handle: string | null | undefined): string[] => {
  const m = handle ? /^<?@?!?(\d{5,})>?$/.exec(handle.trim()) : null;
  return m ? [m[1]!] : [];
};

/** The webhook URL with `/messages/{id}` inserted before the query (which may carry `thread_id`). */
function messageUrl(webhookUrl: string, messageId: string): string {
  const url = new URL(webhookUrl);
  url.pathname = url.pathname.replace(/\/+$/, '') + `/messages/${encodeURIComponent(messageId)}`;
  url.searchParams.delete('wait');
  return url.toString();
}

export const discord = defineChannel<DiscordConfig>({
  type: 'discord',
  label: 'Discord',
  fields: [
    { name: 'url', label: 'Webhook URL', secret: true, required: true, placeholder: 'https://discord.com/api/webhooks/123/abc' },
    { name: 'username', label: 'Display name (optional)', secret: false, required: false, placeholder: 'Build Alerts' },
  ],
  parseConfig: (input) => parseWith(schema, input),
  targetIdentity: (config) => urlIdentity('discord', config.url),
  urls: (config) => [config.url],

  buildRequest(alert: Alert, config: DiscordConfig, ctx: BuildContext): HttpRequest {
    const msg = describeForChannel(alert, ctx, 'discord', config.mentions);
    const title = truncate(`${msg.emoji} ${msg.test ? '[Test] ' : ''}${msg.headline}`, LIMITS.title);
    const footer = truncate(msg.repository, LIMITS.footer);
    const fields: { name: string; value: string; inline: boolean }[] = [];
    const group = groupLines(msg, 'markdown');
    if (group.length > 0) fields.push({ name: 'Also for this commit', value: truncate(group.join('\n'), LIMITS.fieldValue), inline: false });
    const links = msg.links.map((l) => link(l.text, l.url, 'markdown')).join(' · ');
    const lines = [...(msg.test ? [`🧪 ${TEST_NOTE}`, ''] : []), ...factLines(msg, 'markdown', discordMention)];
    // The 6000-character total covers title, description, field names and values, and footer.
    const used = title.length + footer.length + fields.reduce((n, f) => n + f.name.length + f.value.length, 0);
    const room = Math.min(LIMITS.description, LIMITS.embedTotal - used);
    const linksPart = links ? `\n\n${links}` : '';
    // The log tail as a code block (no markdown inside; "```" in a line is broken up so it cannot close it), at most half the room.
    let logPart = '';
    if (msg.logTail) {
      const heading = `\n\n**${logTailHeading(msg.logTail).replace(/([\\`*_~[\]|])/g, '\\$1')}:**\n`;
      const block = fitLogLines(msg.logTail.lines, (ls) => '```\n' + ls.map(neutralizeFences).join('\n') + '\n```', Math.floor(room / 2) - heading.length);
      if (block) logPart = heading + block.text;
    }
    const description = truncate(lines.join('\n'), Math.max(0, room - logPart.length - linksPart.length)) + logPart + linksPart;
    const buildUrl = msg.links[0]?.url;
    const embed: Record<string, unknown> = { title, description, color: toneColorInt(msg.tone), footer: { text: footer }, timestamp: alert.occurredAt };
    if (buildUrl) embed.url = buildUrl;
    if (fields.length > 0) embed.fields = fields;
    // Discord allows at most 100 ids in allowed_mentions.users.
    const ids = [...new Set(msg.people.flatMap((p) => mentionedIds(p.handle)))].slice(0, 100);
    const body: Record<string, unknown> = {
      embeds: [embed],
      // Ping only the mapped people, never @everyone or roles that a commit message or log might contain.
      allowed_mentions: { parse: [], users: ids },
    };
    if (ids.length > 0) body.content = truncate(ids.map((id) => discordMention(id)).join(' '), LIMITS.content);

    const messageId = ctx.incidentMemo?.messageId;
    if ((alert.type === 'build.fixed' || alert.type === 'deployment.fixed') && messageId) {
      // Edit Webhook Message takes content, embeds, allowed_mentions...; username and avatar_url
      // belong to Execute Webhook only (https://discord.com/developers/docs/resources/webhook#edit-webhook-message).
      return jsonRequest('PATCH', messageUrl(config.url, messageId), body, headers);
    }
    if (config.username) body.username = config.username;
    return jsonRequest('POST', withQuery(config.url, { wait: 'true' }), body, headers);
  },

  classify(res: HttpResponse): DeliveryOutcome {
    const json = parseJsonObject(res.body);
    if (res.status >= 200 && res.status < 300) {
      const id = json && typeof json.id === 'string' ? json.id : undefined;
      return id ? { kind: 'delivered', memo: { messageId: id } } : { kind: 'delivered' };
    }
    if (res.status === 429) {
      // Discord puts seconds (a float) in the body and in Retry-After (https://discord.com/developers/docs/topics/rate-limits).
      const bodyMs = json && typeof json.retry_after === 'number' ? Math.ceil(json.retry_after * 1000) : undefined;
      const headerMs = parseRetryAfter(res.headers);
      const hints = [bodyMs, headerMs].filter((n): n is number => n !== undefined);
      const reason = describeStatus(res);
      return hints.length > 0 ? { kind: 'retry', reason, afterMs: Math.max(...hints) } : { kind: 'retry', reason };
    }
    const code = json && typeof json.code === 'number' ? json.code : undefined;
    if (res.status === 404 && code === UNKNOWN_MESSAGE) {
      return { kind: 'failed', reason: `${describeStatus(res)} (the message to edit was deleted)`, forget: ['messageId'] };
    }
    if (res.status === 401 || res.status === 403 || res.status === 404 || code === UNKNOWN_WEBHOOK) {
      return { kind: 'disable', reason: describeStatus(res) };
    }
    return classifyHttp(res);
  },

  /** After editing the failure message into the fix: a short new message, which notifies (an edit does not). */
  buildFollowUp(alert: Alert, config: DiscordConfig, ctx: BuildContext, first: { request: HttpRequest }): HttpRequest | null {
    if (first.request.method !== 'PATCH') return null;
    const msg = describeForChannel(alert, ctx, 'discord', config.mentions);
    const ids = [...new Set(msg.people.flatMap((p) => mentionedIds(p.handle)))].slice(0, 100);
    const who = ids.length > 0 ? ` ${ids.map((id) => discordMention(id)).join(' ')}` : '';
    const buildUrl = msg.links[0]?.url;
    const text = `${msg.emoji} ${msg.headline}${buildUrl ? ` (<${buildUrl}>)` : ''}${who}`;
    const body: Record<string, unknown> = { content: truncate(text, LIMITS.content), allowed_mentions: { parse: [], users: ids } };
    if (config.username) body.username = config.username;
    return jsonRequest('POST', withQuery(config.url, { wait: 'true' }), body, headers);
  },

  /** GET on a webhook URL returns the webhook object and posts nothing. */
  buildSilentCheck: (config) => ({ method: 'GET', url: config.url, headers: { ...headers } }),
  classifySilentCheck(res: HttpResponse): DeliveryOutcome {
    if (res.status >= 200 && res.status < 300) return { kind: 'delivered' };
    return discord.classify(res);
  },
});
