/**
 * Generic classification of a vendor's HTTP answer. Channels start from `classifyHttp` and add their
 * vendor cases (Slack error bodies, Discord error codes...). Retry codes follow alertmanager's
 * notify/util.go and RFC 9110: 408, 425, 429 and 5xx are worth another try; 410 Gone means the
 * endpoint was removed on purpose (Standard Webhooks: "disable the endpoint").
 */
import type { HttpResponse } from '../ports';
import type { DeliveryOutcome } from './outcome';

const RETRY_STATUSES = new Set([408, 425, 429]);

/** Header lookup ignoring case (HTTP clients differ in how they pass names). */
export function headerValue(headers: Readonly<Record<string, string>>, name: string): string | undefined {
  const wanted = name.toLowerCase();
  for (const [key, value] of Object.entries(headers)) {
    if (key.toLowerCase() === wanted) return value;
  }
  return undefined;
}

/**
 * Retry-After is either delay-seconds or an HTTP-date (RFC 9110 §10.2.3). A date is measured from
 * `referenceMs` when given, else from the response's own Date header (keeps this pure); without
 * either a date cannot be turned into a delay and yields undefined.
 */
export function parseRetryAfter(headers: Readonly<Record<string, string>>, referenceMs?: number): number | undefined {
  const raw = headerValue(headers, 'retry-after')?.trim();
  if (!raw) return undefined;
  if (/^\d+(\.\d+)?$/.test(raw)) return Math.round(Number(raw) * 1000);
  const at = Date.parse(raw);
  if (Number.isNaN(at)) return undefined;
  const dateHeader = headerValue(headers, 'date');
  const reference = referenceMs ?? (dateHeader ? Date.parse(dateHeader) : Number.NaN);
  if (Number.isNaN(reference)) return undefined;
  return Math.max(0, at - reference);
}

/**
 * A short, safe excerpt of a vendor's answer for a reason string: one line, at most 120 chars, with
 * URLs and long token-like runs removed (a vendor could echo the webhook URL or key we sent).
 */
export function bodySnippet(body: string, max = 120): string {
  const oneLine = body
    .replace(/https?:\/\/\S+/gi, '<url>')
    .replace(/[A-Za-z0-9_\-+/=]{24,}/g, '…')
    .replace(/\s+/g, ' ')
    .trim();
  return oneLine.length > max ? oneLine.slice(0, max - 1) + '…' : oneLine;
}

export function describeStatus(res: HttpResponse): string {
  const snippet = bodySnippet(res.body);
  return snippet ? `HTTP ${res.status}: ${snippet}` : `HTTP ${res.status}`;
}

export function isSuccess(status: number): boolean {
  return status >= 200 && status < 300;
}

/** The generic table. `referenceMs` (the caller's clock) lets HTTP-date Retry-After values resolve without a Date header. */
export function classifyHttp(res: HttpResponse, referenceMs?: number): DeliveryOutcome {
  const { status } = res;
  if (isSuccess(status)) return { kind: 'delivered' };
  if (RETRY_STATUSES.has(status) || status >= 500) {
    const afterMs = parseRetryAfter(res.headers, referenceMs);
    return afterMs === undefined
      ? { kind: 'retry', reason: describeStatus(res) }
      : { kind: 'retry', reason: describeStatus(res), afterMs };
  }
  if (status === 410) return { kind: 'disable', reason: `${describeStatus(res)} (endpoint gone)` };
  // 1xx/3xx: our HTTP client does not follow redirects to unknown hosts (egress); treat as a config problem.
  return { kind: 'failed', reason: describeStatus(res) };
}

/** Parses a JSON answer without throwing; vendors sometimes answer HTML or plain text. */
export function parseJsonObject(body: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(body);
    return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}
