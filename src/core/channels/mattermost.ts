/**
 * Mattermost incoming webhook (https://developers.mattermost.com/integrate/webhooks/incoming/):
 * markdown `text` plus one message attachment with the tone's colour.
 */
import { z } from 'zod';
import type { Alert } from '../alerts/alert';
import type { DeliveryOutcome } from '../delivery/outcome';
import { classifyHttp, describeStatus } from '../delivery/http-status';
import type { HttpRequest, HttpResponse } from '../ports';
import type { BuildContext, Channel } from './channel';
import { endpointUrl, jsonRequest, mentionsField, optionalText, parseWith, truncate, urlIdentity } from './channel-support';
import { describeAlert, escapeText, factLines, groupLines, link, TEST_NOTE, toneColor } from './message';

const schema = z.object({
  url: endpointUrl(),
  channel: optionalText(64),
  username: optionalText(64),
  mentions: mentionsField(),
});
export type MattermostConfig = z.infer<typeof schema>;

/**
 * A post is at most 16,383 characters by default (MaxPostSize,
 * https://docs.mattermost.com/configure/environment-configuration-settings.html); attachment text
 * counts toward the post's props, so it gets a smaller share.
 */
const LIMITS = { text: 4_000, attachmentText: 8_000, title: 1_000 };

export function mattermostMention(handle: string): string {
  return '@' + handle.trim().replace(/^@/, '');
}

export const mattermost: Channel<MattermostConfig> = {
  type: 'mattermost',
  label: 'Mattermost',
  secretFields: ['url'],
  fields: [
    { name: 'url', label: 'Incoming webhook URL', secret: true, required: true, placeholder: 'https://mattermost.example.com/hooks/xxxxxxxx' },
    { name: 'channel', label: 'Channel override (optional)', secret: false, required: false, placeholder: 'town-square' },
    { name: 'username', label: 'Display name (optional)', secret: false, required: false, placeholder: 'Build Alerts' },
  ],
  parseConfig: (input) => parseWith(schema, input),
  targetIdentity: (config) => urlIdentity('mattermost', config.url),
  urls: (config) => [config.url],

  buildRequest(alert: Alert, config: MattermostConfig, ctx: BuildContext): HttpRequest {
    const msg = describeAlert(alert, { ...config.mentions, ...ctx.mentions });
    const mention = msg.author?.handle ? ` ${mattermostMention(msg.author.handle)}` : '';
    const lines = [...(msg.test ? [`🧪 ${TEST_NOTE}`, ''] : []), ...factLines(msg, 'markdown', mattermostMention)];
    const group = groupLines(msg, 'markdown');
    if (group.length > 0) lines.push('', '**Also for this commit:**', ...group);
    if (msg.links.length > 0) lines.push('', msg.links.map((l) => link(l.text, l.url, 'markdown')).join(' · '));
    const attachment: Record<string, unknown> = {
      fallback: truncate(msg.title, LIMITS.title),
      color: toneColor(msg.tone),
      title: truncate(`${msg.test ? '[Test] ' : ''}${msg.headline}`, LIMITS.title),
      text: truncate(lines.join('\n'), LIMITS.attachmentText),
    };
    if (msg.links[0]) attachment.title_link = msg.links[0].url;
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
    if (res.status === 401 || res.status === 403 || res.status === 404) return { kind: 'disable', reason: describeStatus(res) };
    return classifyHttp(res);
  },
};
