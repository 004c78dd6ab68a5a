import {
  BREAKER_INITIAL_OPEN_MS, BREAKER_MAX_OPEN_MS, BREAKER_THRESHOLD, breakerAllows, breakerWaitMs, parseBreakerState,
  recordFailure, recordSuccess, type BreakerState,
} from '../../../src/core/delivery/breaker';

const T0 = 1_700_000_000_000;

function failTimes(n: number, start: BreakerState | undefined, at: number): BreakerState | undefined {
  let s = start;
  for (let i = 0; i < n; i++) s = recordFailure(s, at);
  return s;
}

describe('breaker', () => {
  test('undefined is closed and allows', () => {
    expect(breakerAllows(undefined, T0)).toBe(true);
    expect(breakerWaitMs(undefined, T0)).toBe(0);
  });

  test('stays closed for 4 failures, opens for 10 s on the 5th', () => {
    expect(BREAKER_THRESHOLD).toBe(5);
    const four = failTimes(4, undefined, T0);
    expect(four).toEqual({ failures: 4, since: T0 });
    expect(breakerAllows(four, T0)).toBe(true);
    const five = recordFailure(four, T0 + 1);
    expect(five).toEqual({ failures: 5, since: T0, openUntil: T0 + 1 + 10_000, openMs: 10_000 });
    expect(breakerAllows(five, T0 + 1)).toBe(false);
    expect(breakerWaitMs(five, T0 + 1)).toBe(10_000);
    expect(breakerAllows(five, T0 + 1 + 9_999)).toBe(false);
    expect(breakerAllows(five, T0 + 1 + 10_000)).toBe(true);
  });

  test('each failed trial doubles the window: 10 s, 20 s, 40 s, ...', () => {
    let s = failTimes(5, undefined, T0)!;
    let now = T0;
    const windows: number[] = [s.openMs!];
    for (let i = 0; i < 5; i++) {
      now = s.openUntil!;
      expect(breakerAllows(s, now)).toBe(true);
      s = recordFailure(s, now);
      windows.push(s.openMs!);
      expect(s.openUntil).toBe(now + s.openMs!);
    }
    expect(windows).toEqual([10_000, 20_000, 40_000, 80_000, 160_000, 320_000]);
  });

  test('the window is capped at 10 hours', () => {
    let s = failTimes(5, undefined, T0)!;
    for (let i = 0; i < 40; i++) s = recordFailure(s, s.openUntil!);
    expect(s.openMs).toBe(BREAKER_MAX_OPEN_MS);
    expect(BREAKER_MAX_OPEN_MS).toBe(36_000_000);
    expect(BREAKER_INITIAL_OPEN_MS * 2 ** 12).toBeGreaterThan(BREAKER_MAX_OPEN_MS);
  });

  test('a success closes it (undefined: delete the stored state)', () => {
    const open = failTimes(7, undefined, T0);
    expect(recordSuccess(open)).toBeUndefined();
    const after = recordFailure(recordSuccess(open), T0 + 5);
    expect(after).toEqual({ failures: 1, since: T0 + 5 });
  });

  test('writes nothing when nothing changes', () => {
    expect(recordSuccess(undefined)).toBeUndefined();
    const open = failTimes(5, undefined, T0)!;
    // A late failure from a try that started before the breaker opened: same object back.
    expect(recordFailure(open, T0 + 100)).toBe(open);
  });

  test('state survives a JSON round trip; junk reads as closed', () => {
    const open = failTimes(6, undefined, T0)!;
    const stored = JSON.parse(JSON.stringify(open)) as unknown;
    expect(parseBreakerState(stored)).toEqual(open);
    expect(parseBreakerState(null)).toBeUndefined();
    expect(parseBreakerState({ failures: 'x' })).toBeUndefined();
    expect(parseBreakerState({ failures: 0, since: T0 })).toBeUndefined();
    expect(parseBreakerState({ failures: 2, since: T0, openUntil: 'soon' })).toEqual({ failures: 2, since: T0 });
  });
});
