/**
 * Routed media through the real gateway (docs/protocol.md "Routed media"), with werift peers in
 * this process standing in for browsers: raw protocol frames for the negotiation, real ICE, DTLS and
 * SRTP to the gateway's forwarder. Proves forwarding to two subscribers, the force-mute gate (0 audio
 * packets at the subscribers while the publisher keeps sending), the keyframe request, the end of a
 * stream, and who may negotiate what.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createSessionId } from '@stagepass/token';
import { TestGateway, newSessionId } from '../test-support/test-gateway.js';
import { ack, candidatesOf, publishRouted, refusal, subscribeRouted } from '../test-support/routed-negotiation.js';
import { FakePublisher, FakeSubscriber, pause, until } from '../test-support/werift-peers.js';

let tg: TestGateway;
before(async () => {
  tg = await TestGateway.start();
});
after(() => tg.stop());

/** The gateway's answer to a fresh publisher's upload offer on `gateway` (the publisher is closed again). */
async function negotiatedAnswer(gateway: TestGateway): Promise<{ sdp: unknown }> {
  const publisher = new FakePublisher();
  try {
    const sessionId = createSessionId({ appId: gateway.app.appId, mediaMode: 'routed' });
    const pub = await gateway.join(sessionId, { role: 'publisher' });
    const streamId = (await ack(pub.client, { type: 'publish', hasAudio: true, hasVideo: true })).streamId as string;
    await ack(pub.client, { type: 'webrtc', streamId, kind: 'offer', payload: await publisher.offer() });
    const answer = await pub.client.next('webrtc', (m) => m.streamId === streamId, 5000);
    return answer.payload as { sdp: unknown };
  } finally {
    await publisher.close();
  }
}

describe('routed media (werift peers through the real gateway)', () => {
  it('forwards one upload to two subscribers; a force mute cuts audio at the gateway; the publisher unmutes it', async () => {
    const sessionId = createSessionId({ appId: tg.app.appId, mediaMode: 'routed' });
    const pub = await tg.join(sessionId, { role: 'publisher' });
    assert.equal(pub.connected.mediaMode, 'routed');
    const mod = await tg.join(sessionId, { role: 'moderator' });
    const watchers = [
      await tg.join(sessionId, { role: 'subscriber' }),
      await tg.join(sessionId, { role: 'subscriber' }),
    ];
    const publisher = new FakePublisher();
    const subscribers = [new FakeSubscriber(), new FakeSubscriber()];
    try {
      const streamId = await publishRouted(pub, publisher);
      for (const [i, watcher] of watchers.entries()) await subscribeRouted(watcher, streamId, subscribers[i]!);
      await until(
        () => subscribers.every((s) => s.received.audio > 20 && s.received.video > 20),
        'audio and video at both subscribers',
      );
      await until(() => publisher.pictureLossIndications > 0, 'a keyframe request (PLI) as the subscribers joined');

      await ack(mod.client, { type: 'forceMuteStream', streamId });
      await pub.client.next('muteForced');
      // This publisher ignores muteForced and keeps sending audio: the gateway must drop it.
      await pause(300);
      const before = subscribers.map((s) => ({ ...s.received }));
      const sentBefore = publisher.sent.audio;
      await pause(1500);
      assert.ok(publisher.sent.audio - sentBefore >= 50, 'the publisher kept sending audio');
      for (const [i, s] of subscribers.entries()) {
        assert.equal(s.received.audio - before[i]!.audio, 0, `subscriber ${i} got no audio while muted`);
        assert.ok(s.received.video - before[i]!.video > 30, `subscriber ${i} still got video`);
      }

      // The gate's counts reach /metrics: audio dropped by policy, video forwarded to both.
      assert.ok((await tg.metric('stagepass_media_packets_total', 'kind="audio",outcome="dropped"')) >= 50);
      const forwarded = await tg.metric('stagepass_media_packets_total', 'kind="video",outcome="forwarded"');
      const received = await tg.metric('stagepass_media_packets_total', 'kind="video",outcome="received"');
      assert.ok(forwarded > received && received > 0, `video: ${received} received, ${forwarded} forwarded`);

      await ack(pub.client, { type: 'setStreamProperty', streamId, property: 'hasAudio', value: true });
      const unmuted = subscribers.map((s) => s.received.audio);
      await until(
        () => subscribers.every((s, i) => s.received.audio - unmuted[i]! > 20),
        'audio back at both subscribers after the publisher unmuted',
      );

      await ack(pub.client, { type: 'setStreamProperty', streamId, property: 'hasVideo', value: false });
      await pause(300);
      const videoOff = subscribers.map((s) => s.received.video);
      await pause(700);
      for (const [i, s] of subscribers.entries())
        assert.equal(s.received.video - videoOff[i]!, 0, `subscriber ${i} got no video while hasVideo is false`);

      await ack(mod.client, { type: 'forceUnpublish', streamId });
      await pause(300);
      const ended = subscribers.map((s) => s.received.audio);
      await pause(700);
      for (const [i, s] of subscribers.entries())
        assert.equal(s.received.audio - ended[i]!, 0, `subscriber ${i} got nothing after the stream ended`);
    } finally {
      await publisher.close();
      for (const s of subscribers) await s.close();
    }
  });

  it('lets only the subscriber and the stream publisher negotiate, each its own side', async () => {
    const sessionId = createSessionId({ appId: tg.app.appId, mediaMode: 'routed' });
    const pub = await tg.join(sessionId, { role: 'publisher' });
    const sub = await tg.join(sessionId, { role: 'subscriber' });
    const streamId = (await ack(pub.client, { type: 'publish', hasAudio: true, hasVideo: true })).streamId as string;
    const subscriptionId = (await ack(sub.client, { type: 'subscribe', streamId })).subscriptionId as string;
    const payload = { type: 'offer', sdp: 'v=0' };
    // The publisher is no end of a routed subscription; a subscriber never offers.
    assert.equal(
      await refusal(pub.client, { type: 'webrtc', subscriptionId, kind: 'offer', payload }),
      'ERR_NOT_FOUND',
    );
    assert.equal(
      await refusal(sub.client, { type: 'webrtc', subscriptionId, kind: 'offer', payload }),
      'ERR_MESSAGE_INVALID',
    );
    // A stream's upload is its publisher's, and takes no answer.
    assert.equal(await refusal(sub.client, { type: 'webrtc', streamId, kind: 'offer', payload }), 'ERR_NOT_FOUND');
    assert.equal(
      await refusal(pub.client, { type: 'webrtc', streamId, kind: 'answer', payload }),
      'ERR_MESSAGE_INVALID',
    );
    // Exactly one of subscriptionId and streamId.
    assert.equal(
      await refusal(pub.client, { type: 'webrtc', streamId, subscriptionId, kind: 'candidate', payload: {} }),
      'ERR_MESSAGE_INVALID',
    );
    assert.equal(await refusal(pub.client, { type: 'webrtc', kind: 'candidate', payload: {} }), 'ERR_MESSAGE_INVALID');
  });

  it('answers a failed negotiation with webrtcFailed (never the SDP), and a new offer still gets its upload', async () => {
    const sessionId = createSessionId({ appId: tg.app.appId, mediaMode: 'routed' });
    const pub = await tg.join(sessionId, { role: 'publisher' });
    const sub = await tg.join(sessionId, { role: 'subscriber' });
    const publisher = new FakePublisher();
    const subscriber = new FakeSubscriber();
    try {
      const streamId = (await ack(pub.client, { type: 'publish', hasAudio: true, hasVideo: true })).streamId as string;
      const secretSdp = 'v=0\r\nc=IN IP4 198.51.100.23\r\n';
      await ack(pub.client, { type: 'webrtc', streamId, kind: 'offer', payload: { type: 'offer', sdp: secretSdp } });
      const upload = await pub.client.next('webrtcFailed', (m) => m.streamId === streamId, 5000);
      assert.deepEqual(Object.keys(upload).sort(), ['code', 'message', 'streamId', 'type']);
      assert.equal(upload.code, 'ERR_MEDIA_NEGOTIATION');
      assert.match(upload.message, new RegExp(`stream ${streamId}'s upload.*Send a new offer`));
      assert.doesNotMatch(upload.message, /198\.51\.100\.23|v=0/, 'no SDP in the message');
      await pub.client.nothing('webrtc', 300);

      // The publisher's next offer (a new PeerConnection) is answered as usual.
      await ack(pub.client, { type: 'webrtc', streamId, kind: 'offer', payload: await publisher.offer() });
      const answer = await pub.client.next('webrtc', (m) => m.streamId === streamId, 5000);
      await publisher.accept(answer.payload);
      publisher.start();

      // A subscriber's answer the gateway cannot accept: its download is closed, and it is told.
      const subscriptionId = (await ack(sub.client, { type: 'subscribe', streamId })).subscriptionId as string;
      await sub.client.next('webrtc', (m) => m.subscriptionId === subscriptionId, 5000);
      await ack(sub.client, {
        type: 'webrtc',
        subscriptionId,
        kind: 'answer',
        payload: { type: 'answer', sdp: secretSdp },
      });
      const download = await sub.client.next('webrtcFailed', (m) => m.subscriptionId === subscriptionId, 5000);
      assert.deepEqual(Object.keys(download).sort(), ['code', 'message', 'subscriptionId', 'type']);
      assert.equal(download.code, 'ERR_MEDIA_NEGOTIATION');
      assert.match(download.message, /Unsubscribe and subscribe again/);
      assert.doesNotMatch(download.message, /198\.51\.100\.23|v=0/);
      await pub.client.nothing('webrtcFailed', 100);

      // Subscribing again works: the failure was that download's only.
      await ack(sub.client, { type: 'unsubscribe', subscriptionId });
      await subscribeRouted(sub, streamId, subscriber);
      await until(() => subscriber.received.video > 10, 'video after subscribing again');
    } finally {
      await publisher.close();
      await subscriber.close();
    }
  });

  it("keeps each stream's counts in /metrics: a force mute stops its forwarded audio and grows its dropped; unpublish removes its series", async () => {
    const sessionId = createSessionId({ appId: tg.app.appId, mediaMode: 'routed' });
    const pub = await tg.join(sessionId, { role: 'publisher' });
    const mod = await tg.join(sessionId, { role: 'moderator' });
    const sub = await tg.join(sessionId, { role: 'subscriber' });
    const publisher = new FakePublisher();
    const subscriber = new FakeSubscriber();
    try {
      const streamId = await publishRouted(pub, publisher);
      await subscribeRouted(sub, streamId, subscriber);
      await until(() => subscriber.received.audio > 20 && subscriber.received.video > 20, 'media at the subscriber');
      const series = (kind: string, outcome: string) =>
        tg.metric(
          'stagepass_media_stream_packets_total',
          `stream_id="${streamId}",kind="${kind}",outcome="${outcome}"`,
        );
      assert.ok((await series('audio', 'forwarded')) > 20, 'audio forwarded, counted for this stream');
      assert.ok((await series('audio', 'received')) >= (await series('audio', 'forwarded')), 'one subscriber');
      assert.equal(await series('audio', 'dropped'), 0);

      await ack(mod.client, { type: 'forceMuteStream', streamId });
      await pub.client.next('muteForced');
      await pause(300);
      const [forwarded, dropped, video] = [
        await series('audio', 'forwarded'),
        await series('audio', 'dropped'),
        await series('video', 'forwarded'),
      ];
      await pause(1000);
      assert.equal(await series('audio', 'forwarded'), forwarded, 'no audio forwarded while muted');
      assert.ok((await series('audio', 'dropped')) - dropped >= 20, 'audio dropped by policy grows');
      assert.ok((await series('video', 'forwarded')) > video, 'video still forwarded');

      await ack(pub.client, { type: 'unpublish', streamId });
      const text = (await tg.http('/metrics')).text;
      assert.doesNotMatch(text, new RegExp(`stream_id="${streamId}"`), 'the ended stream has no series left');
      assert.match(text, /^stagepass_media_packets_total\{kind="audio",outcome="dropped"\} [1-9]/m, 'totals stay');
    } finally {
      await publisher.close();
      await subscriber.close();
    }
  });

  it('gives at most maxStreamMetrics streams their own series (0: none)', async () => {
    for (const maxStreamMetrics of [1, 0]) {
      const capped = await TestGateway.start({ maxStreamMetrics });
      try {
        const sessionId = createSessionId({ appId: capped.app.appId, mediaMode: 'routed' });
        const pub = await capped.join(sessionId, { role: 'publisher' });
        const ids: string[] = [];
        for (let i = 0; i < 2; i++) {
          // A stream's counts (and their series) exist from its publish, media or not.
          ids.push((await ack(pub.client, { type: 'publish', hasAudio: true, hasVideo: true })).streamId as string);
        }
        const text = (await capped.http('/metrics')).text;
        const shown = ids.filter((id) => text.includes(`stream_id="${id}"`));
        assert.deepEqual(shown, ids.slice(0, maxStreamMetrics), `maxStreamMetrics ${maxStreamMetrics}`);
      } finally {
        await capped.stop();
      }
    }
  });

  it('binds its PeerConnections to the rtcPorts range: every candidate of its answer is in it, and media flows', async () => {
    const ranged = await TestGateway.start({ rtcPorts: [41000, 41099] });
    const publisher = new FakePublisher();
    const subscriber = new FakeSubscriber();
    try {
      const sessionId = createSessionId({ appId: ranged.app.appId, mediaMode: 'routed' });
      const pub = await ranged.join(sessionId, { role: 'publisher' });
      const sub = await ranged.join(sessionId, { role: 'subscriber' });
      const streamId = (await ack(pub.client, { type: 'publish', hasAudio: true, hasVideo: true })).streamId as string;
      await ack(pub.client, { type: 'webrtc', streamId, kind: 'offer', payload: await publisher.offer() });
      const answer = await pub.client.next('webrtc', (m) => m.streamId === streamId, 5000);
      const ports = candidatesOf(answer.payload.sdp).map((c) => c.port);
      assert.ok(ports.length > 0, 'the answer has candidates');
      for (const port of ports) assert.ok(port >= 41000 && port <= 41099, `candidate port ${port} in 41000-41099`);
      await publisher.accept(answer.payload);
      publisher.start();
      await subscribeRouted(sub, streamId, subscriber);
      await until(() => subscriber.received.video > 10, 'video through the ranged ports');
    } finally {
      await publisher.close();
      await subscriber.close();
      await ranged.stop();
    }
  });

  it('puts announcedIp in its candidates instead of its own addresses, and media flows to it', async () => {
    // Loopback is never among werift's own host addresses: with it announced, every candidate of the
    // gateway's answer and offer is 127.0.0.1, and media reaches the sockets listening on every interface.
    const plain = candidatesOf((await negotiatedAnswer(tg)).sdp);
    assert.ok(plain.length > 0 && !plain.some((c) => c.address === '127.0.0.1'), 'no loopback candidate by default');
    const announced = await TestGateway.start({ announcedIp: '127.0.0.1', rtcPorts: [41100, 41199] });
    const publisher = new FakePublisher();
    const subscriber = new FakeSubscriber();
    try {
      const sessionId = createSessionId({ appId: announced.app.appId, mediaMode: 'routed' });
      const pub = await announced.join(sessionId, { role: 'publisher' });
      const sub = await announced.join(sessionId, { role: 'subscriber' });
      const streamId = (await ack(pub.client, { type: 'publish', hasAudio: true, hasVideo: true })).streamId as string;
      await ack(pub.client, { type: 'webrtc', streamId, kind: 'offer', payload: await publisher.offer() });
      const answer = await pub.client.next('webrtc', (m) => m.streamId === streamId, 5000);
      const inAnswer = candidatesOf(answer.payload.sdp);
      assert.equal(inAnswer.length, 1, 'one candidate: the announced address');
      assert.equal(inAnswer[0]!.address, '127.0.0.1');
      assert.ok(inAnswer[0]!.port >= 41100 && inAnswer[0]!.port <= 41199, `port ${inAnswer[0]!.port} in rtcPorts`);
      await publisher.accept(answer.payload);
      publisher.start();
      const subscriptionId = (await ack(sub.client, { type: 'subscribe', streamId })).subscriptionId as string;
      const offer = await sub.client.next('webrtc', (m) => m.subscriptionId === subscriptionId, 5000);
      assert.deepEqual(
        candidatesOf(offer.payload.sdp).map((c) => c.address),
        ['127.0.0.1'],
        "the subscriber's offer too",
      );
      const payload = await subscriber.answer(offer.payload);
      await ack(sub.client, { type: 'webrtc', subscriptionId, kind: 'answer', payload });
      await until(() => subscriber.received.video > 10 && subscriber.received.audio > 10, 'media via 127.0.0.1');
    } finally {
      await publisher.close();
      await subscriber.close();
      await announced.stop();
    }
  });

  it('announces an IPv6 address as given', async () => {
    const announced = await TestGateway.start({ announcedIp: '2001:db8::7' });
    try {
      const addresses = candidatesOf((await negotiatedAnswer(announced)).sdp).map((c) => c.address);
      assert.deepEqual(addresses, ['2001:db8::7']);
    } finally {
      await announced.stop();
    }
  });

  it('keeps relayed sessions as they were: mediaMode relayed, and no streamId negotiation', async () => {
    const sessionId = newSessionId('relayed');
    const pub = await tg.join(sessionId, { role: 'publisher' });
    assert.equal(pub.connected.mediaMode, 'relayed');
    const streamId = (await ack(pub.client, { type: 'publish', hasAudio: true, hasVideo: true })).streamId as string;
    const code = await refusal(pub.client, { type: 'webrtc', streamId, kind: 'offer', payload: { sdp: 'v=0' } });
    assert.equal(code, 'ERR_MESSAGE_INVALID');
  });
});
