/**
 * The hosts the app's backend may call, exactly as manifest.yml declares them under
 * `permissions.external.fetch.backend` (test/forge/manifest.test.ts keeps the two in step).
 * Forge refuses undeclared hosts at run time with a 403
 * (https://developer.atlassian.com/platform/forge/manifest-reference/permissions/). The Forge adapter
 * feeds this list to `checkEgress`; the local runtime applies the same list (read from manifest.yml),
 * so a URL that would fail on Forge fails locally too.
 */

/** Fixed vendor endpoints, one line per channel type. Wildcards cover only subdomains, never the parent. */
export const CHANNEL_EGRESS_HOSTS = [
  'hooks.slack.com', // slack: incoming webhooks
  'slack.com', // slack: Web API for bot tokens (https://slack.com/api/chat.postMessage, chat.update, auth.test)
  '*.webhook.office.com', // teams: legacy Microsoft 365 connector URLs (still accepted until retired)
  '*.logic.azure.com', // teams: Workflows (Power Automate) URLs, e.g. prod-NN.<region>.logic.azure.com
  '*.environment.api.powerplatform.com', // teams: newer Workflows URLs on the Power Platform domain
  'chat.googleapis.com', // google-chat: space webhooks
  'discord.com', // discord: channel webhooks
  'events.pagerduty.com', // pagerduty: Events API v2 (US service region)
  'events.eu.pagerduty.com', // pagerduty: Events API v2 (EU service region)
  'api.opsgenie.com', // opsgenie: Alert API (US)
  'api.eu.opsgenie.com', // opsgenie: Alert API (EU)
  'api.atlassian.com', // jsm-ops: Jira Service Management operations integrations API
  'notify.alertops.com', // alertops: inbound API integration URLs
  'api.squadcast.com', // squadcast: incident webhook (US)
  'api.eu.squadcast.com', // squadcast: incident webhook (EU)
  '*.cloud.mattermost.com', // mattermost: Mattermost Cloud workspaces (self-hosted servers: declare their host)
] as const;

/**
 * What manifest.yml declares, in order. Generic webhooks and self-hosted Mattermost servers are not
 * covered by a wildcard: Forge flags a bare `*` ("Global URL usage", the manifest then fails to
 * validate) and customer-managed egress is still an EAP. A team declares its host and redeploys
 * (Forge) or lists it in BUILD_ALERTS_EGRESS_HOSTS (local runtime); the settings page names the
 * refused host and that step. docs/deploy.md records the choice.
 */
export const FORGE_EGRESS_HOSTS: readonly string[] = [...CHANNEL_EGRESS_HOSTS];
