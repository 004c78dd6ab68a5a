/**
 * Per-target circuit breaker whose state is plain JSON, so it can live in storage between
 * invocations (as cockatiel's serializable breaker does). Schedule from Bitbucket Data Center
 * webhooks: after 5 consecutive failures skip the target for 10 s, doubling on every failed trial
 * up to 10 hours (https://confluence.atlassian.com/bitbucketserver/manage-webhooks-938025878.html).
 *
 * `undefined` is the closed state with no failures: nothing stored. Functions return the SAME
 * reference when nothing changed, so callers write only when `next !== previous`.
 */

export const BREAKER_THRESHOLD = 5;
export const BREAKER_INITIAL_OPEN_MS = 10_000;
export const BREAKER_MAX_OPEN_MS = 10 * 60 * 60 * 1000;

export interface BreakerState {
  /** Consecutive failures. */
  failures: number;
  /** When the first of them happened (ms), for "failing since" in the UI. */
  since: number;
  /** Set while open: no delivery before this time (ms); the first one after it is a trial. */
  openUntil?: number;
  /** Length of the current open window (ms); doubles on each failed trial. */
  openMs?: number;
}

export function isOpen(state: BreakerState | undefined, now: number): boolean {
  return state?.openUntil !== undefined && now < state.openUntil;
}

/** Closed, or open with its window passed (half-open: let one try through). */
export function breakerAllows(state: BreakerState | undefined, now: number): boolean {
  return !isOpen(state, now);
}

/** Milliseconds until the breaker lets a try through (0 when it does now). */
export function breakerWaitMs(state: BreakerState | undefined, now: number): number {
  return isOpen(state, now) ? state!.openUntil! - now : 0;
}

/** Closes the breaker. From `undefined` this returns `undefined` again: nothing to write. */
export function recordSuccess(_state: BreakerState | undefined): undefined {
  return undefined;
}

export function recordFailure(state: BreakerState | undefined, now: number): BreakerState {
  if (!state) return { failures: 1, since: now };
  // A failure reported while open came from a try that started before the breaker tripped:
  // it says nothing new, and extending the window for it would punish concurrency.
  if (isOpen(state, now)) return state;
  const failures = state.failures + 1;
  if (failures < BREAKER_THRESHOLD) return { failures, since: state.since };
  const openMs = state.openMs === undefined
    ? BREAKER_INITIAL_OPEN_MS
    : Math.min(BREAKER_MAX_OPEN_MS, state.openMs * 2);
  return { failures, since: state.since, openUntil: now + openMs, openMs };
}

/** Validates a stored value (storage is not trusted to hold what we wrote); anything odd reads as closed. */
export function parseBreakerState(value: unknown): BreakerState | undefined {
  if (value === null || typeof value !== 'object') return undefined;
  const v = value as Record<string, unknown>;
  const num = (x: unknown): x is number => typeof x === 'number' && Number.isFinite(x);
  if (!num(v.failures) || v.failures < 1 || !num(v.since)) return undefined;
  const state: BreakerState = { failures: v.failures, since: v.since };
  if (num(v.openUntil) && num(v.openMs)) {
    state.openUntil = v.openUntil;
    state.openMs = v.openMs;
  }
  return state;
}
