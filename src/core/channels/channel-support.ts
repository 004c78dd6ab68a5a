/**
 * Helpers every channel file shares: config parsing into FieldErrors, endpoint URL rules,
 * JSON requests, identity hashes and size limits. Pure; no I/O.
 */
import { createHash } from 'node:crypto';
import { z } from 'zod';
import type { HttpRequest } from '../ports';
import type { FieldError, Result } from '../result';
import { err, ok } from '../result';

export const USER_AGENT = 'build-alerts-for-bitbucket/1';

/** The app's version and a page about it, for vendors that want both in the User-Agent (Discord). Keep APP_VERSION = package.json "version". */
export const APP_VERSION = '0.1.0';
/** No homepage is published yet (package.json has none): the Marketplace search for the app's name. */
export const APP_URL = 'https://marketplace.atlassian.com/search?query=Build%20Alerts%20for%20Bitbucket';

const LOOPBACK_HOST = /^(localhost|127(?:\.\d{1,3}){3}|\[::1\])$/i;

/**
 * Scheme rule for every endpoint a user types: https, or http to a loopback host (local receivers,
 * tests). Which hosts are reachable at all is decided later by delivery/egress.ts `checkEgress`.
 */
export function isAcceptableEndpoint(raw: string): boolean {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return false;
  }
  if (url.username || url.password) return false;
  if (url.protocol === 'https:') return true;
  return url.protocol === 'http:' && LOOPBACK_HOST.test(url.hostname);
}

/** Messages never echo the value: it may be a credential. */
export const endpointUrl = () =>
  z.string({ error: 'required' }).trim().min(1, { error: 'required' }).refine(isAcceptableEndpoint, {
    error: 'must be an https:// URL (http:// only for localhost), without user:password',
  });

export const optionalEndpointUrl = () =>
  z.preprocess((v) => (v === '' || v === null ? undefined : v), endpointUrl().optional());

export const requiredText = () => z.string({ error: 'required' }).trim().min(1, { error: 'required' });

export const optionalText = (max = 200) =>
  z.preprocess(
    (v) => (v === '' || v === null ? undefined : v),
    z.string().trim().max(max, { error: `at most ${max} characters` }).optional(),
  );

/** Bitbucket account id / uuid / e-mail → chat handle (vendor user id or name). */
export const mentionsField = () =>
  z.preprocess(
    (v) => (v === null ? undefined : v),
    z.record(z.string().min(1), z.string().trim().min(1).max(200)).optional(),
  );

/**
 * Validates a channel's config. `name` and `type` (the channel object's own keys) are ignored;
 * unknown keys are dropped. Field paths are relative to the channel object.
 */
export function parseWith<T>(schema: z.ZodType<T>, input: unknown): Result<T, FieldError[]> {
  if (input === null || typeof input !== 'object' || Array.isArray(input)) {
    return err([{ path: '', message: 'channel config must be an object' }]);
  }
  const { name: _name, type: _type, ...rest } = input as Record<string, unknown>;
  const parsed = schema.safeParse(rest);
  if (parsed.success) return ok(parsed.data);
  return err(parsed.error.issues.map((issue) => ({ path: issue.path.map(String).join('.'), message: issue.message })));
}

/** Short, stable, non-reversible tag for a secret (breaker scope, log lines). */
export function shortHash(text: string, length = 10): string {
  return createHash('sha256').update(text).digest('base64url').slice(0, length);
}

/** "host#hash": which endpoint, without the credential in its path or query. */
export function urlIdentity(type: string, rawUrl: string): string {
  let host = 'invalid-url';
  try {
    host = new URL(rawUrl).host;
  } catch {
    /* identity must not throw; parseConfig already rejected bad URLs */
  }
  return `${type}:${host}#${shortHash(rawUrl)}`;
}

export function jsonRequest(
  method: HttpRequest['method'],
  url: string,
  body: unknown,
  headers: Record<string, string> = {},
): HttpRequest {
  return {
    method,
    url,
    headers: { 'content-type': 'application/json', 'user-agent': USER_AGENT, ...headers },
    body: JSON.stringify(body),
  };
}

/** Adds query parameters, keeping the ones the URL already has (Google Chat key/token, Discord thread_id). */
export function withQuery(rawUrl: string, params: Record<string, string>): string {
  const url = new URL(rawUrl);
  for (const [key, value] of Object.entries(params)) url.searchParams.set(key, value);
  return url.toString();
}

export function stripTrailingSlash(url: string): string {
  return url.replace(/\/+$/, '');
}

// ---------- size limits ----------

const ELLIPSIS = '…';

/** Cuts to at most `max` UTF-16 code units (what JS and most vendor validators count), never splitting a surrogate pair. */
export function truncate(text: string, max: number): string {
  if (text.length <= max) return text;
  if (max <= 0) return '';
  let cut = max - ELLIPSIS.length;
  const code = text.charCodeAt(cut - 1);
  if (code >= 0xd800 && code <= 0xdbff) cut -= 1;
  return text.slice(0, Math.max(0, cut)) + ELLIPSIS;
}

export function byteLength(text: string): number {
  return Buffer.byteLength(text, 'utf8');
}

/**
 * For vendors with a byte cap on the whole body: builds the body with a budget for its free text
 * and halves the budget until the JSON fits. `build(budget)` must respect the budget.
 */
export function fitBody<T>(build: (budget: number) => T, maxBytes: number, startBudget: number): T {
  let budget = startBudget;
  let body = build(budget);
  while (byteLength(JSON.stringify(body)) > maxBytes && budget > 16) {
    budget = Math.floor(budget / 2);
    body = build(budget);
  }
  return body;
}

/** Keeps an identifier within a vendor's length limit, stable for the same input. */
export function boundedKey(key: string, max: number): string {
  if (key.length <= max) return key;
  const hash = shortHash(key, 16);
  return key.slice(0, max - hash.length - 1) + '~' + hash;
}

// ---------- incidents ----------
import type { Alert, AlertType } from '../alerts/alert';
import { OPENING_TYPES, RESOLVING_TYPES } from '../alerts/alert';

/** Incident tools (PagerDuty, Opsgenie...) only hear about opening and resolving alerts. */
export function incidentAction(type: AlertType): 'open' | 'resolve' | null {
  if (OPENING_TYPES.includes(type)) return 'open';
  if (RESOLVING_TYPES.includes(type)) return 'resolve';
  return null;
}

/**
 * An opening alert that continues a failure streak whose first failure already went out: a
 * still-failing build (new run or `remindEvery` reminder) or a repeated failed deployment. Vendors
 * that open a new incident for every trigger (Squadcast) skip these; vendors that deduplicate by
 * key (PagerDuty, Opsgenie, AlertOps) take them as updates of the open incident.
 */
export function continuesStreak(alert: Alert): boolean {
  if (alert.type === 'build.still-failing') return true;
  return alert.type === 'deployment.failed' && (alert.failures?.count ?? 1) > 1;
}
