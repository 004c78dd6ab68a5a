/**
 * AlertOps inbound API integration (https://help.alertops.com/knowledge-base/custom-api-integration):
 * the integration URL carries the credential. The body has one fixed shape that serves both setups
 * (docs/channels.md):
 * - AlertOps's own Bitbucket integration template (https://docs.alertops.com/docs/en/bitbucket)
 *   reads a Bitbucket Cloud `repo:commit_status_*` webhook body: `commit_status.state` FAILED opens
 *   an alert, repeats append to it while open, SUCCESSFUL (or INPROGRESS) closes it. The
 *   `commit_status` object below has that shape, so that template needs no mapping.
 * - A generic API integration maps the flat fields once: `source_id` identifies the incident,
 *   `status` FAILED opens it and RECOVERED closes it.
 */
import { z } from 'zod';
import type { Alert } from '../alerts/alert';
import type { DeliveryOutcome } from '../delivery/outcome';
import { classifyHttp, describeStatus } from '../delivery/http-status';
import type { HttpRequest, HttpResponse } from '../ports';
import { defineChannel, type BuildContext } from './channel';
import { boundedKey, endpointUrl, incidentAction, jsonRequest, parseWith, truncate, urlIdentity } from './channel-support';
import { buildLabel, describeForChannel, plainDescription, type AlertMessage } from './message';

const SEVERITIES = ['Critical', 'High', 'Medium', 'Low'] as const;

const schema = z.object({ url: endpointUrl(), severity: z.enum(SEVERITIES).default('High') });
export type AlertOpsConfig = z.infer<typeof schema>;

/** AlertOps documents no field limits; these keep alerts readable on a phone and bodies small. */
const LIMITS = { sourceId: 255, subject: 255, shortText: 1_000, longText: 10_000 };

/**
 * The alert as Bitbucket Cloud's `commit_status` webhook object (the commit status of
 * https://developer.atlassian.com/cloud/bitbucket/rest/api-group-commit-statuses/, as captured
 * `repo:commit_status_created/updated` bodies carry it: type, key, state, name, description, url,
 * refname, commit, repository):
 * `key` is the incident key rather than Bitbucket's build key, so a template that identifies
 * alerts by key keeps failure and fix of one (repository, branch, build) together, and apart from
 * other repositories that use the same build key.
 */
function commitStatus(alert: Alert, action: 'open' | 'resolve', key: string, url: string, msg: AlertMessage): Record<string, unknown> {
  const hash = alert.build?.commit ?? alert.deployment?.commit ?? null;
  const commit: Record<string, unknown> = { type: 'commit', hash };
  const message = alert.build?.commitMessage ? truncate(alert.build.commitMessage, LIMITS.shortText) : null;
  if (message) commit.message = message;
  if (alert.links.commit) commit.links = { html: { href: alert.links.commit } };
  const repository: Record<string, unknown> = {
    type: 'repository',
    full_name: msg.repository,
    name: alert.repository.slug ?? msg.repository,
  };
  if (alert.repository.uuid) repository.uuid = alert.repository.uuid;
  if (msg.repositoryUrl) repository.links = { html: { href: msg.repositoryUrl } };
  return {
    type: 'build',
    key,
    state: action === 'open' ? 'FAILED' : 'SUCCESSFUL',
    name: truncate(alert.build ? buildLabel(alert.build) : `Deployment to ${alert.deployment?.environment ?? 'an environment'}`, LIMITS.subject),
    description: truncate(`${msg.headline} (${msg.repository})`, LIMITS.shortText),
    url,
    refname: alert.ref,
    commit,
    repository,
  };
}

export const alertops = defineChannel<AlertOpsConfig>({
  type: 'alertops',
  opensIncidents: true,
  label: 'AlertOps',
  fields: [
    { name: 'url', label: 'Inbound integration URL', secret: true, required: true, placeholder: 'https://notify.alertops.com/POSTAlert/…/BuildAlerts' },
    { name: 'severity', label: 'Severity', secret: false, required: false, options: [...SEVERITIES] },
  ],
  parseConfig: (input) => parseWith(schema, input),
  targetIdentity: (config) => urlIdentity('alertops', config.url),
  urls: (config) => [config.url],

  buildRequest(alert: Alert, config: AlertOpsConfig, ctx?: BuildContext): HttpRequest | null {
    const action = incidentAction(alert.type);
    if (!action) return null;
    // long_text carries the log tail (plainDescription puts it last).
    const msg = describeForChannel(alert, ctx);
    const sourceId = boundedKey(alert.incidentKey, LIMITS.sourceId);
    const url = msg.links[0]?.url ?? msg.repositoryUrl ?? '';
    return jsonRequest('POST', config.url, {
      source_id: sourceId,
      status: action === 'open' ? 'FAILED' : 'RECOVERED',
      subject: truncate(msg.title, LIMITS.subject),
      severity: msg.test ? 'Low' : config.severity,
      url,
      short_text: truncate(`${msg.headline} (${msg.repository})`, LIMITS.shortText),
      long_text: truncate(plainDescription(msg), LIMITS.longText),
      commit_status: commitStatus(alert, action, sourceId, url, msg),
    });
  },

  classify(res: HttpResponse): DeliveryOutcome {
    // 401/403/404: the integration was deleted or its key changed.
    if (res.status === 401 || res.status === 403 || res.status === 404) return { kind: 'disable', reason: describeStatus(res) };
    return classifyHttp(res);
  },
});
