import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { closestName, didYouMean, editDistance } from './did-you-mean.js';

describe('did you mean', () => {
  it('counts insertions, deletions, substitutions and adjacent swaps as one edit each', () => {
    assert.equal(editDistance('', 'abc'), 3);
    assert.equal(editDistance('abc', 'abc'), 0);
    assert.equal(editDistance('--prot', '--port'), 1);
    assert.equal(editDistance('--drainms', '--drain-ms'), 1);
    assert.equal(editDistance('--drain-ms', '--drin-mss'), 2);
    assert.equal(editDistance('kitten', 'sitting'), 3);
  });

  it('suggests the closest name within the allowed distance, and nothing when none or two are as close', () => {
    const flags = ['--port', '--host', '--max-payload-bytes', '--max-buffered-bytes', '--db', '--dev'];
    assert.equal(closestName('--max-payload-byte', flags), '--max-payload-bytes');
    assert.equal(closestName('--prot', flags), '--port');
    assert.equal(closestName('--maxPayloadBytes', flags), '--max-payload-bytes', 'another style of the same name');
    assert.equal(closestName('--MAX_PAYLOAD_BYTES', flags), '--max-payload-bytes');
    assert.equal(closestName('--frobnicate', flags), undefined);
    assert.equal(closestName('--dv', flags), undefined, '--db and --dev are equally close');
    assert.equal(closestName('--x', []), undefined);
    assert.equal(didYouMean('--hots', flags), ' (did you mean --host?)');
    assert.equal(didYouMean('--nothing-like-it', flags), '');
  });
});
