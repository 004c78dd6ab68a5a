/** Opsgenie Alert API: alias = incidentKey, closed by alias on the fix. See alert-api.ts. */
import { z } from 'zod';
import { defineChannel } from './channel';
import { optionalEndpointUrl, parseWith, shortHash, stripTrailingSlash } from './channel-support';
import { buildAlertApiRequest, classifyAlertApi, PRIORITIES } from './alert-api';

/** https://docs.opsgenie.com/docs/european-service-region */
const REGION_BASE = { us: 'https://api.opsgenie.com', eu: 'https://api.eu.opsgenie.com' } as const;

const schema = z.object({
  apiKey: z.string({ error: 'required' }).trim().regex(/^[A-Za-z0-9-]{20,100}$/, { error: 'must be the API key of an Opsgenie API integration' }),
  region: z.enum(['us', 'eu']).default('us'),
  priority: z.enum(PRIORITIES).default('P3'),
  url: optionalEndpointUrl(),
});
export type OpsgenieConfig = z.infer<typeof schema>;

const base = (config: OpsgenieConfig): string => stripTrailingSlash(config.url ?? REGION_BASE[config.region]);

export const opsgenie = defineChannel<OpsgenieConfig>({
  type: 'opsgenie',
  opensIncidents: true,
  label: 'Opsgenie',
  fields: [
    { name: 'apiKey', label: 'API integration key', secret: true, required: true, placeholder: 'xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx' },
    { name: 'region', label: 'Region', secret: false, required: false, options: ['us', 'eu'] },
    { name: 'priority', label: 'Priority', secret: false, required: false, options: [...PRIORITIES] },
    { name: 'url', label: 'API base override (optional)', secret: false, required: false, placeholder: REGION_BASE.us },
  ],
  parseConfig: (input) => parseWith(schema, input),
  targetIdentity: (config) => `opsgenie:${new URL(base(config)).host}#${shortHash(config.apiKey)}`,
  urls: (config) => [`${base(config)}/v2/alerts`],
  buildRequest: (alert, config, ctx) => buildAlertApiRequest(alert, { base: base(config), apiKey: config.apiKey, priority: config.priority }, ctx),
  classify: classifyAlertApi,
});
