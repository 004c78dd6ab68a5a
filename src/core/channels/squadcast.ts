/**
 * Squadcast incoming webhook (https://developers.squadcast.com/incoming-webhooks/payload-format/):
 * the URL carries the credential; `status: trigger|resolve` with a stable `event_id` = incidentKey
 * opens and resolves one incident. `message` and `description` are mandatory to trigger.
 *
 * `event_id` does not deduplicate triggers: every trigger opens an incident, and a resolve closes
 * all open incidents that share the event_id ("each incident requires a unique Event ID",
 * https://support.squadcast.com/integrations/incident-webhook-incident-webhook-api; grouping repeats
 * is the job of the service's deduplication rules,
 * https://support.squadcast.com/services/alert-deduplication-rules/key-based-deduplication). So only
 * the first failure of a streak triggers; still-failing builds, reminders and repeated failed
 * deployments are not sent (buildRequest returns null: the delivery log shows them as skipped).
 */
import { z } from 'zod';
import type { Alert } from '../alerts/alert';
import type { DeliveryOutcome } from '../delivery/outcome';
import { classifyHttp, describeStatus } from '../delivery/http-status';
import type { HttpRequest, HttpResponse } from '../ports';
import { defineChannel, type BuildContext } from './channel';
import { boundedKey, continuesStreak, endpointUrl, fitBody, incidentAction, jsonRequest, parseWith, truncate, urlIdentity } from './channel-support';
import { describeForChannel, plainDescription } from './message';

const schema = z.object({ url: endpointUrl() });
export type SquadcastConfig = z.infer<typeof schema>;

/** Payloads over 30 KB are refused with 413 (same page as above). */
const MAX_BYTES = 29_000;
const LIMITS = { message: 255, description: 20_000, tag: 200, eventId: 255 };

export const squadcast = defineChannel<SquadcastConfig>({
  type: 'squadcast',
  opensIncidents: true,
  label: 'Squadcast',
  fields: [
    { name: 'url', label: 'Incident webhook URL', secret: true, required: true, placeholder: 'https://api.squadcast.com/v2/incidents/api/…' },
  ],
  parseConfig: (input) => parseWith(schema, input),
  targetIdentity: (config) => urlIdentity('squadcast', config.url),
  urls: (config) => [config.url],

  buildRequest(alert: Alert, config: SquadcastConfig, ctx?: BuildContext): HttpRequest | null {
    const action = incidentAction(alert.type);
    if (!action) return null;
    if (action === 'open' && continuesStreak(alert)) return null;
    // The description carries the log tail (plainDescription puts it last).
    const msg = describeForChannel(alert, ctx);
    const description = plainDescription(msg);
    const body = fitBody((budget) => {
      const tags: Record<string, string> = { repository: truncate(msg.repository, LIMITS.tag), alert_type: alert.type };
      if (alert.ref) tags.branch = truncate(alert.ref, LIMITS.tag);
      if (alert.build?.name) tags.build = truncate(alert.build.name, LIMITS.tag);
      if (msg.test) tags.test = 'true';
      return {
        message: truncate(msg.title, LIMITS.message),
        description: truncate(description, budget),
        tags,
        status: action === 'open' ? 'trigger' : 'resolve',
        event_id: boundedKey(alert.incidentKey, LIMITS.eventId),
      };
    }, MAX_BYTES, LIMITS.description);
    return jsonRequest('POST', config.url, body);
  },

  classify(res: HttpResponse): DeliveryOutcome {
    if (res.status === 401 || res.status === 403 || res.status === 404) return { kind: 'disable', reason: describeStatus(res) };
    return classifyHttp(res);
  },
});
