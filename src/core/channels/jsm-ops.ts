/**
 * Jira Service Management Operations (Opsgenie's successor) integration events API: the same
 * alias-based create/close as Opsgenie under https://api.atlassian.com/jsm/ops/integration, with
 * the API key of an "API" integration (`Authorization: GenieKey <key>`). Closing by alias takes
 * `identifierType=alias` (https://jira.atlassian.com/browse/JSDCLOUD-14179). See alert-api.ts.
 *
 * The reference says of these endpoints "Forge and OAuth2 apps cannot access this REST resource"
 * (https://developer.atlassian.com/cloud/jira/service-desk-ops/rest/v1/api-group-integration-events/):
 * they authenticate only with an integration's API key, not with Forge's product fetch
 * (`requestJira`, `asApp`). The app therefore calls them as an external host (`api.atlassian.com` in
 * the manifest's egress list) with the GenieKey header; a refusal reads as `disable` with a reason
 * that says what to do (alert-api.ts `refusalReason`).
 */
import { z } from 'zod';
import { defineChannel } from './channel';
import { optionalEndpointUrl, parseWith, shortHash, stripTrailingSlash } from './channel-support';
import { alertApiClassifier, buildAlertApiRequest, PRIORITIES } from './alert-api';

export const JSM_OPS_BASE = 'https://api.atlassian.com/jsm/ops/integration';

const schema = z.object({
  apiKey: z.string({ error: 'required' }).trim().regex(/^[A-Za-z0-9-]{20,100}$/, { error: 'must be the API key of a JSM Operations API integration' }),
  priority: z.enum(PRIORITIES).default('P3'),
  url: optionalEndpointUrl(),
});
export type JsmOpsConfig = z.infer<typeof schema>;

const base = (config: JsmOpsConfig): string => stripTrailingSlash(config.url ?? JSM_OPS_BASE);

export const jsmOps = defineChannel<JsmOpsConfig>({
  type: 'jsm-ops',
  opensIncidents: true,
  label: 'Jira Service Management (Operations)',
  fields: [
    { name: 'apiKey', label: 'API integration key', secret: true, required: true, placeholder: 'xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx' },
    { name: 'priority', label: 'Priority', secret: false, required: false, options: [...PRIORITIES] },
    { name: 'url', label: 'API base override (optional)', secret: false, required: false, placeholder: JSM_OPS_BASE },
  ],
  parseConfig: (input) => parseWith(schema, input),
  targetIdentity: (config) => `jsm-ops:${new URL(base(config)).host}#${shortHash(config.apiKey)}`,
  urls: (config) => [`${base(config)}/v2/alerts`],
  buildRequest: (alert, config, ctx) => buildAlertApiRequest(alert, { base: base(config), apiKey: config.apiKey, priority: config.priority }, ctx),
  classify: alertApiClassifier('jsm-ops'),
});
