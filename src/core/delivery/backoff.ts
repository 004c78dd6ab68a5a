/**
 * Retry schedule: exponential backoff with full jitter (AWS Architecture Blog, "Exponential Backoff
 * And Jitter"), honouring a vendor's Retry-After, capped at 900 s because that is the longest delay
 * a Forge queue push accepts (https://developer.atlassian.com/platform/forge/runtime-reference/async-events-api/).
 */

/** Tries in all, counting the first. 8 tries with these delays span at most about 40 minutes without vendor hints. */
export const MAX_ATTEMPTS = 8;
export const BASE_DELAY_MS = 5_000;
/** Forge queue: `delayInSeconds` at most 900. */
export const MAX_DELAY_MS = 900_000;
export const MIN_DELAY_MS = 1_000;
/** After this long an alert is stale: a "build failed" message three hours late helps nobody. */
export const GIVE_UP_AFTER_MS = 3 * 60 * 60 * 1000;

/**
 * Delay before the next try, after try number `attempt` (1-based) failed.
 * `hintMs` (Retry-After, Discord `retry_after`) is a floor: never retry sooner than the vendor asked.
 */
export function nextRetryDelayMs(attempt: number, hintMs?: number, random: () => number = Math.random): number {
  const exponent = Math.max(0, Math.floor(attempt) - 1);
  const ceiling = Math.min(MAX_DELAY_MS, BASE_DELAY_MS * 2 ** Math.min(exponent, 30));
  const jittered = Math.floor(random() * ceiling);
  const floor = hintMs !== undefined && Number.isFinite(hintMs) && hintMs > 0 ? hintMs : 0;
  return Math.min(MAX_DELAY_MS, Math.max(MIN_DELAY_MS, jittered, floor));
}

export type RetryDecision =
  | { retry: true; delayMs: number }
  | { retry: false; reason: string };

/** Whether try `attempt` (1-based, just failed) gets another, given when the alert was raised. */
export function decideRetry(
  attempt: number,
  raisedAtMs: number,
  nowMs: number,
  hintMs?: number,
  random: () => number = Math.random,
): RetryDecision {
  if (attempt >= MAX_ATTEMPTS) return { retry: false, reason: `gave up after ${attempt} attempts` };
  const delayMs = nextRetryDelayMs(attempt, hintMs, random);
  if (nowMs + delayMs - raisedAtMs > GIVE_UP_AFTER_MS) {
    return { retry: false, reason: `gave up: alert older than ${Math.round(GIVE_UP_AFTER_MS / 60_000)} minutes` };
  }
  return { retry: true, delayMs };
}
