import {
  formatDuration, isValidTimeZone, parseBoundedDuration, parseClock, parseDuration, quietHoursDelay, quietWindowDelay,
  GROUP_WAIT_BOUNDS, REMIND_EVERY_BOUNDS,
} from '../../../src/core/rules';

const MIN = 60_000;
const night = (timezone: string) => ({ from: '22:00', to: '07:00', timezone });

/** Expected values are worked out by hand from the zones' offsets, written next to each row. */
describe('quietWindowDelay', () => {
  test.each([
    // UTC, window across midnight
    { tz: 'UTC', now: '2025-01-15T23:30:00Z', minutes: 7.5 * 60, note: '23:30 → 07:00 next day' },
    { tz: 'UTC', now: '2025-01-15T22:00:00Z', minutes: 9 * 60, note: 'starts inclusive' },
    { tz: 'UTC', now: '2025-01-16T06:59:00Z', minutes: 1, note: 'after midnight' },
    { tz: 'UTC', now: '2025-01-16T07:00:00Z', minutes: 0, note: 'ends exclusive' },
    { tz: 'UTC', now: '2025-01-15T21:59:00Z', minutes: 0, note: 'before start' },
    { tz: 'UTC', now: '2025-01-15T12:00:00Z', minutes: 0, note: 'midday' },
    // One instant, three zones: 06:30Z is 07:30 in Berlin (CET), 22:30 the day before in Los Angeles (PST)
    { tz: 'Europe/Berlin', now: '2025-01-16T06:30:00Z', minutes: 0, note: 'Berlin 07:30, over' },
    { tz: 'America/Los_Angeles', now: '2025-01-16T06:30:00Z', minutes: 8.5 * 60, note: 'LA 22:30 → 07:00 PST = 15:00Z' },
    { tz: 'UTC', now: '2025-01-16T06:30:00Z', minutes: 30, note: 'UTC 06:30' },
    { tz: 'Europe/Berlin', now: '2025-01-15T21:30:00Z', minutes: 8.5 * 60, note: 'Berlin 22:30 → 07:00 CET = 06:00Z' },
    // DST switch days
    { tz: 'Europe/Berlin', now: '2025-03-29T22:00:00Z', minutes: 7 * 60, note: '23:00 CET → 07:00 CEST = 05:00Z (clocks jump forward)' },
    { tz: 'Europe/Berlin', now: '2025-10-25T21:00:00Z', minutes: 9 * 60, note: '23:00 CEST → 07:00 CET = 06:00Z (clocks go back)' },
    { tz: 'America/Los_Angeles', now: '2025-03-09T06:00:00Z', minutes: 8 * 60, note: '22:00 PST → 07:00 PDT = 14:00Z' },
    { tz: 'America/Los_Angeles', now: '2025-11-02T05:00:00Z', minutes: 10 * 60, note: '22:00 PDT → 07:00 PST = 15:00Z' },
    { tz: 'UTC', now: '2025-03-29T22:00:00Z', minutes: 9 * 60, note: 'UTC has no DST' },
  ])('$tz at $now: $minutes min ($note)', ({ tz, now, minutes }) => {
    expect(quietWindowDelay(night(tz), Date.parse(now))).toBe(minutes * MIN);
  });

  test('daytime window (not across midnight)', () => {
    const q = { from: '09:00', to: '17:00', timezone: 'Europe/Berlin' };
    expect(quietWindowDelay(q, Date.parse('2025-07-01T07:00:00Z'))).toBe(8 * 60 * MIN); // 09:00 CEST
    expect(quietWindowDelay(q, Date.parse('2025-07-01T06:59:00Z'))).toBe(0);
    expect(quietWindowDelay(q, Date.parse('2025-07-01T15:00:00Z'))).toBe(0); // 17:00 CEST
  });

  test('window ending inside the spring-forward gap ends when the clock jumps', () => {
    // Berlin 2025-03-30: 02:00 CET becomes 03:00 CEST at 01:00Z, so 02:30 never happens.
    const q = { from: '01:00', to: '02:30', timezone: 'Europe/Berlin' };
    expect(quietWindowDelay(q, Date.parse('2025-03-30T00:30:00Z'))).toBe(30 * MIN);
  });

  test('window ending inside the repeated fall-back hour ends at the next 02:30 on the clock', () => {
    // Berlin 2025-10-26: 03:00 CEST becomes 02:00 CET at 01:00Z, so 02:00-03:00 happens twice.
    const q = { from: '01:00', to: '02:30', timezone: 'Europe/Berlin' };
    expect(quietWindowDelay(q, Date.parse('2025-10-25T23:30:00Z'))).toBe(60 * MIN); // 01:30 CEST → 02:30 CEST = 00:30Z
    expect(quietWindowDelay(q, Date.parse('2025-10-26T01:10:00Z'))).toBe(20 * MIN); // 02:10 CET → 02:30 CET = 01:30Z
  });

  test('seconds count: the delay ends exactly at the end minute', () => {
    expect(quietWindowDelay(night('UTC'), Date.parse('2025-01-16T06:59:30.250Z'))).toBe(29_750);
  });

  test('a rule without quiet hours is never held', () => {
    expect(quietHoursDelay({}, Date.parse('2025-01-15T23:30:00Z'))).toBe(0);
    expect(quietHoursDelay({ quietHours: night('UTC') }, Date.parse('2025-01-15T23:30:00Z'))).toBe(7.5 * 60 * MIN);
  });
});

describe('clock, time zone and duration parsing', () => {
  test.each([['00:00', 0], ['07:05', 425], ['23:59', 1439], ['24:00', null], ['7:00', null], ['12:60', null], ['noon', null]])(
    'parseClock(%p) = %p', (text, expected) => expect(parseClock(text)).toBe(expected));

  test('time zones known to Intl', () => {
    expect(['UTC', 'Europe/Berlin', 'America/Los_Angeles', 'Asia/Kolkata'].every(isValidTimeZone)).toBe(true);
    expect(['Europe/Berln', 'Mars/Olympus', ''].some(isValidTimeZone)).toBe(false);
  });

  test.each([['30s', 30_000], ['5m', 300_000], ['4h', 14_400_000], ['1d', 86_400_000], ['0s', 0]])(
    'parseDuration(%p) = %p', (text, ms) => expect(parseDuration(text)).toEqual({ ok: true, value: ms }));

  test.each(['', '5', '4 hours', '1w', '-5m', '1.5h', 'h'])('parseDuration(%p) is an error', (text) => {
    expect(parseDuration(text).ok).toBe(false);
  });

  test('bounds', () => {
    expect(parseBoundedDuration('5m', REMIND_EVERY_BOUNDS).ok).toBe(true);
    expect(parseBoundedDuration('7d', REMIND_EVERY_BOUNDS).ok).toBe(true);
    expect(parseBoundedDuration('4m', REMIND_EVERY_BOUNDS)).toEqual({ ok: false, error: 'expected a duration between 5m and 7d, got "4m"' });
    expect(parseBoundedDuration('0s', GROUP_WAIT_BOUNDS).ok).toBe(true);
    expect(parseBoundedDuration('601s', GROUP_WAIT_BOUNDS).ok).toBe(false);
  });

  test.each([[0, '0s'], [30_000, '30s'], [5_400_000, '90m'], [14_400_000, '4h'], [604_800_000, '7d']])(
    'formatDuration(%p) = %p', (ms, text) => expect(formatDuration(ms)).toBe(text));
});
