/**
 * Keeps credentials out of logs, errors and the browser. Channel secrets are often whole URLs
 * (Slack, Discord, Google Chat, Squadcast webhooks) whose path or query IS the credential, so a URL
 * secret is also redacted in its encoded form and by its path, and any URL on a secret URL's
 * host+path prefix loses its path and query.
 */

export const MASK = '••••';

/** Shorter values are not treated as secrets when redacting (would shred ordinary text). */
const MIN_SECRET_LENGTH = 6;

const escapeRegExp = (text: string): string => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

function parseUrl(value: string): URL | undefined {
  if (!/^https?:\/\//i.test(value)) return undefined;
  try {
    return new URL(value);
  } catch {
    return undefined;
  }
}

/** Forms in which a secret may show up in text. */
function secretForms(secret: string): string[] {
  const forms = new Set<string>([secret, encodeURIComponent(secret)]);
  const url = parseUrl(secret);
  if (url) {
    const pathAndQuery = url.pathname + url.search;
    if (pathAndQuery.length >= MIN_SECRET_LENGTH && url.pathname !== '/') forms.add(pathAndQuery);
    if (url.pathname.length >= MIN_SECRET_LENGTH) forms.add(url.pathname);
    for (const [, value] of url.searchParams) {
      if (value.length >= MIN_SECRET_LENGTH) {
        forms.add(value);
        forms.add(encodeURIComponent(value));
      }
    }
  }
  return [...forms].filter((f) => f.length >= MIN_SECRET_LENGTH).sort((a, b) => b.length - a.length);
}

/** Replaces every secret (and, for secret URLs, their paths and query values) in `text`. */
export function redact(text: string, secrets: readonly (string | null | undefined)[]): string {
  let out = text;
  for (const secret of secrets) {
    if (typeof secret !== 'string' || secret.length < MIN_SECRET_LENGTH) continue;
    const url = parseUrl(secret);
    if (url && url.pathname.length > 1) {
      // Any URL on the same origin and path prefix: keep the origin, drop the rest.
      const prefix = escapeRegExp(url.origin + url.pathname.split('/').slice(0, 2).join('/'));
      out = out.replace(new RegExp(`${prefix}[^\\s"'<>]*`, 'gi'), `${url.origin}/${MASK}`);
    }
    for (const form of secretForms(secret)) {
      out = out.split(form).join(MASK);
    }
  }
  return out;
}

/**
 * How the UI shows a stored secret: "••••" + its last 4 characters, or only "••••" when the value
 * is short enough that 4 characters would give away too much. URLs keep their host so people can
 * tell channels apart: "https://hooks.slack.com/••••a1B2".
 */
export function maskSecret(value: string | null | undefined): string {
  if (!value) return '';
  const tail = value.length >= 16 ? value.slice(-4) : '';
  const url = parseUrl(value);
  if (url) return `${url.protocol}//${url.host}/${MASK}${tail}`;
  return MASK + tail;
}

/** Redacts the listed fields of a config object (for logs): values become masks. */
export function redactFields<T extends Record<string, unknown>>(config: T, fields: readonly string[]): T {
  const copy: Record<string, unknown> = { ...config };
  for (const field of fields) {
    if (typeof copy[field] === 'string' && copy[field] !== '') copy[field] = maskSecret(copy[field] as string);
  }
  return copy as T;
}
