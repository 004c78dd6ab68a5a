/**
 * PagerDuty Events API v2 (https://developer.pagerduty.com/docs/events-api-v2/trigger-events/):
 * trigger on failure, resolve on fix, one incident per `dedup_key` = incidentKey.
 */
import { z } from 'zod';
import type { Alert } from '../alerts/alert';
import type { DeliveryOutcome } from '../delivery/outcome';
import { classifyHttp, parseJsonObject } from '../delivery/http-status';
import type { HttpRequest, HttpResponse } from '../ports';
import { defineChannel, type BuildContext } from './channel';
import {
  boundedKey, incidentAction, jsonRequest, optionalEndpointUrl, parseWith, shortHash, truncate,
} from './channel-support';
import { describeForChannel, plainDescription } from './message';

export const PAGERDUTY_EVENTS_URL = 'https://events.pagerduty.com/v2/enqueue';

const schema = z.object({
  routingKey: z.string({ error: 'required' }).trim().regex(/^[A-Za-z0-9]{32}$/, {
    error: 'must be the 32-character integration (routing) key of an Events API v2 integration',
  }),
  severity: z.enum(['critical', 'error', 'warning', 'info']).default('error'),
  url: optionalEndpointUrl(),
});
export type PagerDutyConfig = z.infer<typeof schema>;

/** summary ≤ 1024, source ≤ 255, dedup_key ≤ 255 (https://developer.pagerduty.com/docs/events-api-v2/trigger-events/). */
const LIMITS = { summary: 1_024, source: 255, dedupKey: 255, component: 255, detailsText: 8_000 };

const endpoint = (config: PagerDutyConfig): string => config.url ?? PAGERDUTY_EVENTS_URL;

export const pagerduty = defineChannel<PagerDutyConfig>({
  type: 'pagerduty',
  opensIncidents: true,
  label: 'PagerDuty',
  fields: [
    { name: 'routingKey', label: 'Integration key (Events API v2)', secret: true, required: true, placeholder: '32-character routing key' },
    { name: 'severity', label: 'Severity', secret: false, required: false, options: ['critical', 'error', 'warning', 'info'] },
    { name: 'url', label: 'Events endpoint override (optional)', secret: false, required: false, placeholder: PAGERDUTY_EVENTS_URL },
  ],
  parseConfig: (input) => parseWith(schema, input),
  targetIdentity: (config) => `pagerduty:${new URL(endpoint(config)).host}#${shortHash(config.routingKey)}`,
  urls: (config) => [endpoint(config)],

  buildRequest(alert: Alert, config: PagerDutyConfig, ctx?: BuildContext): HttpRequest | null {
    const action = incidentAction(alert.type);
    if (!action) return null;
    const dedupKey = boundedKey(alert.incidentKey, LIMITS.dedupKey);
    if (action === 'resolve') {
      return jsonRequest('POST', endpoint(config), { routing_key: config.routingKey, event_action: 'resolve', dedup_key: dedupKey });
    }
    const msg = describeForChannel(alert, ctx);
    const details: Record<string, string> = {};
    for (const f of msg.facts) details[f.label.toLowerCase().replace(/\s+/g, '_')] = f.url ? `${f.value} (${f.url})` : f.value;
    if (msg.group.length > 0) details.also_for_this_commit = msg.group.map((g) => g.text).join('; ');
    details.description = truncate(plainDescription(msg, { logTail: false }), LIMITS.detailsText);
    // Its own key, so the incident page shows it as a block; at most 2 KB (core/log-tail.ts).
    if (msg.logTail) details.log_tail = msg.logTail.lines.join('\n');
    const body: Record<string, unknown> = {
      routing_key: config.routingKey,
      event_action: 'trigger',
      dedup_key: dedupKey,
      payload: {
        summary: truncate(msg.title, LIMITS.summary),
        source: truncate(msg.repository, LIMITS.source),
        severity: msg.test ? 'info' : config.severity,
        timestamp: alert.occurredAt,
        component: truncate(alert.build?.name ?? alert.deployment?.environment ?? msg.repository, LIMITS.component),
        group: truncate(alert.ref ?? msg.repository, LIMITS.component),
        class: alert.type,
        custom_details: details,
      },
      links: msg.links.map((l) => ({ href: l.url, text: l.text })),
      client: 'Build Alerts for Bitbucket',
    };
    if (msg.links[0]) body.client_url = msg.links[0].url;
    return jsonRequest('POST', endpoint(config), body);
  },

  /** 202 accepted; 400 invalid event (not worth retrying); 429 throttled and 5xx retried (generic table). */
  classify(res: HttpResponse): DeliveryOutcome {
    const outcome = classifyHttp(res);
    if (res.status === 400 && outcome.kind === 'failed') {
      const json = parseJsonObject(res.body);
      const errors = Array.isArray(json?.errors) ? json.errors.filter((e): e is string => typeof e === 'string') : [];
      if (errors.length > 0) return { kind: 'failed', reason: truncate(`HTTP 400: ${errors.join('; ')}`, 300) };
    }
    return outcome;
  },
});
