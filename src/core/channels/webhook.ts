/**
 * Generic webhook: POSTs the alert as versioned JSON. With a `whsec_` secret the request is signed
 * per Standard Webhooks (https://www.standardwebhooks.com/,
 * https://github.com/standard-webhooks/standard-webhooks/blob/main/spec/standard-webhooks.md):
 * `webhook-id`, `webhook-timestamp` (seconds), `webhook-signature: v1,<base64 HMAC-SHA256>`.
 * The signed content is `{id}.{timestamp}.{body}`, so ids use only [A-Za-z0-9_-] (no "."), and
 * payloads stay under the spec's recommended 20 kB. 410 Gone disables the endpoint, as the spec asks.
 */
import { Webhook } from 'standardwebhooks';
import { z } from 'zod';
import type { Alert } from '../alerts/alert';
import type { DeliveryOutcome } from '../delivery/outcome';
import { classifyHttp } from '../delivery/http-status';
import type { HttpRequest, HttpResponse } from '../ports';
import { defineChannel, type BuildContext } from './channel';
import { byteLength, endpointUrl, jsonRequest, parseWith, shortHash, truncate, urlIdentity } from './channel-support';

export const WEBHOOK_PAYLOAD_VERSION = 1;

/** "Keep payloads smaller than 20kb (RECOMMENDED)" (Standard Webhooks spec, payload structure). */
export const MAX_PAYLOAD_BYTES = 20_000;
const MAX_WEBHOOK_ID = 128;

/**
 * `webhook-id` from the delivery's idempotency key, stable across retries: characters outside
 * [A-Za-z0-9_-] become "_" and a hash of the original key is appended, so two keys that differ
 * only in such characters still get different ids.
 */
export function webhookId(idempotencyKey: string): string {
  if (/^[A-Za-z0-9_-]+$/.test(idempotencyKey) && idempotencyKey.length <= MAX_WEBHOOK_ID) return idempotencyKey;
  const hash = shortHash(idempotencyKey, 16);
  const safe = idempotencyKey.replace(/[^A-Za-z0-9_-]/g, '_').slice(0, MAX_WEBHOOK_ID - hash.length - 1);
  return `${safe}_${hash}`;
}

/** How hard a payload is trimmed: each level is tried in turn until the body fits. */
interface TrimLevel {
  /** Commit messages (the alert's and grouped builds'). */
  commitMessage: number;
  /** Other free text: build names and descriptions, failed step, PR title, author names. */
  text: number;
  /** Grouped builds kept (the rest are counted in `groupOmitted`). */
  group: number;
  /** Every other string, identifiers included: the last resort for pathological input. */
  any: number;
}
const UNLIMITED = Number.MAX_SAFE_INTEGER;
const TRIM_LEVELS: TrimLevel[] = [
  { commitMessage: UNLIMITED, text: UNLIMITED, group: UNLIMITED, any: UNLIMITED },
  ...[8_192, 2_048, 512, 128].map((n) => ({ commitMessage: n, text: UNLIMITED, group: UNLIMITED, any: UNLIMITED })),
  ...[1_000, 300, 100].map((n) => ({ commitMessage: 128, text: n, group: UNLIMITED, any: UNLIMITED })),
  ...[20, 5, 0].map((n) => ({ commitMessage: 128, text: 100, group: n, any: UNLIMITED })),
  ...[1_000, 200].map((n) => ({ commitMessage: 64, text: 64, group: 0, any: n })),
];
const FREE_TEXT_KEYS = new Set(['name', 'description', 'failedStep', 'title']);

/** `inChanges`: push changes' `name` is a ref name, an identifier, not free text. */
function trimStrings(value: unknown, level: TrimLevel, key = '', inChanges = false): unknown {
  if (typeof value === 'string') {
    if (key === 'commitMessage') return truncate(value, Math.min(level.commitMessage, level.any));
    if (FREE_TEXT_KEYS.has(key) && !inChanges) return truncate(value, Math.min(level.text, level.any));
    return level.any === UNLIMITED ? value : truncate(value, level.any);
  }
  if (Array.isArray(value)) return value.map((v) => trimStrings(v, level, '', inChanges || key === 'changes'));
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, trimStrings(v, level, k, inChanges)]));
  }
  return value;
}

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

/** The documented receiver contract (docs/channels.md): version 1. `logTail: false` is the rule's option. */
export function webhookPayload(alert: Alert, rule: string, options: { logTail?: boolean } = {}): Record<string, unknown> {
  const payload: Record<string, unknown> = {
    version: WEBHOOK_PAYLOAD_VERSION,
    id: alert.id,
    type: alert.type,
    occurredAt: alert.occurredAt,
    repository: alert.repository,
    ref: alert.ref,
  };
  if (alert.build) payload.build = alert.build;
  if (alert.deployment) payload.deployment = alert.deployment;
  if (alert.push) payload.push = alert.push;
  if (alert.pullRequest) payload.pullRequest = alert.pullRequest;
  payload.previous = alert.previous;
  if (alert.failures) payload.failures = alert.failures;
  if (alert.brokenForMs != null) payload.brokenForMs = alert.brokenForMs;
  if (alert.failedStepDurationSeconds != null) payload.failedStepDurationSeconds = alert.failedStepDurationSeconds;
  if (alert.logTail && alert.logTail.lines.length > 0 && options.logTail !== false) payload.logTail = alert.logTail;
  if (alert.triggeredBy) payload.triggeredBy = alert.triggeredBy;
  payload.rule = rule;
  payload.incidentKey = alert.incidentKey;
  payload.links = alert.links;
  if (alert.group && alert.group.length > 0) payload.group = alert.group;
  if (alert.test) payload.test = true;
  return fitPayload(payload);
}

/**
 * The payload within MAX_PAYLOAD_BYTES: free text is cut first (commit messages, then names and
 * titles), then grouped builds are dropped (`groupOmitted` counts them), and only then anything
 * else. A trimmed payload says so with `truncated: true`; receivers can read the rest from Bitbucket.
 */
function fitPayload(payload: Record<string, unknown>): Record<string, unknown> {
  if (byteLength(JSON.stringify(payload)) <= MAX_PAYLOAD_BYTES) return payload;
  let candidate = payload;
  for (const level of TRIM_LEVELS.slice(1)) {
    const { group, ...rest } = payload;
    candidate = trimStrings(rest, level) as Record<string, unknown>;
    if (Array.isArray(group)) {
      const kept = group.slice(0, level.group);
      if (kept.length > 0) candidate.group = trimStrings(kept, level);
      if (kept.length < group.length) candidate.groupOmitted = group.length - kept.length;
    }
    candidate.truncated = true;
    if (byteLength(JSON.stringify(candidate)) <= MAX_PAYLOAD_BYTES) break;
  }
  return candidate;
}

export const webhook = defineChannel<WebhookConfig>({
  type: 'webhook',
  label: 'Webhook',
  fields: [
    { name: 'url', label: 'Endpoint URL', secret: true, required: true, placeholder: 'https://example.com/hooks/build-alerts' },
    { name: 'secret', label: 'Signing secret (Standard Webhooks, optional)', secret: true, required: false, placeholder: 'whsec_…' },
  ],
  parseConfig: (input) => parseWith(schema, input),
  targetIdentity: (config) => urlIdentity('webhook', config.url),
  urls: (config) => [config.url],

  buildRequest(alert: Alert, config: WebhookConfig, ctx: BuildContext): HttpRequest {
    const request = jsonRequest('POST', config.url, webhookPayload(alert, ctx.rule, ctx.logTail === false ? { logTail: false } : {}));
    const timestamp = new Date(Math.floor(ctx.now / 1000) * 1000);
    // id and timestamp go out even unsigned: receivers use webhook-id to drop redeliveries.
    const id = webhookId(ctx.idempotencyKey);
    request.headers['webhook-id'] = id;
    request.headers['webhook-timestamp'] = String(Math.floor(ctx.now / 1000));
    if (config.secret) {
      request.headers['webhook-signature'] = new Webhook(config.secret).sign(id, timestamp, request.body!);
    }
    return request;
  },

  classify: (res: HttpResponse): DeliveryOutcome => classifyHttp(res),
});
