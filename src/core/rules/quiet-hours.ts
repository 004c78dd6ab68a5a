/**
 * Quiet hours: alerts raised inside the window are held and sent when it ends. Times are wall-clock
 * "HH:MM" in an IANA time zone; the window may cross midnight ("22:00" to "07:00"). Zone maths uses
 * Intl.DateTimeFormat (full ICU ships with Node 20), so no time zone library is needed.
 */
export interface QuietHours {
  /** "HH:MM", 24-hour. */
  from: string;
  /** "HH:MM", 24-hour; earlier than `from` means the window ends the next day. */
  to: string;
  /** IANA name, e.g. "Europe/Berlin". */
  timezone: string;
}

const CLOCK = /^([01]\d|2[0-3]):([0-5]\d)$/;
const DAY = 86_400_000;

/** Minutes since local midnight for "HH:MM", or null when it is not a 24-hour time. */
export function parseClock(text: string): number | null {
  const m = CLOCK.exec(text);
  return m ? Number(m[1]) * 60 + Number(m[2]) : null;
}

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone, hourCycle: 'h23', year: 'numeric', month: 'numeric', day: 'numeric',
      hour: 'numeric', minute: 'numeric', second: 'numeric',
    });
    formatters.set(timeZone, f);
  }
  return f;
}

/** True for names Intl knows ("Europe/Berlin", "UTC"); false for typos ("Europe/Berln"). */
export function isValidTimeZone(timeZone: string): boolean {
  if (timeZone.trim() === '') return false;
  try {
    formatter(timeZone);
    return true;
  } catch {
    return false;
  }
}

interface LocalTime { year: number; month: number; day: number; hour: number; minute: number; second: number }

function localTime(ms: number, timeZone: string): LocalTime {
  const parts: Record<string, number> = {};
  for (const p of formatter(timeZone).formatToParts(new Date(ms))) {
    if (p.type !== 'literal') parts[p.type] = Number(p.value);
  }
  return {
    year: parts.year!, month: parts.month!, day: parts.day!,
    hour: parts.hour!, minute: parts.minute!, second: parts.second!,
  };
}

/** The local wall-clock reading at `ms`, expressed as if it were a UTC instant (whole seconds). */
function wallOf(ms: number, timeZone: string): number {
  const t = localTime(ms, timeZone);
  return Date.UTC(t.year, t.month - 1, t.day, t.hour, t.minute, t.second);
}

const offsetAt = (ms: number, timeZone: string): number => wallOf(ms, timeZone) - Math.floor(ms / 1000) * 1000;

/**
 * The first instant after `after` at which the local clock reads `wall` (a wall-clock time encoded
 * as UTC). On a fall-back day the time occurs twice: the earliest one still ahead wins. On a
 * spring-forward day it may not occur at all: the clock jumps past it at the transition, the answer.
 */
function firstInstantAtWall(wall: number, timeZone: string, after: number): number {
  const offsets = [...new Set([offsetAt(wall - DAY, timeZone), offsetAt(wall, timeZone), offsetAt(wall + DAY, timeZone)])];
  const valid = offsets.map((o) => wall - o).filter((t) => wallOf(t, timeZone) === wall).sort((a, b) => a - b);
  if (valid.length > 0) return valid.find((t) => t > after) ?? valid[valid.length - 1]!;
  let lo = wall - Math.max(...offsets);
  let hi = wall - Math.min(...offsets);
  while (hi - lo > 1000) {
    const mid = Math.floor((lo + hi) / 2000) * 1000;
    if (mid <= lo) break;
    if (wallOf(mid, timeZone) >= wall) hi = mid;
    else lo = mid;
  }
  return hi;
}

/** Milliseconds until the quiet window that contains `now` ends; 0 when `now` is not in one. */
export function quietWindowDelay(quiet: QuietHours, now: number): number {
  const from = parseClock(quiet.from);
  const to = parseClock(quiet.to);
  if (from === null || to === null || from === to || !isValidTimeZone(quiet.timezone)) return 0;
  const local = localTime(now, quiet.timezone);
  const minutes = local.hour * 60 + local.minute;
  let endsTomorrow: boolean;
  if (from < to) {
    if (minutes < from || minutes >= to) return 0;
    endsTomorrow = false;
  } else if (minutes >= from) {
    endsTomorrow = true;
  } else if (minutes < to) {
    endsTomorrow = false;
  } else {
    return 0;
  }
  const wall = Date.UTC(local.year, local.month - 1, local.day + (endsTomorrow ? 1 : 0), Math.floor(to / 60), to % 60);
  const end = firstInstantAtWall(wall, quiet.timezone, now);
  return Math.max(0, end - now);
}

/** Rule-level helper: 0 when the rule has no quiet hours or `now` is outside them. */
export function quietHoursDelay(rule: { quietHours?: QuietHours | undefined }, now: number): number {
  return rule.quietHours ? quietWindowDelay(rule.quietHours, now) : 0;
}
