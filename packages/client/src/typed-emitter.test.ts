import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { TypedEmitter } from './typed-emitter.js';

interface Events {
  ping: { n: number };
  [type: `ping:${string}`]: { n: number };
}
class Pinger extends TypedEmitter<Events> {
  fire<K extends keyof Events>(type: K, event: Events[K]): void {
    this.emit(type, event);
  }
}

describe('TypedEmitter', () => {
  it('on, once and off, in the order handlers were added', () => {
    const p = new Pinger();
    const seen: string[] = [];
    const a = (e: { n: number }) => seen.push(`a${e.n}`);
    p.on('ping', a)
      .once('ping', (e) => seen.push(`once${e.n}`))
      .on('ping:x', (e) => seen.push(`x${e.n}`));
    p.fire('ping', { n: 1 });
    p.fire('ping', { n: 2 });
    p.fire('ping:x', { n: 3 });
    p.off('ping', a);
    p.fire('ping', { n: 4 });
    p.off('ping:x');
    p.fire('ping:x', { n: 5 });
    assert.deepEqual(seen, ['a1', 'once1', 'a2', 'x3']);
  });

  it('a handler that throws stops neither the others nor the emitter; its error is rethrown on a microtask', () => {
    const p = new Pinger();
    const seen: number[] = [];
    p.on('ping', () => {
      throw new Error('app bug');
    }).on('ping', (e) => seen.push(e.n));
    const queued: (() => void)[] = [];
    const original = globalThis.queueMicrotask;
    globalThis.queueMicrotask = (task) => {
      queued.push(task);
    };
    try {
      p.fire('ping', { n: 1 });
    } finally {
      globalThis.queueMicrotask = original;
    }
    assert.deepEqual(seen, [1]);
    assert.equal(queued.length, 1);
    assert.throws(() => queued[0]!(), { message: 'app bug' });
  });
});
