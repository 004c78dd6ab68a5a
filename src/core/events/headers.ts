import type { Headers } from './repo-event';

/** HTTP header names are case-insensitive (RFC 9110 §5.1); arrays (repeated headers) yield the first value. */
export function header(headers: Headers | undefined, name: string): string | null {
  if (!headers || typeof headers !== 'object') return null;
  const wanted = name.toLowerCase();
  for (const key of Object.keys(headers)) {
    if (key.toLowerCase() !== wanted) continue;
    const value: unknown = headers[key];
    if (typeof value === 'string') return value.trim() || null;
    if (Array.isArray(value) && typeof value[0] === 'string') return value[0].trim() || null;
    return null;
  }
  return null;
}
