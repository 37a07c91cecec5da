import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createVersionMemo } from './version-memo.js';

const nextTurn = () => new Promise((resolve) => setImmediate(resolve));

/** A memo over a table of versions that counts its reads. */
function memoOver(table: Map<string, number>) {
  const reads: string[] = [];
  const memo = createVersionMemo((appId) => {
    reads.push(appId);
    return table.get(appId);
  });
  return { memo, reads };
}

describe('version memo', () => {
  it('reads each app once per event-loop turn, unknown apps too', async () => {
    const table = new Map([['a', 1]]);
    const { memo, reads } = memoOver(table);
    assert.equal(memo.get('a'), 1);
    assert.equal(memo.get('nobody'), undefined);
    table.set('a', 2);
    table.set('nobody', 1);
    assert.equal(memo.get('a'), 1, 'same turn: the version read before');
    assert.equal(memo.get('nobody'), undefined, 'same turn: still unknown');
    assert.deepEqual(reads, ['a', 'nobody']);
    await nextTurn();
    assert.equal(memo.get('a'), 2);
    assert.equal(memo.get('nobody'), 1);
    assert.deepEqual(reads, ['a', 'nobody', 'a', 'nobody']);
  });

  it('clear() makes the next get read again, in the same turn', () => {
    const table = new Map([['a', 1]]);
    const { memo, reads } = memoOver(table);
    memo.get('a');
    table.set('a', 2);
    memo.clear();
    assert.equal(memo.get('a'), 2);
    assert.deepEqual(reads, ['a', 'a']);
  });

  it('held() tells the version read this turn without reading one', async () => {
    const { memo, reads } = memoOver(new Map([['a', 7]]));
    assert.equal(memo.held('a'), undefined);
    memo.get('a');
    assert.equal(memo.held('a'), 7);
    memo.clear();
    assert.equal(memo.held('a'), undefined);
    memo.get('a');
    await nextTurn();
    assert.equal(memo.held('a'), undefined, 'a new turn holds nothing');
    assert.deepEqual(reads, ['a', 'a']);
  });
});
