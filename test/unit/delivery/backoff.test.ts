import {
  BASE_DELAY_MS, decideRetry, GIVE_UP_AFTER_MS, MAX_ATTEMPTS, MAX_DELAY_MS, MIN_DELAY_MS, nextRetryDelayMs,
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
