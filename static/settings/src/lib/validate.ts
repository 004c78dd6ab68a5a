import { GROUP_WAIT_BOUNDS, parseBoundedDuration, REMIND_EVERY_BOUNDS } from '../../../../src/core/rules/durations';
/**
 * Checks the browser can do before a round trip. The backend validates again (it is the authority);
 * these only catch typos early and put the message next to the field.
 */

/** Splits "main, release/*  hotfix/*" into globs; commas or whitespace separate. */
export function splitList(text: string): string[] {
  return text
    .split(/[\s,]+/)
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
}

export function joinList(items: readonly string[] | undefined): string {
  return (items ?? []).join(', ');
}

/**
 * A glob is a branch or build name pattern (picomatch syntax on the backend). Aliases such as
 * `@default` (the repository's main branch) are allowed. Returns a message or null.
 */
export function globProblem(glob: string): string | null {
  if (/^@[a-z][a-z-]*$/.test(glob)) return null;
  if (/[\s~^:\\]/.test(glob)) return `"${glob}" contains a character Git does not allow in names.`;
  let square = 0;
  let curly = 0;
  for (const ch of glob) {
    if (ch === '[') square++;
    if (ch === ']') square--;
    if (ch === '{') curly++;
    if (ch === '}') curly--;
    if (square < 0 || curly < 0) return `"${glob}" closes a bracket it never opened.`;
  }
  if (square !== 0) return `"${glob}" has an unclosed [.`;
  if (curly !== 0) return `"${glob}" has an unclosed {.`;
  if (glob.startsWith('/') || glob.endsWith('/')) return `"${glob}" must not start or end with /.`;
  if (glob.includes('//')) return `"${glob}" has an empty path segment.`;
  return null;
}

export function globsProblem(globs: readonly string[]): string | null {
  for (const g of globs) {
    const p = globProblem(g);
    if (p) return p;
  }
  return null;
}

/**
 * Durations with the backend's own parser and bounds (src/core/rules/durations.ts, pure and tiny), so
 * the page accepts exactly what a save accepts: one number and one unit ("1h30m" is refused; use 90m).
 */
export function durationProblem(text: string, field: 'remindEvery' | 'groupWait'): string | null {
  if (text === '') return null;
  const parsed = parseBoundedDuration(text, field === 'remindEvery' ? REMIND_EVERY_BOUNDS : GROUP_WAIT_BOUNDS);
  if (parsed.ok) return null;
  return /between/.test(parsed.error)
    ? `Use a duration ${parsed.error.replace(/^expected a duration /, '').replace(/, got .*$/, '')}.`
    : 'Use a duration such as 30m, 4h or 1d (one number and one unit).';
}

export function timeOfDayProblem(text: string): string | null {
  return /^([01]\d|2[0-3]):[0-5]\d$/.test(text) ? null : 'Use 24-hour time, such as 22:00.';
}

export function timezoneProblem(tz: string): string | null {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: tz });
    return null;
  } catch {
    return `"${tz}" is not a known time zone.`;
  }
}

export function timezones(): string[] {
  const intl = Intl as unknown as { supportedValuesOf?: (key: string) => string[] };
  const zones = intl.supportedValuesOf ? intl.supportedValuesOf('timeZone') : [];
  return zones.includes('UTC') ? zones : ['UTC', ...zones];
}
