/**
 * Guard of the werift engine's packet memo (docs/benchmarks.md, shortcut ledger): each download clones the
 * uplink's parsed packet instead of parsing its bytes again. werift's `sendRtp` rewrites the header it is
 * given (SSRC, payload type, sequence number, timestamp, extensions) and keeps it for retransmissions, so
 * each download must get a header of its own (first test); and end to end, two downloads of one upload each
 * get every packet with their own SSRC, consecutive sequence numbers and the payload as sent (second).
 */
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { RtpHeader, RtpPacket } from 'werift';
import { FakePublisher, FakeSubscriber, until } from '../test-support/werift-peers.js';
import type { Downlink, MediaKind } from './media-engine.js';
import { ParsedPackets, createWeriftEngine } from './werift-engine.js';

interface Seen {
  readonly ssrc: number;
  readonly sequenceNumber: number;
  readonly payload: Buffer;
}

/** Every video packet a subscriber receives, header fields and payload. */
function recordVideo(subscriber: FakeSubscriber): Seen[] {
  const seen: Seen[] = [];
  subscriber.pc.onTrack.subscribe((track) => {
    if (track.kind !== 'video') return;
    track.onReceiveRtp.subscribe((rtp: RtpPacket) =>
      seen.push({ ssrc: rtp.header.ssrc, sequenceNumber: rtp.header.sequenceNumber, payload: rtp.payload }),
    );
  });
  return seen;
}

const closers: (() => Promise<void> | void)[] = [];
after(async () => {
  for (const close of closers.reverse()) await close();
});

describe('werift engine: the packet memo', () => {
  it('gives each download a header of its own, sharing the payload; bytes it does not know go to werift as they are', () => {
    const memo = new ParsedPackets();
    const payload = Buffer.alloc(100, 7);
    const original = new RtpPacket(
      new RtpHeader({ ssrc: 1111, payloadType: 96, sequenceNumber: 5, timestamp: 900, marker: true }),
      payload,
    );
    const bytes = original.serialize();
    memo.remember(bytes, original);
    const first = memo.copyFor(bytes) as RtpPacket;
    // What werift's sendRtp does to the packet it is given:
    first.header.ssrc = 2222;
    first.header.payloadType = 100;
    first.header.sequenceNumber = 60_000;
    first.header.timestamp = 123_456;
    first.header.extensions = [{ id: 1, payload: Buffer.from([1]) }];
    const second = memo.copyFor(bytes) as RtpPacket;
    assert.notEqual(second, first);
    assert.deepEqual(
      [second.header.ssrc, second.header.payloadType, second.header.sequenceNumber, second.header.timestamp],
      [1111, 96, 5, 900],
      'the next download gets the header as it came in',
    );
    assert.deepEqual(second.header.extensions, []);
    assert.equal(second.payload, payload, 'the payload is shared, not copied');
    assert.ok(second.serialize().equals(bytes), 'its copy serialises to the very bytes the uplink handed on');
    const unknown = Buffer.from(bytes);
    assert.equal(memo.copyFor(unknown), unknown, 'bytes not remembered are passed on as bytes');
  });
});

describe('werift engine: one uplink forwarded to two downloads', () => {
  it('gives each download its own copy of every packet: its own SSRC, consecutive sequence numbers, the bytes as sent', async () => {
    const engine = createWeriftEngine();
    const downlinks: Downlink[] = [];
    const handed: { kind: MediaKind; bytes: Buffer; copy: Buffer }[] = [];
    const uplink = await engine.createUplink({
      onPacket(kind, bytes) {
        handed.push({ kind, bytes, copy: Buffer.from(bytes) });
        for (const downlink of downlinks) downlink.send(kind, bytes);
      },
    });
    closers.push(() => uplink.close());
    const publisher = new FakePublisher();
    closers.push(() => publisher.close());
    await publisher.accept((await uplink.answer((await publisher.offer()) as never)) as never);

    const subscribers = [new FakeSubscriber(), new FakeSubscriber()];
    const seen = subscribers.map(recordVideo);
    for (const subscriber of subscribers) {
      closers.push(() => subscriber.close());
      const downlink = await engine.createDownlink({ onConnected() {}, onKeyframeRequest() {}, onFeedback() {} });
      closers.push(() => downlink.close());
      await downlink.accept((await subscriber.answer((await downlink.offer()) as never)) as never);
      downlinks.push(downlink);
    }
    publisher.start();
    await until(() => seen.every((s) => s.length >= 40), 'both subscribers receiving video', 20_000);

    const ssrcs = seen.map((s) => new Set(s.map((p) => p.ssrc)));
    for (const set of ssrcs) assert.equal(set.size, 1, 'one SSRC per download');
    assert.notEqual([...ssrcs[0]!][0], [...ssrcs[1]!][0], 'each download has its own SSRC');
    for (const [i, packets] of seen.entries()) {
      const steps = packets.slice(1).map((p, j) => (p.sequenceNumber - packets[j]!.sequenceNumber + 0x10000) % 0x10000);
      assert.ok(
        steps.every((step) => step === 1),
        `subscriber ${i}: sequence numbers step by 1 (a shared packet would be rewritten twice): ${steps.join()}`,
      );
      for (const p of packets) {
        assert.equal(p.payload.length, 120);
        assert.ok(
          p.payload.every((byte) => byte === p.payload[0]),
          `subscriber ${i}: the payload as the publisher made it`,
        );
      }
    }
    for (const { bytes, copy } of handed)
      assert.ok(bytes.equals(copy), 'the bytes handed to onPacket stay as they were');
  });
});
