/**
 * Google Chat incoming webhook (https://developers.google.com/workspace/chat/quickstart/webhooks).
 * One thread per incident: `thread.threadKey` = incidentKey with
 * `messageReplyOption=REPLY_MESSAGE_FALLBACK_TO_NEW_THREAD`, so the fix lands under the failure.
 */
import { z } from 'zod';
import type { Alert } from '../alerts/alert';
import type { DeliveryOutcome } from '../delivery/outcome';
import { classifyHttp, describeStatus } from '../delivery/http-status';
import type { HttpRequest, HttpResponse } from '../ports';
import { defineChannel, type BuildContext } from './channel';
import {
  boundedKey, endpointUrl, fitBody, jsonRequest, mentionsField, parseWith, truncate, urlIdentity, withQuery,
} from './channel-support';
import { describeForChannel, factValue, fitLogLines, groupLines, logTailHeading, TEST_NOTE } from './message';

const schema = z.object({ url: endpointUrl(), mentions: mentionsField() });
export type GoogleChatConfig = z.infer<typeof schema>;

/** A message, text and cards included, is at most 32,000 bytes (https://developers.google.com/workspace/chat/api/reference/rest/v1/spaces.messages). */
const MAX_BYTES = 30_000;
const TEXT = 4_096;
const WIDGET_TEXT = 2_000;

/**
 * Google Chat text messages use Chat's own markup (https://developers.google.com/workspace/chat/format-messages):
 * `*bold*`, `_italic_`, `~strike~`, `` `code` ``, ``` blocks, `<url|text>` links, `<users/…>`
 * mentions, and bare URLs become links. It has no escape character, so text from Bitbucket
 * (repository, branch, build and environment names) gets look-alike characters for the markers,
 * and URLs and domain names are broken up so they are not linked. Cards are HTML and escaped as such.
 */
const CHAT_MARKERS: Record<string, string> = {
  '*': '∗', // U+2217 ASTERISK OPERATOR
  _: 'ˍ', // U+02CD MODIFIER LETTER LOW MACRON
  '~': '∼', // U+223C TILDE OPERATOR
  '`': 'ˋ', // U+02CB MODIFIER LETTER GRAVE ACCENT
  '<': '‹', // U+2039 SINGLE LEFT-POINTING ANGLE QUOTATION MARK
  '>': '›', // U+203A SINGLE RIGHT-POINTING ANGLE QUOTATION MARK
};

/**
 * A log line inside a ``` block of the message text: Chat formats nothing there, but a backtick
 * could close the block and angle brackets could form a `<users/all>` mention, so those get the
 * same look-alikes as above. Dots and "://" stay: paths and URLs in a log are read, not clicked.
 */
export function escapeGoogleChatCode(text: string): string {
  return text.replace(/[`<>]/g, (c) => CHAT_MARKERS[c]!);
}

export function escapeGoogleChatText(text: string): string {
  return text
    .replace(/[*_~`<>]/g, (c) => CHAT_MARKERS[c]!)
    .replace(/:\/\//g, '∶//') // U+2236 RATIO: "https∶//" is not a URL
    .replace(/\.(?=[A-Za-z])/g, '․'); // U+2024 ONE DOT LEADER: "evil․example" is not a domain
}

/** Numeric user ids (or "users/…") become mentions; anything else stays text. */
export function googleChatMention(handle: string): string {
  const h = handle.trim();
  if (/^<users\/[^>]+>$/.test(h)) return h;
  if (/^users\/\S+$/.test(h)) return `<${h}>`;
  if (/^\d{5,}$/.test(h)) return `<users/${h}>`;
  return '@' + escapeGoogleChatText(h.replace(/^@/, ''));
}

export const googleChat = defineChannel<GoogleChatConfig>({
  type: 'google-chat',
  label: 'Google Chat',
  fields: [
    { name: 'url', label: 'Webhook URL', secret: true, required: true, placeholder: 'https://chat.googleapis.com/v1/spaces/AAAA/messages?key=…&token=…' },
  ],
  parseConfig: (input) => parseWith(schema, input),
  targetIdentity: (config) => urlIdentity('google-chat', config.url),
  urls: (config) => [config.url],

  buildRequest(alert: Alert, config: GoogleChatConfig, ctx: BuildContext): HttpRequest {
    const msg = describeForChannel(alert, ctx, 'google-chat', config.mentions);
    const mention = msg.people.filter((p) => p.handle).map((p) => ` ${googleChatMention(p.handle!)}`).join('');
    const body = fitBody((budget) => {
      const cut = (t: string) => truncate(t, budget);
      const widgets: unknown[] = msg.facts.map((f) => ({
        decoratedText: { topLabel: f.label, text: cut(factValue(f, 'html', msg)), wrapText: true },
      }));
      const sections: unknown[] = [];
      if (msg.test) sections.push({ widgets: [{ textParagraph: { text: `🧪 ${TEST_NOTE}` } }] });
      sections.push({ widgets });
      const group = groupLines(msg, 'html');
      if (group.length > 0) sections.push({ header: 'Also for this commit', widgets: [{ textParagraph: { text: cut(group.join('<br>')) } }] });
      if (msg.links.length > 0) {
        sections.push({ widgets: [{ buttonList: { buttons: msg.links.map((l) => ({ text: l.text, onClick: { openLink: { url: l.url } } })) } }] });
      }
      // Cards have no monospace text, so the log tail goes in the message text as a code block.
      let log = '';
      if (msg.logTail) {
        const heading = `\n\n_${escapeGoogleChatText(logTailHeading(msg.logTail))}_:\n`;
        const max = Math.min(TEXT - 400 - mention.length, Math.floor(budget * 1.5)) - heading.length;
        const block = fitLogLines(msg.logTail.lines, (ls) => '```\n' + ls.map(escapeGoogleChatCode).join('\n') + '\n```', max);
        if (block) log = heading + block.text;
      }
      return {
        text: truncate(`${msg.emoji} ${escapeGoogleChatText(msg.title)}`, Math.min(TEXT, budget)) + mention + log,
        cardsV2: [{
          cardId: 'build-alert',
          card: {
            header: { title: cut(`${msg.test ? '[Test] ' : ''}${msg.headline}`), subtitle: cut(msg.repository) },
            sections,
          },
        }],
        thread: { threadKey: boundedKey(alert.incidentKey, 200) },
      };
    }, MAX_BYTES, WIDGET_TEXT);
    const url = withQuery(config.url, { messageReplyOption: 'REPLY_MESSAGE_FALLBACK_TO_NEW_THREAD' });
    return jsonRequest('POST', url, body, { 'content-type': 'application/json; charset=UTF-8' });
  },

  classify(res: HttpResponse): DeliveryOutcome {
    // 401/403/404: key or token revoked, webhook deleted or the space gone.
    if (res.status === 401 || res.status === 403 || res.status === 404) return { kind: 'disable', reason: describeStatus(res) };
    return classifyHttp(res);
  },
});
