import { err, ok, type Result } from '../result';

/**
 * Durations in the rules file are short strings ("30s", "5m", "4h", "1d"): one whole number and one
 * unit, so a file stays readable and a value round-trips through export unchanged.
 */
const UNIT_MS = { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;
type Unit = keyof typeof UNIT_MS;
const DURATION = /^(\d{1,6})(s|m|h|d)$/;

export const SECOND = UNIT_MS.s;
export const MINUTE = UNIT_MS.m;
export const HOUR = UNIT_MS.h;
export const DAY = UNIT_MS.d;

export interface DurationBounds {
  minMs: number;
  maxMs: number;
}

/** `remindEvery`: often enough to be useful, rare enough not to be noise. */
export const REMIND_EVERY_BOUNDS: DurationBounds = { minMs: 5 * MINUTE, maxMs: 7 * DAY };
/** `groupWait`: a Forge queue delay is at most 900 s, so a grouping window stays well below it. */
export const GROUP_WAIT_BOUNDS: DurationBounds = { minMs: 0, maxMs: 10 * MINUTE };

/** Milliseconds for "30s" / "5m" / "4h" / "1d"; a message saying what is wrong otherwise. */
export function parseDuration(text: string): Result<number, string> {
  const m = DURATION.exec(text.trim());
  if (!m) return err(`expected a duration like 30s, 5m, 4h or 1d, got ${JSON.stringify(text)}`);
  return ok(Number(m[1]) * UNIT_MS[m[2] as Unit]);
}

/** Parses and checks bounds; the message names the allowed range in the file's own notation. */
export function parseBoundedDuration(text: string, bounds: DurationBounds): Result<number, string> {
  const parsed = parseDuration(text);
  if (!parsed.ok) return parsed;
  if (parsed.value < bounds.minMs || parsed.value > bounds.maxMs) {
    return err(`expected a duration between ${formatDuration(bounds.minMs)} and ${formatDuration(bounds.maxMs)}, got ${JSON.stringify(text)}`);
  }
  return parsed;
}

/** The shortest exact notation: 14_400_000 → "4h", 5_400_000 → "90m", 0 → "0s". */
export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) throw new RangeError(`not a duration: ${ms}`);
  for (const unit of ['d', 'h', 'm'] as const) {
    if (ms > 0 && ms % UNIT_MS[unit] === 0) return `${ms / UNIT_MS[unit]}${unit}`;
  }
  return `${Math.round(ms / 1000)}s`;
}
