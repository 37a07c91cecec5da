import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  RATE_LIMIT_CLOSE_AFTER_MS,
  RATE_LIMIT_CLOSE_AFTER_REFUSED,
  initialRateState,
  takeToken,
  type RateVerdict,
} from './rate-limit.js';

const LIMIT = { perSecond: 50, burst: 100 };

/** Sends `count` messages `gapMs` apart starting at `t`; returns the verdicts. */
function run(state: ReturnType<typeof initialRateState>, t: number, count: number, gapMs: number): RateVerdict[] {
  return Array.from({ length: count }, (_, i) => takeToken(state, LIMIT, t + i * gapMs));
}

describe('rate limit: token bucket', () => {
  it('allows a burst of `burst`, then refuses until refilled at perSecond', () => {
    const state = initialRateState(LIMIT, 0);
    assert.deepEqual(new Set(run(state, 0, 100, 0)), new Set(['allow']));
    assert.equal(takeToken(state, LIMIT, 0), 'refuse');
    assert.equal(takeToken(state, LIMIT, 19), 'refuse'); // 0.95 of a token
    assert.equal(takeToken(state, LIMIT, 20), 'allow'); // 1 token per 20 ms
    assert.equal(takeToken(state, LIMIT, 20), 'refuse');
  });

  it('never holds more than `burst`, however long the pause', () => {
    const state = initialRateState(LIMIT, 0);
    run(state, 0, 10, 0);
    const verdicts = run(state, 3_600_000, 101, 0);
    assert.equal(verdicts.filter((v) => v === 'allow').length, 100);
  });

  it('a client sending steadily at the rate is never refused', () => {
    const state = initialRateState(LIMIT, 0);
    assert.deepEqual(new Set(run(state, 0, 5000, 20)), new Set(['allow']));
  });

  it(`closes after ${RATE_LIMIT_CLOSE_AFTER_REFUSED} refusals in a run`, () => {
    const state = initialRateState(LIMIT, 0);
    run(state, 0, 100, 0);
    const verdicts = run(state, 0, RATE_LIMIT_CLOSE_AFTER_REFUSED, 0);
    assert.deepEqual(new Set(verdicts.slice(0, -1)), new Set(['refuse']));
    assert.equal(verdicts.at(-1), 'close');
  });

  it(`closes a client that stays over the limit for ${RATE_LIMIT_CLOSE_AFTER_MS} ms, even at twice the rate`, () => {
    const state = initialRateState(LIMIT, 0);
    run(state, 0, 100, 0);
    // 100/s against 50/s: every other message passes, the run of refusals never pauses for a second.
    const verdicts = run(state, 0, 400, 10);
    const closeAt = verdicts.indexOf('close');
    assert.ok(closeAt > 0, 'never closed');
    assert.ok(
      closeAt * 10 >= RATE_LIMIT_CLOSE_AFTER_MS && closeAt * 10 <= RATE_LIMIT_CLOSE_AFTER_MS + 20,
      `closed at ${closeAt * 10} ms`,
    );
    assert.ok(verdicts.slice(0, closeAt).includes('allow'));
  });

  it('a client that slowed down for a second starts a new run', () => {
    const state = initialRateState(LIMIT, 0);
    run(state, 0, 100, 0);
    assert.equal(run(state, 0, 150, 0).at(-1), 'refuse');
    // 1.5 s later the bucket has refilled and the old refusals no longer count.
    run(state, 1500, 75, 0);
    const verdicts = run(state, 1500, 150, 0);
    assert.equal(verdicts.includes('close'), false);
  });
});
