/**
 * Generic webhook: POSTs the alert as versioned JSON. With a `whsec_` secret the request is signed
 * per Standard Webhooks (https://www.standardwebhooks.com/, spec/standard-webhooks.md):
 * `webhook-id`, `webhook-timestamp` (seconds), `webhook-signature: v1,<base64 HMAC-SHA256>`.
 * 410 Gone disables the endpoint, as the spec asks.
 */
import { Webhook } from 'standardwebhooks';
import { z } from 'zod';
import type { Alert } from '../alerts/alert';
import type { DeliveryOutcome } from '../delivery/outcome';
import { classifyHttp } from '../delivery/http-status';
import type { HttpRequest, HttpResponse } from '../ports';
import type { BuildContext, Channel } from './channel';
import { endpointUrl, jsonRequest, parseWith, truncate, urlIdentity } from './channel-support';

export const WEBHOOK_PAYLOAD_VERSION = 1;

/** Commit messages beyond this are cut: receivers get the gist, queues and logs stay small. */
const MAX_COMMIT_MESSAGE = 65_536;

function isValidSecret(secret: string): boolean {
  if (!/^whsec_[A-Za-z0-9+/]+={0,2}$/.test(secret)) return false;
  try {
    new Webhook(secret);
    // The spec recommends 24 to 64 random bytes.
    return Buffer.from(secret.slice('whsec_'.length), 'base64').length >= 24;
  } catch {
    return false;
  }
}

const schema = z.object({
  url: endpointUrl(),
  secret: z.preprocess(
    (v) => (v === '' || v === null ? undefined : v),
    z.string().trim().refine(isValidSecret, { error: 'must be a Standard Webhooks secret: "whsec_" followed by base64 of at least 24 random bytes' }).optional(),
  ),
});
export type WebhookConfig = z.infer<typeof schema>;

/** The documented receiver contract (docs/channels.md): version 1. */
export function webhookPayload(alert: Alert, rule: string): Record<string, unknown> {
  const payload: Record<string, unknown> = {
    version: WEBHOOK_PAYLOAD_VERSION,
    id: alert.id,
    type: alert.type,
    occurredAt: alert.occurredAt,
    repository: alert.repository,
    ref: alert.ref,
  };
  if (alert.build) {
    const { commitMessage, ...build } = alert.build;
    payload.build = commitMessage == null ? alert.build : { ...build, commitMessage: truncate(commitMessage, MAX_COMMIT_MESSAGE) };
  }
  if (alert.deployment) payload.deployment = alert.deployment;
  if (alert.push) payload.push = alert.push;
  if (alert.pullRequest) payload.pullRequest = alert.pullRequest;
  payload.previous = alert.previous;
  if (alert.failures) payload.failures = alert.failures;
  if (alert.brokenForMs != null) payload.brokenForMs = alert.brokenForMs;
  payload.rule = rule;
  payload.incidentKey = alert.incidentKey;
  payload.links = alert.links;
  if (alert.group && alert.group.length > 0) payload.group = alert.group;
  if (alert.test) payload.test = true;
  return payload;
}

export const webhook: Channel<WebhookConfig> = {
  type: 'webhook',
  label: 'Webhook',
  secretFields: ['url', 'secret'],
  fields: [
    { name: 'url', label: 'Endpoint URL', secret: true, required: true, placeholder: 'https://example.com/hooks/build-alerts' },
    { name: 'secret', label: 'Signing secret (Standard Webhooks, optional)', secret: true, required: false, placeholder: 'whsec_…' },
  ],
  parseConfig: (input) => parseWith(schema, input),
  targetIdentity: (config) => urlIdentity('webhook', config.url),
  urls: (config) => [config.url],

  buildRequest(alert: Alert, config: WebhookConfig, ctx: BuildContext): HttpRequest {
    const request = jsonRequest('POST', config.url, webhookPayload(alert, ctx.rule));
    const timestamp = new Date(Math.floor(ctx.now / 1000) * 1000);
    // id and timestamp go out even unsigned: receivers use webhook-id to drop redeliveries.
    request.headers['webhook-id'] = ctx.idempotencyKey;
    request.headers['webhook-timestamp'] = String(Math.floor(ctx.now / 1000));
    if (config.secret) {
      request.headers['webhook-signature'] = new Webhook(config.secret).sign(ctx.idempotencyKey, timestamp, request.body!);
    }
    return request;
  },

  classify: (res: HttpResponse): DeliveryOutcome => classifyHttp(res),
};
