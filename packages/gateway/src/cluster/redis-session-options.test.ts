/** The options of createRedisSessionService that are checked when it is made (no Redis is needed for that). */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createRedisSessionService } from './redis-session-service.js';

const url = 'redis://127.0.0.1:1';

describe('createRedisSessionService options', () => {
  for (const [option, value, rule] of [
    ['takeoverTimeoutMs', 0, 'must be a whole number of milliseconds from 1 to 60000'],
    ['takeoverTimeoutMs', 1.5, 'must be a whole number of milliseconds from 1 to 60000'],
    ['maxTrackedRequests', 0, 'must be a whole number from 1 to 65536'],
    ['maxTrackedRequests', '10', 'must be a whole number from 1 to 65536'],
  ] as const) {
    it(`refuses ${option}: ${JSON.stringify(value)} with ERR_INVALID_OPTION naming it`, () => {
      assert.throws(
        () => createRedisSessionService({ url, [option]: value as never }),
        (err: { code?: string; message?: string }) =>
          err.code === 'ERR_INVALID_OPTION' && err.message!.includes(option) && err.message!.includes(rule),
      );
    });
  }

  it('takes the documented bounds', () => {
    createRedisSessionService({ url, takeoverTimeoutMs: 1, maxTrackedRequests: 65_536 });
    createRedisSessionService({ url, takeoverTimeoutMs: 60_000, maxTrackedRequests: 1 });
  });
});
