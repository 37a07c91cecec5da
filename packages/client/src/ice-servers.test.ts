/**
 * connect()'s `iceServers` through the real gateway (fake RTCPeerConnection): with none given, each
 * RTCPeerConnection gets the gateway's (`connected.iceServers`, its TURN credential made for this
 * connection); an app's own list wins over them.
 */
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { FakePeerConnection, fakeCamera, fakeWebRtc, until } from './test-support/fake-webrtc.js';
import { Harness, newSessionId, nextEvent } from './test-support/harness.js';
import { TcpProxy } from './test-support/tcp-proxy.js';

const SECRET = 'client-test-turn-secret-0123456789';
const APP_ICE = [{ urls: 'stun:app.example.com:3478' }];

describe("connect(): the gateway's ICE servers unless the app gives its own", () => {
  let h: Harness;
  before(async () => {
    h = await Harness.start({
      iceServers: ['stun:gw.example.com:3478', 'turn:gw.example.com:3478?transport=udp'],
      turnSecret: SECRET,
    });
  });
  after(async () => {
    await h.stop();
  });

  it("uses connected.iceServers when connect() has no iceServers, and the app's list when it has one", async () => {
    const sessionId = newSessionId();
    const alice = await h.join(sessionId, 'publisher', {}, fakeWebRtc);
    const bob = await h.join(sessionId, 'subscriber', {}, { ...fakeWebRtc, iceServers: APP_ICE });
    const pub = await alice.publish(fakeCamera().stream);
    const before = FakePeerConnection.all.length;
    await bob.subscribe(pub.streamId);
    await until(() => FakePeerConnection.all.length === before + 2, 'one RTCPeerConnection on each end');
    const [subscriberPc, publisherPc] = FakePeerConnection.all.slice(before);

    const [stun, turn] = publisherPc!.configuration.iceServers as {
      urls: string[];
      username?: string;
      credential?: string;
    }[];
    assert.deepEqual(stun, { urls: ['stun:gw.example.com:3478'] });
    assert.deepEqual(turn?.urls, ['turn:gw.example.com:3478?transport=udp']);
    const [expiry, connectionId] = turn!.username!.split(':');
    assert.equal(connectionId, alice.connection.id, "the credential is alice's own");
    assert.ok(Number(expiry) > Date.now() / 1000, 'not expired');
    assert.equal(turn?.credential, createHmac('sha1', SECRET).update(turn!.username!).digest('base64'));

    assert.deepEqual(subscriberPc!.configuration.iceServers, APP_ICE, "bob's own list wins");
    await Promise.all([alice.disconnect(), bob.disconnect()]);
  });

  it('an app passing [] gets no ICE servers at all', async () => {
    const sessionId = newSessionId();
    const alice = await h.join(sessionId, 'publisher', {}, { ...fakeWebRtc, iceServers: [] });
    const bob = await h.join(sessionId, 'subscriber', {}, { ...fakeWebRtc, iceServers: [] });
    const pub = await alice.publish(fakeCamera().stream);
    const before = FakePeerConnection.all.length;
    await bob.subscribe(pub.streamId);
    await until(() => FakePeerConnection.all.length === before + 2, 'one RTCPeerConnection on each end');
    for (const pc of FakePeerConnection.all.slice(before)) assert.deepEqual(pc.configuration.iceServers, []);
    await Promise.all([alice.disconnect(), bob.disconnect()]);
  });
});

describe('after a resume, the fresh credentials of resumed', () => {
  let h: Harness;
  let proxy: TcpProxy;
  let skewMs = 0;
  before(async () => {
    h = await Harness.start({
      iceServers: ['turn:gw.example.com:3478'],
      turnSecret: SECRET,
      // Shorter than the token's life, so the expiry follows the clock rather than the token's exp.
      turnCredentialTtl: 600,
      now: () => Date.now() + skewMs,
    });
    proxy = await TcpProxy.start(h.url);
  });
  after(async () => {
    await h.stop();
    await proxy.stop();
  });

  /** The TURN username of the RTCPeerConnection the publisher makes for one more subscriber. */
  async function publisherUsername(streamId: string, sessionId: string): Promise<string> {
    const subscriber = await h.join(sessionId, 'subscriber', {}, fakeWebRtc);
    const before = FakePeerConnection.all.length;
    await subscriber.subscribe(streamId);
    await until(() => FakePeerConnection.all.length === before + 2, 'one RTCPeerConnection on each end');
    const publisherPc = FakePeerConnection.all.slice(before)[1]!;
    return (publisherPc.configuration.iceServers as { username: string }[])[0]!.username;
  }

  it('are the ones used for the RTCPeerConnections made after it', async () => {
    const sessionId = newSessionId();
    const alice = await h.join(sessionId, 'publisher', {}, { url: proxy.url, ...fakeWebRtc, timeoutMs: 5000 });
    const pub = await alice.publish(fakeCamera().stream);
    const first = await publisherUsername(pub.streamId, sessionId);
    proxy.cut(true);
    await until(() => alice.state === 'reconnecting', 'reconnecting');
    skewMs = 120_000;
    proxy.release();
    const reconnected = (await nextEvent(alice, 'reconnected', 20_000)) as { resumed: boolean };
    assert.equal(reconnected.resumed, true);
    const second = await publisherUsername(pub.streamId, sessionId);
    const [firstExpiry, firstId] = first.split(':');
    const [secondExpiry, secondId] = second.split(':');
    assert.equal(secondId, firstId, 'the same connection');
    assert.ok(Number(secondExpiry) - Number(firstExpiry) >= 119, `${first} then ${second}`);
    await alice.disconnect();
  });
});
