/**
 * The one retry schedule: exponential backoff with full jitter (AWS Architecture Blog, "Exponential
 * Backoff And Jitter"), honouring a vendor's Retry-After, capped at 900 s because that is the longest
 * delay a Forge queue push accepts (https://developer.atlassian.com/platform/forge/runtime-reference/async-events-api/).
 *
 * Two policies, by what the alert does:
 * - **Opening** alerts (failed, still-failing, deployment failed, and anything else) give up after
 *   MAX_ATTEMPTS tries or when 3 hours old, whichever comes first: a "build failed" three hours late
 *   helps nobody. Without vendor hints the 8 tries span at most about 11 minutes (ceilings 5, 10, 20,
 *   40, 80, 160, 320 s; full jitter waits a random part of each), longer when the vendor asks to wait.
 * - **Resolving** alerts (fixed, deployment fixed, the resolve of a test incident) close incidents
 *   that stay open otherwise: they retry for 24 hours (Forge keeps an async event that long,
 *   https://developer.atlassian.com/platform/forge/runtime-reference/async-events-api/#retention-window),
 *   with no cap on tries; past the first hour the waits are about 7.5 minutes on average, 15 at most.
 *
 * `scale` (BUILD_ALERTS_RETRY_SCALE) multiplies every delay and every give-up window alike, so a test
 * compresses a day into seconds. A vendor's Retry-After is never scaled: it stays a floor.
 */

/** Tries in all, counting the first, for opening alerts. */
export const MAX_ATTEMPTS = 8;
export const BASE_DELAY_MS = 5_000;
/** Forge queue: `delayInSeconds` at most 900. */
export const MAX_DELAY_MS = 900_000;
export const MIN_DELAY_MS = 1_000;
/** After this long an opening alert is stale. */
export const GIVE_UP_AFTER_MS = 3 * 60 * 60 * 1000;
/** A resolving alert keeps trying this long. */
export const RESOLVE_GIVE_UP_AFTER_MS = 24 * 60 * 60 * 1000;

export interface RetryPolicy {
  kind: 'opening' | 'resolving';
  maxAttempts: number;
  giveUpAfterMs: number;
}

export const OPENING_POLICY: RetryPolicy = { kind: 'opening', maxAttempts: MAX_ATTEMPTS, giveUpAfterMs: GIVE_UP_AFTER_MS };
export const RESOLVING_POLICY: RetryPolicy = { kind: 'resolving', maxAttempts: Number.POSITIVE_INFINITY, giveUpAfterMs: RESOLVE_GIVE_UP_AFTER_MS };

/**
 * Delay before the next try, after try number `attempt` (1-based) failed, unscaled.
 * `hintMs` (Retry-After, Discord `retry_after`) is a floor: never retry sooner than the vendor asked.
 */
export function nextRetryDelayMs(attempt: number, hintMs?: number, random: () => number = Math.random): number {
  const exponent = Math.max(0, Math.floor(attempt) - 1);
  const ceiling = Math.min(MAX_DELAY_MS, BASE_DELAY_MS * 2 ** Math.min(exponent, 30));
  const jittered = Math.floor(random() * ceiling);
  const floor = validHint(hintMs);
  return Math.min(MAX_DELAY_MS, Math.max(MIN_DELAY_MS, jittered, floor));
}

const validHint = (hintMs: number | undefined): number => (hintMs !== undefined && Number.isFinite(hintMs) && hintMs > 0 ? hintMs : 0);

export type RetryDecision =
  | { retry: true; delayMs: number }
  | { retry: false; reason: string };

export interface RetryOptions {
  policy?: RetryPolicy;
  /** Multiplies delays and the give-up window (tests); default 1. */
  scale?: number;
  random?: () => number;
}

/**
 * Whether try `attempt` (1-based, just failed) gets another, given when the alert was raised.
 * `delayMs` is the scaled delay; never below the vendor's hint.
 */
export function decideRetry(attempt: number, raisedAtMs: number, nowMs: number, hintMs?: number, options: RetryOptions | (() => number) = {}): RetryDecision {
  const opts: RetryOptions = typeof options === 'function' ? { random: options } : options;
  const policy = opts.policy ?? OPENING_POLICY;
  const scale = opts.scale && opts.scale > 0 ? opts.scale : 1;
  if (attempt >= policy.maxAttempts) return { retry: false, reason: `gave up after ${attempt} attempts` };
  const base = nextRetryDelayMs(attempt, scale === 1 ? hintMs : undefined, opts.random);
  const delayMs = Math.min(MAX_DELAY_MS, Math.max(base * scale, validHint(hintMs)));
  const window = policy.giveUpAfterMs * scale;
  if (nowMs + delayMs - raisedAtMs > window) {
    const hours = policy.giveUpAfterMs / 3_600_000;
    const age = hours >= 1 ? `${hours} hours` : `${Math.round(policy.giveUpAfterMs / 60_000)} minutes`;
    return { retry: false, reason: `gave up: ${policy.kind === 'resolving' ? 'still failing to resolve after' : 'alert older than'} ${age}` };
  }
  return { retry: true, delayMs };
}
