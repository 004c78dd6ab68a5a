/**
 * Microsoft Teams through a Workflows (Power Automate) webhook: "Post to a channel when a webhook
 * request is received" expects a message with an Adaptive Card attachment
 * (https://learn.microsoft.com/en-us/microsoftteams/platform/webhooks-and-connectors/how-to/add-incoming-webhook).
 * Office 365 connector URLs (*.webhook.office.com) are retired and refused on save.
 */
import { z } from 'zod';
import type { Alert } from '../alerts/alert';
import type { DeliveryOutcome } from '../delivery/outcome';
import { classifyHttp, describeStatus } from '../delivery/http-status';
import type { HttpRequest, HttpResponse } from '../ports';
import { defineChannel, type BuildContext } from './channel';
import { endpointUrl, fitBody, jsonRequest, mentionsField, parseWith, truncate, urlIdentity } from './channel-support';
import { describeForChannel, factValue, fitLogLines, groupLines, logTailHeading, TEST_NOTE, type AlertMessage, type Tone } from './message';

const RETIRED_CONNECTOR_HOST = /(^|\.)webhook\.office\.com$|^outlook\.office(365)?\.com$/i;

/** Hosts of Workflows (Power Automate / Logic Apps) trigger URLs. */
const WORKFLOWS_HOST = /(^|\.)logic\.azure\.com$|(^|\.)environment\.api\.powerplatform\.com$/i;

/**
 * A Workflows trigger URL authorizes the caller by the shared access signature in its `sig` query
 * parameter ("Who can trigger the flow: Anyone"). Without it the trigger wants a Microsoft Entra
 * OAuth token, which this app cannot send
 * (https://learn.microsoft.com/en-us/power-automate/oauth-authentication), so the URL can never work.
 */
export function workflowsUrlLacksSignature(raw: string): boolean {
  const url = parseUrl(raw);
  return url !== null && WORKFLOWS_HOST.test(url.hostname) && !url.searchParams.get('sig');
}

/** Refinements run even after the URL check failed: never throw on a malformed URL. */
function parseUrl(raw: string): URL | null {
  try {
    return new URL(raw);
  } catch {
    return null;
  }
}

const schema = z.object({
  url: endpointUrl()
    .refine((raw) => !RETIRED_CONNECTOR_HOST.test(parseUrl(raw)?.hostname ?? ''), {
      error: 'Office 365 connector webhooks are retired; create a Teams Workflows webhook ("Post to a channel when a webhook request is received") and paste its URL',
    })
    .refine((raw) => !workflowsUrlLacksSignature(raw), {
      error: 'this Workflows URL has no "sig=" parameter, so Teams would refuse every post: copy the full HTTP URL from the workflow\'s "When a Teams webhook request is received" trigger, including "&sig=…" (set "Who can trigger the flow" to "Anyone")',
    }),
  mentions: mentionsField(),
});
export type TeamsConfig = z.infer<typeof schema>;

/** Teams caps a message at about 28 KB (https://learn.microsoft.com/en-us/microsoftteams/platform/bots/how-to/format-your-bot-messages). */
const MAX_BYTES = 27_000;
const CARD_TEXT = 2_000;

const TONE: Record<Tone, string> = { danger: 'Attention', success: 'Good', warning: 'Warning', info: 'Accent', neutral: 'Default' };

/** Leading spaces survive as no-break spaces (a card trims them); an empty line keeps its height. */
const keepIndent = (line: string): string => (line === '' ? '\u00a0' : line.replace(/^ +/, (m) => '\u00a0'.repeat(m.length)));

/**
 * The log tail as a monospace block: one RichTextBlock with a TextRun per line. TextRun text is not
 * markdown (https://adaptivecards.io/explorer/TextRun.html), so log lines need no escaping and
 * cannot format or mention anything.
 */
function logTailItems(msg: AlertMessage, budget: number): unknown[] {
  if (!msg.logTail) return [];
  const lineMax = Math.max(40, Math.floor(budget / 4));
  const lines = msg.logTail.lines.map((l) => truncate(l, lineMax));
  // The log never takes more than the budget allows for free text: older lines go first.
  const from = fitLogLines(lines, (ls) => ls.join('\n'), Math.max(lineMax, budget * 2))?.dropped ?? lines.length - 1;
  return [
    { type: 'TextBlock', text: logTailHeading(msg.logTail), weight: 'Bolder', size: 'Small', wrap: true, spacing: 'Medium' },
    {
      type: 'Container',
      style: 'emphasis',
      spacing: 'Small',
      items: lines.slice(from).map((l) => ({
        type: 'RichTextBlock',
        spacing: 'None',
        inlines: [{ type: 'TextRun', text: keepIndent(l), fontType: 'Monospace', size: 'Small' }],
      })),
    },
  ];
}

/** "<at>" tags must match the entity's text exactly; angle brackets in a name would end the tag early. */
const atTag = (name: string): string => `<at>${name.replace(/</g, '‹').replace(/>/g, '›')}</at>`;

export const teams = defineChannel<TeamsConfig>({
  type: 'teams',
  label: 'Microsoft Teams',
  fields: [
    { name: 'url', label: 'Workflows webhook URL', secret: true, required: true, placeholder: 'https://prod-00.westus.logic.azure.com:443/workflows/…' },
  ],
  parseConfig: (input) => parseWith(schema, input),
  targetIdentity: (config) => urlIdentity('teams', config.url),
  urls: (config) => [config.url],

  buildRequest(alert: Alert, config: TeamsConfig, ctx: BuildContext): HttpRequest {
    const msg = describeForChannel(alert, ctx, 'teams', config.mentions);
    const body = fitBody((budget) => {
      const cut = (t: string) => truncate(t, budget);
      const items: unknown[] = [
        { type: 'TextBlock', text: cut(`${msg.emoji} ${msg.test ? '[Test] ' : ''}${msg.headline}`), weight: 'Bolder', size: 'Medium', wrap: true, color: TONE[msg.tone] },
      ];
      if (msg.test) items.push({ type: 'TextBlock', text: TEST_NOTE, isSubtle: true, wrap: true });
      items.push({ type: 'FactSet', facts: msg.facts.map((f) => ({ title: f.label, value: cut(factValue(f, 'markdown', msg)) })) });
      const group = groupLines(msg, 'markdown');
      if (group.length > 0) {
        items.push({ type: 'TextBlock', text: '**Also for this commit:**', wrap: true, spacing: 'Medium' });
        items.push({ type: 'TextBlock', text: cut(group.join('\n\n')), wrap: true });
      }
      items.push(...logTailItems(msg, budget));
      const entities: unknown[] = [];
      const mentioned = msg.people.filter((p) => p.handle);
      if (mentioned.length > 0) {
        // Mentions need an entity naming the user's Entra id or UPN (https://learn.microsoft.com/en-us/microsoftteams/platform/task-modules-and-cards/cards/cards-format#mention-support-within-adaptive-cards).
        const tags = mentioned.map((p) => atTag(p.name));
        items.push({ type: 'TextBlock', text: `cc ${tags.join(', ')}`, wrap: true, isSubtle: true });
        mentioned.forEach((p, i) => entities.push({ type: 'mention', text: tags[i], mentioned: { id: p.handle, name: p.name } }));
      }
      const card: Record<string, unknown> = {
        $schema: 'http://adaptivecards.io/schemas/adaptive-card.json',
        type: 'AdaptiveCard',
        version: '1.4',
        body: items,
        actions: msg.links.map((l) => ({ type: 'Action.OpenUrl', title: l.text, url: l.url })),
        msteams: entities.length > 0 ? { width: 'Full', entities } : { width: 'Full' },
      };
      return {
        type: 'message',
        summary: truncate(msg.title, 250),
        attachments: [{ contentType: 'application/vnd.microsoft.card.adaptive', contentUrl: null, content: card }],
      };
    }, MAX_BYTES, CARD_TEXT);
    return jsonRequest('POST', config.url, body);
  },

  classify(res: HttpResponse): DeliveryOutcome {
    // 404: the workflow was deleted or turned off; it will not come back by itself.
    if (res.status === 404) return { kind: 'disable', reason: `${describeStatus(res)} (workflow not found)` };
    return classifyHttp(res);
  },
});
