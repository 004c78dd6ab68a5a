/**
 * What Forge's own errors mean for a handler: which must leave it unchanged, which are worth a
 * retry, which are permanent. Matched by name and shape, not `instanceof`: a bundle may hold more
 * than one copy of a @forge/* package's error classes. The app's own permanent errors (store and
 * queue contract errors, programmer errors, `permanent: true`) are classified in app/dead-letters.ts.
 */
import { classifyFailure } from '../../app/dead-letters';

/**
 * `NeedsAuthenticationError` (name `NEEDS_AUTHENTICATION_ERR`), thrown by `asUser()` calls until
 * the user allows the app to act for them (node_modules/@forge/api/out/api/fetch.js, header
 * `forge-proxy-error: NEEDS_AUTHENTICATION_ERR`). Forge shows its "Allow access" prompt only when
 * this error leaves the resolver, so nothing may catch it.
 */
export function isForgeConsentError(err: unknown): boolean {
  return !!err && typeof err === 'object' && (err as { name?: unknown }).name === 'NEEDS_AUTHENTICATION_ERR';
}

export type Retryability = { retry: true; afterSeconds: number; rateLimited: boolean } | { retry: false };

/** @forge/events push errors that no retry can fix (https://developer.atlassian.com/platform/forge/runtime-reference/async-events-api-error-handling/). */
const PERMANENT_EVENTS_ERRORS = new Set([
  'TooManyEventsError', 'PayloadTooBigError', 'InvalidPushSettingsError', 'InvalidQueueNameError',
  'InvalidPayloadError', 'NoEventsToPushError', 'InvocationLimitReachedError',
]);
const ctorName = (err: object): string => (err as { constructor?: { name?: string } }).constructor?.name ?? '';

/** A short, content-free name for an error (its class), for logs and retryData. */
export const errorKind = (err: unknown): string => {
  if (!err || typeof err !== 'object') return typeof err;
  const name = ctorName(err);
  return (name && name !== 'Error' ? name : String((err as { name?: unknown }).name ?? 'Error')).slice(0, 100);
};

/**
 * Whether an invocation that failed with `err` should be retried, and after how long.
 * - Queue rate limit (`RateLimitError`: more than 500 events a minute per installation,
 *   https://developer.atlassian.com/platform/forge/limits-async-events/): retry after a minute.
 * - `PartialSuccessError`, `InternalServerError`, KVS 429 / 5xx (`ForgeKvsAPIError.responseDetails.status`),
 *   network failures: transient, retry with backoff.
 * - Validation errors of @forge/events, KVS 4xx, store and queue contract errors (a value over the KVS
 *   limits, a job over the queue's), programmer errors, our own `permanent` errors: never.
 */
export function retryability(err: unknown, attempt: number): Retryability {
  if (!err || typeof err !== 'object' || classifyFailure(err) === 'permanent') return { retry: false };
  const name = ctorName(err);
  if (PERMANENT_EVENTS_ERRORS.has(name)) return { retry: false };
  const backoff = Math.min(900, 15 * 2 ** Math.max(0, attempt - 1));
  if (name === 'RateLimitError') return { retry: true, afterSeconds: Math.max(60, backoff), rateLimited: true };
  const status = Number((err as { responseDetails?: { status?: unknown } }).responseDetails?.status ?? NaN);
  if (Number.isFinite(status)) {
    if (status === 429) return { retry: true, afterSeconds: Math.max(30, backoff), rateLimited: true };
    if (status >= 500) return { retry: true, afterSeconds: backoff, rateLimited: false };
    return { retry: false };
  }
  return { retry: true, afterSeconds: backoff, rateLimited: false };
}
