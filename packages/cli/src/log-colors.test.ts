import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { useLogColors } from './log-colors.js';

describe('useLogColors', () => {
  it('colours a terminal only, and honours NO_COLOR, FORCE_COLOR and TERM=dumb', () => {
    const cases: readonly [Record<string, string>, boolean, boolean][] = [
      [{}, true, true],
      [{}, false, false], // a pipe or a file: never colour codes
      [{ NO_COLOR: '1' }, true, false],
      [{ NO_COLOR: '' }, true, true], // empty means unset (no-color.org)
      [{ TERM: 'dumb' }, true, false],
      [{ FORCE_COLOR: '1' }, false, true],
      [{ FORCE_COLOR: '0' }, true, false],
      [{ FORCE_COLOR: 'false' }, true, false],
      [{ FORCE_COLOR: '1', NO_COLOR: '1' }, true, false],
      [{ FORCE_COLOR: '1', TERM: 'dumb' }, false, true],
    ];
    for (const [env, tty, expected] of cases)
      assert.equal(useLogColors(env, tty), expected, JSON.stringify({ env, tty }));
  });
});
