/**
 * Slack incoming webhook (https://api.slack.com/messaging/webhooks): Block Kit blocks plus a plain
 * `text` that Slack uses for notifications and as the fallback.
 */
import { z } from 'zod';
import type { Alert } from '../alerts/alert';
import type { DeliveryOutcome } from '../delivery/outcome';
import { classifyHttp, describeStatus } from '../delivery/http-status';
import type { HttpRequest, HttpResponse } from '../ports';
import type { BuildContext, Channel } from './channel';
import { endpointUrl, jsonRequest, mentionsField, parseWith, truncate, urlIdentity } from './channel-support';
import { describeForChannel, escapeText, factLines, fitLogLines, groupLines, link, logTailHeading, neutralizeFences, TEST_NOTE } from './message';

const schema = z.object({ url: endpointUrl(), mentions: mentionsField() });
export type SlackConfig = z.infer<typeof schema>;

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

/** Slack user ids (U…/W…) become real mentions; anything else is shown as @name. */
export function slackMention(handle: string): string {
  const h = handle.trim();
  if (/^<[@!].+>$/.test(h)) return h;
  if (/^[UW][A-Z0-9]{2,}$/.test(h)) return `<@${h}>`;
  return '@' + escapeText(h.replace(/^@/, ''), 'slack');
}

export const slack: Channel<SlackConfig> = {
  type: 'slack',
  label: 'Slack',
  secretFields: ['url'],
  fields: [
    { name: 'url', label: 'Incoming webhook URL', secret: true, required: true, placeholder: 'https://hooks.slack.com/services/T000/B000/XXXX' },
  ],
  parseConfig: (input) => parseWith(schema, input),
  targetIdentity: (config) => urlIdentity('slack', config.url),
  urls: (config) => [config.url],

  buildRequest(alert: Alert, config: SlackConfig, ctx: BuildContext): HttpRequest {
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
    return jsonRequest('POST', config.url, { text, blocks });
  },

  classify(res: HttpResponse): DeliveryOutcome {
    const code = res.body.trim();
    if (DISABLING_ERRORS.some((e) => code.startsWith(e))) return { kind: 'disable', reason: describeStatus(res) };
    if (res.status === 404 || res.status === 410) return { kind: 'disable', reason: describeStatus(res) };
    return classifyHttp(res);
  },

  /**
   * Slack has no "check" endpoint for webhooks, but an empty message is refused differently for a
   * live hook (400 "no_text" / "missing_text_or_fallback_or_attachments") than for a revoked one
   * (403 invalid_token, 404 no_service): nothing is posted either way.
   */
  buildSilentCheck: (config) => jsonRequest('POST', config.url, {}),
  classifySilentCheck(res: HttpResponse): DeliveryOutcome {
    if (res.status === 400 && /no_text|missing_text/.test(res.body)) return { kind: 'delivered' };
    return slack.classify(res);
  },
};
