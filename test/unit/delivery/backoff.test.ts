import {
  BASE_DELAY_MS, decideRetry, GIVE_UP_AFTER_MS, MAX_ATTEMPTS, MAX_DELAY_MS, MIN_DELAY_MS, nextRetryDelayMs, OPENING_POLICY, RESOLVE_GIVE_UP_AFTER_MS, RESOLVING_POLICY,
} from '../../../src/core/delivery/backoff';

const always = (value: number) => () => value;

describe('nextRetryDelayMs', () => {
  test('the ceiling doubles with each attempt (random just below 1 reaches it)', () => {
    const top = always(0.999999);
    expect(nextRetryDelayMs(1, undefined, top)).toBe(4_999);
    expect(nextRetryDelayMs(2, undefined, top)).toBe(9_999);
    expect(nextRetryDelayMs(3, undefined, top)).toBe(19_999);
    expect(nextRetryDelayMs(4, undefined, top)).toBe(39_999);
  });

  test('full jitter: anywhere from the floor to the ceiling', () => {
    expect(nextRetryDelayMs(4, undefined, always(0))).toBe(MIN_DELAY_MS);
    expect(nextRetryDelayMs(4, undefined, always(0.5))).toBe(20_000);
    const seen = new Set<number>();
    let seed = 1;
    const lcg = () => ((seed = (seed * 48271) % 2147483647) / 2147483647);
    for (let i = 0; i < 200; i++) {
      const d = nextRetryDelayMs(5, undefined, lcg);
      expect(d).toBeGreaterThanOrEqual(MIN_DELAY_MS);
      expect(d).toBeLessThanOrEqual(BASE_DELAY_MS * 16);
      seen.add(d);
    }
    expect(seen.size).toBeGreaterThan(150);
  });

  test('caps at 900 s, the longest delay a Forge queue push accepts', () => {
    expect(MAX_DELAY_MS).toBe(900_000);
    expect(nextRetryDelayMs(20, undefined, always(0.999999))).toBe(899_999);
    expect(nextRetryDelayMs(1_000, undefined, always(0.999999))).toBe(899_999);
    expect(nextRetryDelayMs(9, undefined, always(0.5))).toBe(450_000);
  });

  test('a vendor hint is a floor, also capped', () => {
    expect(nextRetryDelayMs(1, 30_000, always(0))).toBe(30_000);
    expect(nextRetryDelayMs(6, 30_000, always(0.999999))).toBe(159_999);
    expect(nextRetryDelayMs(1, 3_600_000, always(0))).toBe(900_000);
    expect(nextRetryDelayMs(1, Number.NaN, always(0))).toBe(MIN_DELAY_MS);
    expect(nextRetryDelayMs(1, -5, always(0))).toBe(MIN_DELAY_MS);
  });
});

describe('decideRetry', () => {
  const raised = 1_000_000;
  test('retries until MAX_ATTEMPTS tries were made', () => {
    expect(MAX_ATTEMPTS).toBe(8);
    for (let attempt = 1; attempt < MAX_ATTEMPTS; attempt++) {
      expect(decideRetry(attempt, raised, raised + 60_000, undefined, always(0.5))).toMatchObject({ retry: true });
    }
    expect(decideRetry(MAX_ATTEMPTS, raised, raised + 60_000, undefined, always(0.5))).toEqual({ retry: false, reason: 'gave up after 8 attempts' });
  });

  test('gives up when the next try would land past the deadline', () => {
    const now = raised + GIVE_UP_AFTER_MS - 10_000;
    expect(decideRetry(2, raised, now, undefined, always(0))).toEqual({ retry: true, delayMs: MIN_DELAY_MS });
    const late = decideRetry(2, raised, now, 60_000, always(0));
    expect(late.retry).toBe(false);
  });

  test('returns the delay it computed', () => {
    expect(decideRetry(3, raised, raised, 12_345, always(0))).toEqual({ retry: true, delayMs: 12_345 });
  });
});

describe('the two policies, measured', () => {
  const raised = 0;
  /** Simulates a vendor that never answers: tries until the policy gives up; returns the time of the last try. */
  function lastTry(policy: typeof OPENING_POLICY, random: () => number, scale = 1): { tries: number; lastAtMs: number } {
    let now = raised;
    let tries = 1;
    for (;;) {
      const d = decideRetry(tries, raised, now, undefined, { policy, random, scale });
      if (!d.retry) return { tries, lastAtMs: now };
      now += d.delayMs;
      tries++;
    }
  }

  test('an opening alert makes 8 tries, the last at most about 11 minutes in (ceilings 5..320 s)', () => {
    const worst = lastTry(OPENING_POLICY, always(0.999999));
    expect(worst.tries).toBe(8);
    expect(worst.lastAtMs).toBeLessThanOrEqual(11 * 60_000);
    expect(worst.lastAtMs).toBeGreaterThan(10 * 60_000);
  });

  test('a resolving alert keeps trying for 24 hours, never waiting more than 15 minutes', () => {
    for (const r of [always(0.999999), always(0.5), always(0)]) {
      const run = lastTry(RESOLVING_POLICY, r);
      expect(run.lastAtMs).toBeLessThanOrEqual(RESOLVE_GIVE_UP_AFTER_MS);
      expect(run.lastAtMs).toBeGreaterThan(RESOLVE_GIVE_UP_AFTER_MS - MAX_DELAY_MS);
      expect(run.tries).toBeGreaterThan(MAX_ATTEMPTS);
    }
  });

  test('BUILD_ALERTS_RETRY_SCALE scales every delay and the give-up window alike', () => {
    const scale = 0.001;
    const run = lastTry(RESOLVING_POLICY, always(0.5), scale);
    expect(run.lastAtMs).toBeLessThanOrEqual(RESOLVE_GIVE_UP_AFTER_MS * scale);
    expect(run.lastAtMs).toBeGreaterThan((RESOLVE_GIVE_UP_AFTER_MS - MAX_DELAY_MS) * scale);
    expect(decideRetry(1, raised, raised, undefined, { scale, random: always(0.5) })).toEqual({ retry: true, delayMs: 2.5 });
    // A vendor's Retry-After stays a floor, unscaled.
    expect(decideRetry(1, raised, raised, 30_000, { scale, random: always(0.5), policy: RESOLVING_POLICY })).toEqual({ retry: true, delayMs: 30_000 });
  });
});
