/**
 * The Opsgenie Alert API and its successor, Jira Service Management Operations' integration events
 * API, share one contract: create with an `alias`, close by alias, `Authorization: GenieKey <key>`.
 * https://docs.opsgenie.com/docs/alert-api#create-alert
 * https://developer.atlassian.com/cloud/jira/service-desk-ops/rest/v1/api-group-integration-events/
 */
import type { Alert } from '../alerts/alert';
import type { DeliveryOutcome } from '../delivery/outcome';
import { classifyHttp, describeStatus } from '../delivery/http-status';
import type { HttpRequest, HttpResponse } from '../ports';
import { boundedKey, incidentAction, jsonRequest, stripTrailingSlash, truncate } from './channel-support';
import type { BuildContext } from './channel';
import { describeForChannel, plainDescription } from './message';

/** message ≤ 130, alias ≤ 512, description ≤ 15000, source ≤ 100, entity ≤ 512, note ≤ 25000, tag ≤ 50, details ≤ 8000 in all. */
export const ALERT_API_LIMITS = { message: 130, alias: 512, description: 15_000, source: 100, entity: 512, note: 25_000, tag: 50, detailValue: 500 };

export const PRIORITIES = ['P1', 'P2', 'P3', 'P4', 'P5'] as const;
export const SOURCE = 'Build Alerts for Bitbucket';

export interface AlertApiTarget {
  /** Base URL without trailing slash; requests go to `${base}/v2/alerts`. */
  base: string;
  apiKey: string;
  priority: (typeof PRIORITIES)[number];
}

export function buildAlertApiRequest(alert: Alert, target: AlertApiTarget, ctx?: BuildContext): HttpRequest | null {
  const action = incidentAction(alert.type);
  if (!action) return null;
  const base = stripTrailingSlash(target.base);
  const alias = boundedKey(alert.incidentKey, ALERT_API_LIMITS.alias);
  const headers = { authorization: `GenieKey ${target.apiKey}` };
  // The log tail goes in the description (up to 15,000 characters); details values are kept short.
  const msg = describeForChannel(alert, ctx);
  if (action === 'resolve') {
    const url = `${base}/v2/alerts/${encodeURIComponent(alias)}/close?identifierType=alias`;
    return jsonRequest('POST', url, { source: SOURCE, note: truncate(plainDescription(msg), ALERT_API_LIMITS.note) }, headers);
  }
  const details: Record<string, string> = {};
  for (const f of msg.facts) details[f.label] = truncate(f.value, ALERT_API_LIMITS.detailValue);
  const tags = ['bitbucket', alert.type, ...(msg.test ? ['test'] : [])].map((t) => truncate(t, ALERT_API_LIMITS.tag));
  return jsonRequest('POST', `${base}/v2/alerts`, {
    message: truncate(msg.title, ALERT_API_LIMITS.message),
    alias,
    description: truncate(plainDescription(msg), ALERT_API_LIMITS.description),
    source: SOURCE,
    entity: truncate(msg.repository, ALERT_API_LIMITS.entity),
    tags,
    details,
    priority: msg.test ? 'P5' : target.priority,
  }, headers);
}

/**
 * 202 accepted (processing is asynchronous). A revoked or disabled key (401, 403) will not heal by
 * itself: disable and tell a person what to check. 422 is a payload problem: failed. 429 and 5xx: retry.
 *
 * A close is accepted with 202 whether or not an alert with that alias is open: the answer to
 * "was anything open?" comes only later, from the request status ("Alert does not exist",
 * https://docs.opsgenie.com/docs/alert-api#get-request-status). So a close of nothing reads as
 * delivered, like any close; nothing here pretends to know more.
 */
export function alertApiClassifier(vendor: 'opsgenie' | 'jsm-ops'): (res: HttpResponse) => DeliveryOutcome {
  return (res) => {
    if (res.status === 401 || res.status === 403) return { kind: 'disable', reason: refusalReason(vendor, res) };
    return classifyHttp(res);
  };
}

/** Opsgenie's classification (kept under its old name). */
export const classifyAlertApi = alertApiClassifier('opsgenie');

/**
 * What a 401/403 means and what to do about it. Opsgenie answers a key of another integration type
 * with 403 code 40301 "To perform this action, use an API key from an API integration."
 * JSM's integration events API "Forge and OAuth2 apps cannot access this REST resource"
 * (https://developer.atlassian.com/cloud/jira/service-desk-ops/rest/v1/api-group-integration-events/):
 * it takes only an integration's `GenieKey`, never Forge's product authentication. The app sends
 * that key over a plain egress fetch, so a refusal that names Forge or OAuth means the platform,
 * not the key, was refused: no new key can help.
 */
function refusalReason(vendor: 'opsgenie' | 'jsm-ops', res: HttpResponse): string {
  const status = describeStatus(res);
  if (vendor === 'jsm-ops' && /\bforge\b|oauth/i.test(res.body)) {
    return `JSM refused the call because it came from a Forge app (${status}): its integration events API does not accept Forge or OAuth 2.0 callers. Run this channel from the app's local runtime, or send through a relay you own (API base override); a new key will not help`;
  }
  const wrongType = /40301|API key from an API integration/i.test(res.body);
  if (vendor === 'jsm-ops') {
    return `JSM refused the integration key (${status}): ${wrongType ? 'it is not the key of an API integration. ' : ''}check it is the API key of an "API" integration in JSM Operations (not a Jira API token or another integration's key), that the integration is turned on and may create and close alerts, then save the key again`;
  }
  return `Opsgenie refused the API key (${status}): ${wrongType ? 'it is not the key of an API integration. ' : ''}check it is the API key of an "API" integration (revoked keys and disabled integrations are refused), that the integration may create and close alerts and that the region (us/eu) is the account's, then save the key again`;
}
