import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { booleanOption, checkOptionNames, functionOption, wholeNumberOption } from './option-checks.js';
import { StagepassError } from './stagepass-error.js';
import { toUnixSeconds } from './time-units.js';

function refusal(fn: () => unknown): StagepassError {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof StagepassError);
    assert.equal(err.code, 'ERR_INVALID_OPTION');
    return err;
  }
  assert.fail('expected ERR_INVALID_OPTION');
}

describe('option checks', () => {
  it('refuse a non-object and unknown names, naming them', () => {
    assert.equal(
      refusal(() => checkOptionNames(null, new Set(['a']), { scope: 'f', what: 'a' })).message,
      'f: options must be an object with a.',
    );
    const unknown = refusal(() => checkOptionNames({ a: 1, b: 2 }, new Set(['a'])));
    assert.equal(unknown.option, 'b');
    assert.equal(unknown.message, 'b: is not an option');
    checkOptionNames({ a: 1 }, new Set(['a']));
  });
  it('take whole numbers in range, with the default when undefined', () => {
    assert.equal(wholeNumberOption(undefined, 'port', 4280, 0, 65535), 4280);
    assert.equal(wholeNumberOption(0, 'port', 4280, 0, 65535), 0);
    for (const bad of [-1, 65536, 1.5, '80', Number.NaN]) {
      const err = refusal(() => wholeNumberOption(bad, 'port', 4280, 0, 65535, { scope: 'createGateway' }));
      assert.equal(err.message, 'createGateway: port must be a whole number from 0 to 65535.');
      assert.equal(err.rule, 'must be a whole number from 0 to 65535');
    }
    assert.equal(
      refusal(() => wholeNumberOption(301, 'clockTolerance', 30, 0, 300, { unit: 'seconds' })).message,
      'clockTolerance: must be a whole number of seconds from 0 to 300',
    );
  });
  it('take functions and booleans', () => {
    const clock = () => 1;
    assert.equal(functionOption(clock, 'now', Date.now, 'must be a function'), clock);
    assert.equal(functionOption(undefined, 'now', Date.now, 'must be a function'), Date.now);
    assert.equal(
      refusal(() => functionOption(1, 'now', Date.now, 'must be a function returning milliseconds')).rule,
      'must be a function returning milliseconds',
    );
    assert.equal(booleanOption(undefined, 'x', true), true);
    assert.equal(refusal(() => booleanOption('yes', 'x', true)).option, 'x');
  });
  it('read seconds off a millisecond clock by truncation', () => {
    assert.equal(toUnixSeconds(1_999), 1);
    assert.equal(toUnixSeconds(2_000), 2);
  });
});
