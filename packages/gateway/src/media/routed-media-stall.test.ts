/**
 * A subscriber that stops reading (issue 11), through the real gateway: one publisher and three
 * subscribers, werift peers; the first subscriber lives in a process of its own, which the test
 * SIGSTOPs (its socket no longer read, no RTCP, no ICE consent replies) and later SIGCONTs. The other
 * two must lose no more packets than before it stopped — counted by RTP sequence number, so no count is
 * skewed by packets in flight — while the gateway stops sending to the stopped one (`StallGuard`,
 * counted `outcome="stalled"`), and sends again, with a keyframe request, once it is back.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createSessionId } from '@stagepass/token';
import type { MediaKind } from './media-engine.js';
import { forkSubscriber, type SubscriberProcess } from '../test-support/subscriber-process.js';
import type { TestClient } from '../test-support/test-client.js';
import { TestGateway, type Joined } from '../test-support/test-gateway.js';
import { FakePublisher, FakeSubscriber, pause, until } from '../test-support/werift-peers.js';

/** A subscriber that notes the RTP sequence numbers it got, per kind (the gateway keeps the publisher's). */
class CountingSubscriber extends FakeSubscriber {
  readonly sequences: Record<MediaKind, Set<number>> = { audio: new Set(), video: new Set() };
  constructor() {
    super();
    this.pc.onTrack.subscribe((track) => {
      const kind: MediaKind = track.kind === 'audio' ? 'audio' : 'video';
      track.onReceiveRtp.subscribe((rtp) => this.sequences[kind].add(rtp.header.sequenceNumber));
    });
  }
  /** Packets of sequence numbers [first, end) of both kinds it never got. */
  missing(first: number, end: number): number {
    let missing = 0;
    for (let seq = first; seq < end; seq++)
      for (const kind of ['audio', 'video'] as const) if (!this.sequences[kind].has(seq & 0xffff)) missing++;
    return missing;
  }
}

async function ack(client: TestClient, message: Record<string, unknown>): Promise<Record<string, unknown>> {
  const reply = await client.request(message);
  assert.equal(reply.type, 'ack', `expected an ack, got ${JSON.stringify(reply)}`);
  return (reply as { result: Record<string, unknown> }).result;
}

async function subscribe(
  who: Joined,
  streamId: string,
  answer: (offer: Record<string, unknown>) => Promise<Record<string, unknown>>,
) {
  const subscriptionId = (await ack(who.client, { type: 'subscribe', streamId })).subscriptionId as string;
  const offer = await who.client.next('webrtc', (m) => m.subscriptionId === subscriptionId, 5000);
  await ack(who.client, { type: 'webrtc', subscriptionId, kind: 'answer', payload: await answer(offer.payload) });
}

let tg: TestGateway;
before(async () => {
  tg = await TestGateway.start();
});
after(() => tg.stop());

describe('routed media: a subscriber that stops reading', () => {
  it('never holds a subscriber that reads while its stream sends nothing (gate shut longer than mediaStallMs)', async () => {
    const sessionId = createSessionId({ appId: tg.app.appId, mediaMode: 'routed' });
    const pub = await tg.join(sessionId, { role: 'publisher' });
    const publisher = new FakePublisher();
    const subscriber = new CountingSubscriber();
    try {
      const streamId = (await ack(pub.client, { type: 'publish', hasAudio: true, hasVideo: true })).streamId as string;
      await ack(pub.client, { type: 'webrtc', streamId, kind: 'offer', payload: await publisher.offer() });
      await publisher.accept((await pub.client.next('webrtc', (m) => m.streamId === streamId, 5000)).payload);
      publisher.start();
      await subscribe(await tg.join(sessionId, { role: 'subscriber' }), streamId, (o) => subscriber.answer(o));
      await until(() => subscriber.received.video > 20, 'video at the subscriber');
      const stalled0 = await tg.metric('stagepass_media_packets_total', 'kind="video",outcome="stalled"');
      for (const property of ['hasAudio', 'hasVideo'])
        await ack(pub.client, { type: 'setStreamProperty', streamId, property, value: false });
      await pause(6000);
      for (const property of ['hasAudio', 'hasVideo'])
        await ack(pub.client, { type: 'setStreamProperty', streamId, property, value: true });
      const back = { ...subscriber.received };
      await until(
        () => subscriber.received.audio - back.audio > 20 && subscriber.received.video - back.video > 20,
        'audio and video again after 6 s with nothing to send',
      );
      assert.equal(await tg.metric('stagepass_media_packets_total', 'kind="video",outcome="stalled"'), stalled0);
    } finally {
      await publisher.close();
      await subscriber.close();
    }
  });

  it("does not raise the others' loss; the gateway stops sending to it, and resumes with a keyframe when it is back", async () => {
    const sessionId = createSessionId({ appId: tg.app.appId, mediaMode: 'routed' });
    const pub = await tg.join(sessionId, { role: 'publisher' });
    const publisher = new FakePublisher();
    const others = [new CountingSubscriber(), new CountingSubscriber()];
    let stopped: SubscriberProcess | undefined;
    try {
      const streamId = (await ack(pub.client, { type: 'publish', hasAudio: true, hasVideo: true })).streamId as string;
      await ack(pub.client, { type: 'webrtc', streamId, kind: 'offer', payload: await publisher.offer() });
      await publisher.accept((await pub.client.next('webrtc', (m) => m.streamId === streamId, 5000)).payload);
      publisher.start();
      // The one to stop subscribes first: it is the first of the stream's downloads the gate sends to.
      const lone = forkSubscriber();
      stopped = lone;
      await subscribe(await tg.join(sessionId, { role: 'subscriber' }), streamId, (offer) => lone.answer(offer));
      for (const s of others)
        await subscribe(await tg.join(sessionId, { role: 'subscriber' }), streamId, (o) => s.answer(o));
      await until(() => others.every((s) => s.received.video > 20), 'video at the two others');
      const loneCounts = async () => {
        const c = await lone.counts();
        return c.audio + c.video;
      };
      const deadline = Date.now() + 10_000;
      while ((await loneCounts()) < 20) {
        assert.ok(Date.now() < deadline, 'media at the subscriber process');
        await pause(100);
      }

      // The window before: all three read. Sequence numbers sent in it, checked once they had time to arrive.
      const window = async (ms: number) => {
        const first = publisher.sent.video;
        await pause(ms);
        return [first, publisher.sent.video] as const;
      };
      const beforeStop = await window(2000);
      const stalled0 = await tg.metric('stagepass_media_packets_total', 'kind="video",outcome="stalled"');
      lone.child.kill('SIGSTOP');
      await pause(6000); // past mediaStallMs (5 s): the gateway has given up sending to it
      const stalledAt = await tg.metric('stagepass_media_packets_total', 'kind="video",outcome="stalled"');
      const whileStopped = await window(3000);
      await pause(500);
      for (const [i, s] of others.entries()) {
        const lossBefore = s.missing(...beforeStop);
        const lossWhileStopped = s.missing(...whileStopped);
        assert.ok(
          lossWhileStopped <= lossBefore,
          `subscriber ${i} lost ${lossWhileStopped} of ${2 * (whileStopped[1] - whileStopped[0])} packets while one was stopped, ${lossBefore} before`,
        );
        assert.ok(whileStopped[1] - whileStopped[0] > 50, 'the publisher kept sending');
      }
      const stalled = await tg.metric('stagepass_media_packets_total', 'kind="video",outcome="stalled"');
      assert.equal(stalled0, 0, 'nothing stalled while all read');
      assert.ok(
        stalled - stalledAt >= whileStopped[1] - whileStopped[0] - 5,
        `video not sent to the stopped one: ${stalled - stalledAt}`,
      );

      // Back: its RTCP resumes it, with a keyframe request to the publisher.
      const plis = publisher.pictureLossIndications;
      const countsAtStop = await (async () => {
        lone.child.kill('SIGCONT');
        return loneCounts();
      })();
      await until(() => publisher.pictureLossIndications > plis, 'a keyframe request once the stopped one is back');
      const resumed = await tg.metric('stagepass_media_packets_total', 'kind="video",outcome="stalled"');
      await pause(1500);
      assert.equal(
        await tg.metric('stagepass_media_packets_total', 'kind="video",outcome="stalled"'),
        resumed,
        'nothing stalled once it is back',
      );
      assert.ok((await loneCounts()) - countsAtStop > 50, 'media at the resumed subscriber');
    } finally {
      stopped?.child.kill('SIGCONT');
      stopped?.kill();
      await publisher.close();
      for (const s of others) await s.close();
    }
  });
});
