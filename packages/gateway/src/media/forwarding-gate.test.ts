import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ForwardingGate, type PacketSink } from './forwarding-gate.js';
import { KeyframeThrottle } from './keyframe-throttle.js';
import type { MediaKind } from './media-engine.js';

function sink(): PacketSink & { got: [MediaKind, Buffer][] } {
  const got: [MediaKind, Buffer][] = [];
  return {
    got,
    send: (kind, packet) => {
      got.push([kind, packet]);
      return true;
    },
  };
}

describe('ForwardingGate', () => {
  it('is shut until the core opens it, then forwards each kind while it is open, to every sink', () => {
    const gate = new ForwardingGate();
    const a = sink();
    const b = sink();
    gate.sinks.add(a).add(b);
    gate.forward('audio', Buffer.from([1]));
    assert.equal(a.got.length, 0);
    gate.set({ audio: true, video: true });
    gate.forward('audio', Buffer.from([2]));
    gate.forward('video', Buffer.from([3]));
    assert.deepEqual(
      a.got.map(([kind, p]) => [kind, p[0]]),
      [
        ['audio', 2],
        ['video', 3],
      ],
    );
    assert.equal(b.got.length, 2);
    assert.deepEqual(gate.counts.audio, { received: 2, forwarded: 2, dropped: 1, stalled: 0 });
    assert.deepEqual(gate.counts.video, { received: 1, forwarded: 2, dropped: 0, stalled: 0 });
  });

  it('drops audio while force-muted and video while hasVideo is false, and says when video comes back', () => {
    const gate = new ForwardingGate();
    const a = sink();
    gate.sinks.add(a);
    assert.equal(gate.set({ audio: true, video: true }), true);
    assert.equal(gate.set({ audio: false, video: true }), false);
    for (let i = 0; i < 5; i++) gate.forward('audio', Buffer.from([i]));
    gate.forward('video', Buffer.from([9]));
    assert.deepEqual(
      a.got.map(([kind]) => kind),
      ['video'],
    );
    assert.equal(gate.counts.audio.dropped, 5);
    assert.equal(gate.set({ audio: true, video: false }), false);
    gate.forward('video', Buffer.from([10]));
    gate.forward('audio', Buffer.from([11]));
    assert.deepEqual(
      a.got.map(([kind, p]) => [kind, p[0]]),
      [
        ['video', 9],
        ['audio', 11],
      ],
    );
    assert.equal(gate.set({ audio: true, video: true }), true, 'video back: a keyframe is due');
  });
});

describe('KeyframeThrottle', () => {
  it('sends at once, then at most once per interval, a request inside it being sent at its end', async () => {
    let now = 1_000;
    let sent = 0;
    const throttle = new KeyframeThrottle(
      () => sent++,
      40,
      () => now,
    );
    throttle.request();
    assert.equal(sent, 1);
    now += 10;
    throttle.request();
    throttle.request();
    assert.equal(sent, 1, 'held inside the interval');
    now += 30;
    await new Promise((resolve) => setTimeout(resolve, 60));
    assert.equal(sent, 2, 'the held request is sent once, at the end of the interval');
    now += 100;
    throttle.request();
    assert.equal(sent, 3);
    now += 1;
    throttle.request();
    throttle.stop();
    await new Promise((resolve) => setTimeout(resolve, 60));
    assert.equal(sent, 3, 'stopped: the held request is dropped');
  });
});
