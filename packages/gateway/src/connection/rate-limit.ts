/** A per-connection message rate: a token bucket refilled at `perSecond`, holding at most `burst`. */
export interface RateLimit {
  readonly perSecond: number;
  readonly burst: number;
}

/**
 * The bucket of one connection. The fields live on the connection object itself, so limiting
 * costs no allocation per connection or per message.
 */
export interface RateState {
  /** Tokens left (fractional while refilling). */
  tokens: number;
  /** When the bucket was last refilled, monotonic milliseconds. */
  refillAt: number;
  /** Start of the current run of refusals. */
  overSince: number;
  /** Time of the latest refusal. */
  lastRefusedAt: number;
  /** Refusals in the current run. */
  refused: number;
}

/** A connection refused for this long without a pause ends with close 1008 (docs/protocol.md "Limits"). */
export const RATE_LIMIT_CLOSE_AFTER_MS = 2000;
/** …or after this many refused messages in one run. */
export const RATE_LIMIT_CLOSE_AFTER_REFUSED = 200;
/** A refusal this long after the previous one starts a new run: the client had slowed down. */
const RUN_GAP_MS = 1000;

export type RateVerdict = 'allow' | 'refuse' | 'close';

/** A full bucket, as a connection starts. */
export function initialRateState(limit: RateLimit, t: number): RateState {
  return { tokens: limit.burst, refillAt: t, overSince: 0, lastRefusedAt: 0, refused: 0 };
}

/**
 * Takes one token for a message arriving at `t` (monotonic ms). `refuse` while the bucket is empty;
 * `close` once the client has kept going over the limit for 2 s or 200 refused messages.
 */
export function takeToken(state: RateState, limit: RateLimit, t: number): RateVerdict {
  const elapsed = t - state.refillAt;
  if (elapsed > 0) {
    state.tokens = Math.min(limit.burst, state.tokens + (elapsed * limit.perSecond) / 1000);
    state.refillAt = t;
  }
  if (state.tokens >= 1) {
    state.tokens -= 1;
    return 'allow';
  }
  if (state.refused === 0 || t - state.lastRefusedAt > RUN_GAP_MS) {
    state.overSince = t;
    state.refused = 0;
  }
  state.refused++;
  state.lastRefusedAt = t;
  if (state.refused >= RATE_LIMIT_CLOSE_AFTER_REFUSED || t - state.overSince >= RATE_LIMIT_CLOSE_AFTER_MS)
    return 'close';
  return 'refuse';
}
