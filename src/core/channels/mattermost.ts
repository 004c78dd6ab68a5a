/**
 * Mattermost incoming webhook (https://developers.mattermost.com/integrate/webhooks/incoming/):
 * markdown `text` plus one message attachment with the tone's colour.
 */
import { z } from 'zod';
import type { Alert } from '../alerts/alert';
import type { DeliveryOutcome } from '../delivery/outcome';
import { classifyHttp, describeStatus } from '../delivery/http-status';
import type { HttpRequest, HttpResponse } from '../ports';
import { defineChannel, type BuildContext } from './channel';
import { endpointUrl, jsonRequest, mentionsField, optionalText, parseWith, truncate, urlIdentity } from './channel-support';
import { describeForChannel, escapeText, factLines, fitLogLines, groupLines, link, logTailHeading, neutralizeFences, TEST_NOTE, toneColor } from './message';

const schema = z.object({
  url: endpointUrl(),
  channel: optionalText(64),
  username: optionalText(64),
  mentions: mentionsField(),
});
export type MattermostConfig = z.infer<typeof schema>;

/**
 * A post is at most 16,383 characters by default (MaxPostSize,
 * https://docs.mattermost.com/configure/environment-configuration-settings.html). Attachments live
 * in the post's props, which older servers cap much lower: "Maximum attachments length is 7900
 * characters" (https://github.com/mattermost/mattermost/issues/14207) and props JSON at most 8,000
 * runes (https://github.com/mattermost/mattermost/issues/3880). The serialized attachments are kept
 * under 7,700 so the other props (from_webhook, override_username, override_icon_url) still fit.
 */
const LIMITS = { text: 4_000, attachmentText: 7_000, title: 1_000, fact: 500 };
const MAX_ATTACHMENTS_CHARS = 7_700;

/**
 * Length of the attachments as the server measures them: Go's json.Marshal counts runes and
 * escapes <, > and & (and U+2028/U+2029) as six-character \uXXXX sequences.
 */
export function mattermostPropsLength(value: unknown): number {
  const json = JSON.stringify(value);
  let n = 0;
  for (const ch of json) n += ch === '<' || ch === '>' || ch === '&' || ch === '\u2028' || ch === '\u2029' ? 6 : 1;
  return n;
}

/**
 * The 400 answers of a server whose limits are below what the app fits to (server/i18n/en.json and
 * the post model in https://github.com/mattermost/mattermost): 5.x and older
 * "web.incoming_webhook.attachment.app_error" ("Maximum attachments length is {{.Max}} characters,
 * received size is {{.Actual}}", https://github.com/mattermost/mattermost/issues/14207); newer servers
 * "web.incoming_webhook.split_props_length.app_error" ("Unable to split webhook props into {{.Max}}
 * character parts"), "model.post.is_valid.props.app_error" ("Invalid props.") and
 * "model.post.is_valid.message_length.app_error" / older "model.post.is_valid.msg.app_error" (the
 * message over the server's MaxPostSize). Resending the same post cannot help: failed, with the limit
 * when the answer names it. The default fit stays the 5.x limits above.
 */
export function mattermostTooLong(res: HttpResponse): string | null {
  if (res.status !== 400) return null;
  const id = /web\.incoming_webhook\.(?:attachment|split_props_length)\.app_error|model\.post\.is_valid\.(?:msg|message_length|props)\.app_error/.exec(res.body)?.[0]
    ?? (/Maximum attachments length/i.test(res.body) ? 'web.incoming_webhook.attachment.app_error' : null);
  if (!id) return null;
  const limit = /length is (\d+) characters|into (\d+) character parts/i.exec(res.body);
  const max = limit ? (limit[1] ?? limit[2]) : undefined;
  const part = /props|attachment/.test(id) ? 'attachment' : 'message';
  return `HTTP 400: Mattermost refused the post as too long (${id}${max ? `, its limit is ${max} characters` : ''}): this server allows a shorter ${part} than the app fits to (16,383-character posts, 7,700-character attachments); ask the server's admin (older servers have lower limits; upgrading raises them)`;
}

export function mattermostMention(handle: string): string {
  return '@' + handle.trim().replace(/^@/, '');
}

export const mattermost = defineChannel<MattermostConfig>({
  type: 'mattermost',
  label: 'Mattermost',
  fields: [
    { name: 'url', label: 'Incoming webhook URL', secret: true, required: true, placeholder: 'https://mattermost.example.com/hooks/xxxxxxxx' },
    { name: 'channel', label: 'Channel override (optional)', secret: false, required: false, placeholder: 'town-square' },
    { name: 'username', label: 'Display name (optional)', secret: false, required: false, placeholder: 'Build Alerts' },
  ],
  parseConfig: (input) => parseWith(schema, input),
  targetIdentity: (config) => urlIdentity('mattermost', config.url),
  urls: (config) => [config.url],

  buildRequest(alert: Alert, config: MattermostConfig, ctx: BuildContext): HttpRequest {
    const msg = describeForChannel(alert, ctx, 'mattermost', config.mentions);
    const mention = msg.people.filter((p) => p.handle).map((p) => ` ${mattermostMention(p.handle!)}`).join('');
    const linksLine = msg.links.map((l) => link(l.text, l.url, 'markdown')).join(' · ');
    const title = truncate(`${msg.test ? '[Test] ' : ''}${msg.headline}`, LIMITS.title);

    // Free text (commit message, names, grouped builds) shrinks first; the links line and the
    // layout stay, so the message keeps its structure however long the input was.
    const attachmentFor = (budget: number, maxText = LIMITS.attachmentText): Record<string, unknown> => {
      const trimmed = { ...msg, facts: msg.facts.map((f) => ({ ...f, value: truncate(f.value, budget) })), group: msg.group.map((g) => ({ ...g, text: truncate(g.text, budget) })) };
      const lines = [...(msg.test ? [`🧪 ${TEST_NOTE}`, ''] : []), ...factLines(trimmed, 'markdown', mattermostMention)];
      const group = groupLines(trimmed, 'markdown');
      if (group.length > 0) lines.push('', '**Also for this commit:**', ...group);
      const tail = linksLine ? `\n\n${linksLine}` : '';
      // The log tail as a fenced code block (no markdown or mentions inside; "```" in a line is broken
      // up), sized with the free text so the whole attachment stays under the props limit.
      let log = '';
      if (msg.logTail) {
        const heading = `\n\n**${escapeText(logTailHeading(msg.logTail), 'markdown')}:**\n`;
        const max = Math.min(budget * 6, Math.floor(maxText / 2)) - heading.length;
        const block = fitLogLines(msg.logTail.lines, (ls) => '```\n' + ls.map(neutralizeFences).join('\n') + '\n```', max);
        if (block) log = heading + block.text;
      }
      const attachment: Record<string, unknown> = {
        fallback: truncate(msg.title, Math.min(LIMITS.title, Math.max(budget, 120))),
        color: toneColor(msg.tone),
        title: truncate(title, Math.max(budget, 120)),
        text: truncate(lines.join('\n'), Math.max(0, maxText - tail.length - log.length)) + log + tail,
      };
      if (msg.links[0]) attachment.title_link = msg.links[0].url;
      return attachment;
    };
    let budget = LIMITS.fact;
    let attachment = attachmentFor(budget);
    while (mattermostPropsLength([attachment]) > MAX_ATTACHMENTS_CHARS && budget > 16) {
      budget = Math.floor(budget / 2);
      attachment = attachmentFor(budget);
    }
    // Still too long (dozens of grouped builds with long URLs): cut the body text, links kept.
    let maxText = LIMITS.attachmentText;
    while (mattermostPropsLength([attachment]) > MAX_ATTACHMENTS_CHARS && maxText > 0) {
      maxText = Math.max(0, maxText - Math.max(64, mattermostPropsLength([attachment]) - MAX_ATTACHMENTS_CHARS));
      attachment = attachmentFor(budget, maxText);
    }
    const body: Record<string, unknown> = {
      text: truncate(`${msg.emoji} **${escapeText(msg.title, 'markdown')}**${mention}`, LIMITS.text),
      attachments: [attachment],
    };
    if (config.channel) body.channel = config.channel;
    if (config.username) body.username = config.username;
    return jsonRequest('POST', config.url, body);
  },

  classify(res: HttpResponse): DeliveryOutcome {
    // An unknown or deleted hook id answers 400 "web.incoming_webhook.invalid.app_error".
    if (/incoming_webhook\.(invalid|disabled)|invalid webhook/i.test(res.body)) return { kind: 'disable', reason: describeStatus(res) };
    const tooLong = mattermostTooLong(res);
    if (tooLong) return { kind: 'failed', reason: tooLong };
    if (res.status === 401 || res.status === 403 || res.status === 404) return { kind: 'disable', reason: describeStatus(res) };
    return classifyHttp(res);
  },
});
