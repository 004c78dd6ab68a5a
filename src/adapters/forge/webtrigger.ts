/**
 * `webtrigger` module: Bitbucket webhooks (Data Center, Cloud repository webhooks, Post Webhooks).
 * Dynamic responses use the web trigger response format `{ statusCode, headers: { name: [values] }, body }`
 * (https://developer.atlassian.com/platform/forge/manifest-reference/modules/web-trigger/).
 * Internal errors become a bare 500: no stack, no message, nothing a caller could learn from.
 */
import type { WebTriggerResponse } from '@forge/api';
import type { Logger } from '../../core/ports';
import { appForInvocation, type AppProvider } from './app-instance';
import { installationOf } from './invocation';
import { logFor } from './hosting';
import { createConsoleLogger } from './logger';

export interface WebTriggerEvent {
  method?: string;
  body?: string;
  headers?: Record<string, string[] | string | undefined>;
}

const JSON_HEADERS = { 'Content-Type': ['application/json'] };

const respond = (statusCode: number, body: Record<string, unknown>, extra: Record<string, string[]> = {}): WebTriggerResponse => ({
  statusCode,
  headers: { ...JSON_HEADERS, ...extra },
  body: JSON.stringify(body),
});

/** Forge hands headers as `name → [values]`; the App reads lower-case names like Node does. */
function normalizeHeaders(raw: WebTriggerEvent['headers']): Record<string, string | string[] | undefined> {
  const out: Record<string, string | string[] | undefined> = {};
  for (const [name, value] of Object.entries(raw ?? {})) {
    const key = name.toLowerCase();
    out[key] = Array.isArray(value) ? (value.length === 1 ? value[0] : value) : value;
  }
  return out;
}

export function makeWebTriggerHandler(getApp: AppProvider, ownLog: Logger = createConsoleLogger({ base: { handler: 'webtrigger' } })) {
  return async function onWebhook(request: WebTriggerEvent, context?: unknown): Promise<WebTriggerResponse> {
    const log = logFor(context, ownLog, { handler: 'webtrigger' });
    const method = (request?.method ?? 'POST').toUpperCase();
    if (method !== 'POST') return respond(405, { error: 'method not allowed; Bitbucket webhooks use POST' }, { Allow: ['POST'] });
    try {
      const result = await getApp(installationOf(context), context).ingestWebhook({
        headers: normalizeHeaders(request.headers),
        // Forge delivers the body as a string; UTF-8 re-encoding gives back the bytes Bitbucket signed.
        rawBody: Buffer.from(request.body ?? '', 'utf8'),
      });
      return respond(result.status, result.body);
    } catch (err) {
      log.error({ err }, 'webhook handling failed');
      return respond(500, { error: 'internal error' });
    }
  };
}

export const handler = makeWebTriggerHandler(appForInvocation);
