import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ForwardingGate } from './forwarding-gate.js';
import type { MediaKind } from './media-engine.js';
import { DEFAULT_STALL_AFTER_MS, StallGuard } from './stall-guard.js';

function downlink(): { sent: MediaKind[]; send(kind: MediaKind): void } {
  const sent: MediaKind[] = [];
  return { sent, send: (kind) => sent.push(kind) };
}

describe('StallGuard', () => {
  it('passes packets before the download connects and while its subscriber sends RTCP', () => {
    let now = 0;
    const d = downlink();
    const guard = new StallGuard(d, { now: () => now });
    assert.equal(guard.send('video', Buffer.alloc(1)), true, 'not connected yet: the downlink decides');
    now = 60_000;
    guard.alive(); // connected
    for (let t = 1; t <= 10; t++) {
      now += 1000;
      guard.alive(); // a receiver report a second
      assert.equal(guard.send('audio', Buffer.alloc(1)), true);
    }
    assert.equal(d.sent.length, 11);
    assert.equal(guard.stalled, false);
  });

  it('drops packets once the subscriber has been silent for stallAfterMs, and resumes with a keyframe request at its next RTCP', () => {
    let now = 0;
    let resumed = 0;
    const d = downlink();
    const guard = new StallGuard(d, { now: () => now, onResume: () => resumed++ });
    guard.alive();
    assert.equal(guard.send('video', Buffer.alloc(1)), true);
    now = DEFAULT_STALL_AFTER_MS;
    assert.equal(guard.send('video', Buffer.alloc(1)), true, 'exactly stallAfterMs: still alive');
    now = DEFAULT_STALL_AFTER_MS + 1;
    assert.equal(guard.send('video', Buffer.alloc(1)), false);
    assert.equal(guard.stalled, true);
    assert.equal(guard.send('audio', Buffer.alloc(1)), false);
    assert.equal(d.sent.length, 2);
    assert.equal(resumed, 0);
    guard.alive();
    assert.equal(resumed, 1, 'back: one keyframe request');
    assert.equal(guard.send('video', Buffer.alloc(1)), true);
    guard.alive();
    assert.equal(resumed, 1, 'RTCP while not stalled asks for nothing');
  });

  it('counts silence only while packets flow: after a gap as long as the limit, a fresh grace period', () => {
    let now = 0;
    const d = downlink();
    const guard = new StallGuard(d, { now: () => now, stallAfterMs: 100 });
    guard.alive(); // connected, then the gate stays shut (or the publisher is not sending yet) for a while
    now = 10_000;
    assert.equal(guard.send('video', Buffer.alloc(1)), true, 'first packet after the gap');
    now += 100;
    assert.equal(guard.send('video', Buffer.alloc(1)), true, 'within the fresh grace period');
    now += 1;
    assert.equal(guard.send('video', Buffer.alloc(1)), false, 'silent for 101 ms of flowing packets');
  });

  it('never stalls with stallAfterMs 0', () => {
    let now = 0;
    const d = downlink();
    const guard = new StallGuard(d, { now: () => now, stallAfterMs: 0 });
    guard.alive();
    now = 3_600_000;
    assert.equal(guard.send('video', Buffer.alloc(1)), true);
    assert.equal(guard.stalled, false);
  });

  it('is counted by the gate as stalled, not forwarded, while the other sinks keep getting everything', () => {
    let now = 0;
    const gate = new ForwardingGate();
    gate.set({ audio: true, video: true });
    const healthy = downlink();
    const silent = downlink();
    const a = new StallGuard(healthy, { now: () => now, stallAfterMs: 100 });
    const b = new StallGuard(silent, { now: () => now, stallAfterMs: 100 });
    a.alive();
    b.alive();
    gate.sinks.add(a).add(b);
    for (let i = 0; i < 10; i++) {
      now += 20;
      a.alive();
      gate.forward('video', Buffer.alloc(1));
    }
    assert.equal(healthy.sent.length, 10);
    // Its silence counts from the first packet (at 20 ms): sent until 120 ms, then held.
    assert.equal(silent.sent.length, 6);
    assert.deepEqual(gate.counts.video, { received: 10, forwarded: 16, dropped: 0, stalled: 4 });
  });
});
