/**
 * AlertOps inbound API integration (https://help.alertops.com/knowledge-base/custom-api-integration):
 * the integration URL carries the credential. The body has one fixed shape; the customer maps its
 * fields once in AlertOps (docs/channels.md lists the mapping): `source_id` identifies the
 * incident, `status` FAILED opens it and RECOVERED closes it.
 */
import { z } from 'zod';
import type { Alert } from '../alerts/alert';
import type { DeliveryOutcome } from '../delivery/outcome';
import { classifyHttp, describeStatus } from '../delivery/http-status';
import type { HttpRequest, HttpResponse } from '../ports';
import type { Channel } from './channel';
import { boundedKey, endpointUrl, incidentAction, jsonRequest, parseWith, truncate, urlIdentity } from './channel-support';
import { describeAlert, plainDescription } from './message';

const SEVERITIES = ['Critical', 'High', 'Medium', 'Low'] as const;

const schema = z.object({ url: endpointUrl(), severity: z.enum(SEVERITIES).default('High') });
export type AlertOpsConfig = z.infer<typeof schema>;

/** AlertOps documents no field limits; these keep alerts readable on a phone and bodies small. */
const LIMITS = { sourceId: 255, subject: 255, shortText: 1_000, longText: 10_000 };

export const alertops: Channel<AlertOpsConfig> = {
  type: 'alertops',
  label: 'AlertOps',
  secretFields: ['url'],
  fields: [
    { name: 'url', label: 'Inbound integration URL', secret: true, required: true, placeholder: 'https://notify.alertops.com/POSTAlert/…/BuildAlerts' },
    { name: 'severity', label: 'Severity', secret: false, required: false, options: [...SEVERITIES] },
  ],
  parseConfig: (input) => parseWith(schema, input),
  targetIdentity: (config) => urlIdentity('alertops', config.url),
  urls: (config) => [config.url],

  buildRequest(alert: Alert, config: AlertOpsConfig): HttpRequest | null {
    const action = incidentAction(alert.type);
    if (!action) return null;
    const msg = describeAlert(alert);
    return jsonRequest('POST', config.url, {
      source_id: boundedKey(alert.incidentKey, LIMITS.sourceId),
      status: action === 'open' ? 'FAILED' : 'RECOVERED',
      subject: truncate(msg.title, LIMITS.subject),
      severity: msg.test ? 'Low' : config.severity,
      url: msg.links[0]?.url ?? msg.repositoryUrl ?? '',
      short_text: truncate(`${msg.headline} (${msg.repository})`, LIMITS.shortText),
      long_text: truncate(plainDescription(msg), LIMITS.longText),
    });
  },

  classify(res: HttpResponse): DeliveryOutcome {
    // 401/403/404: the integration was deleted or its key changed.
    if (res.status === 401 || res.status === 403 || res.status === 404) return { kind: 'disable', reason: describeStatus(res) };
    return classifyHttp(res);
  },
};
