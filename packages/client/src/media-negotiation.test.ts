import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { isStagepassError } from '@stagepass/protocol';
import { createSessionId } from '@stagepass/token';
import type { Session } from './index.js';
import { FakePeerConnection, fakeCamera, fakeWebRtc, until } from './test-support/fake-webrtc.js';
import { Harness, newSessionId, nextEvent } from './test-support/harness.js';

const ICE = [{ urls: 'stun:stun.example.com:3478' }];

describe('publish / subscribe: WebRTC negotiation relayed by the real gateway (fake RTCPeerConnection)', () => {
  let h: Harness;
  before(async () => {
    h = await Harness.start();
  });
  after(async () => {
    await h.stop();
  });

  const join = (sessionId: string, role: 'publisher' | 'subscriber' | 'moderator'): Promise<Session> =>
    h.join(sessionId, role, {}, { ...fakeWebRtc, iceServers: ICE });

  it('the publisher offers to each subscriber, the subscriber answers, candidates cross (queued until the remote description)', async () => {
    const sessionId = newSessionId();
    const alice = await join(sessionId, 'publisher');
    const bob = await join(sessionId, 'subscriber');
    const { stream: camera } = fakeCamera();
    const seen = nextEvent(bob, 'streamCreated');
    const own = nextEvent(alice, 'streamCreated');
    const pub = await alice.publish(camera, { name: 'alice cam' });
    assert.equal(pub.stream?.name, 'alice cam', 'set when publish resolves');
    const { stream } = await seen;
    assert.deepEqual(
      [stream.id, stream.name, stream.hasAudio, stream.hasVideo, stream.videoType],
      [pub.streamId, 'alice cam', true, true, 'camera'],
    );
    assert.equal((await own).local, true);
    assert.equal(pub.stream?.connectionId, alice.connection.id);

    const exceptions: unknown[] = [];
    alice.on('exception', (e) => exceptions.push(e.error));
    bob.on('exception', (e) => exceptions.push(e.error));
    const before = FakePeerConnection.all.length;
    const sub = await bob.subscribe(pub.streamId);
    await until(() => sub.mediaStream.getTracks().length === 2, 'two remote tracks');
    const [subscriberPc, publisherPc] = FakePeerConnection.all.slice(before);
    assert.ok(subscriberPc !== undefined && publisherPc !== undefined, 'one RTCPeerConnection on each end');
    await until(
      () => publisherPc.added.length === 2 && subscriberPc.added.length === 2,
      'candidates added on both ends',
    );
    assert.deepEqual(exceptions, []);
    assert.deepEqual(
      sub.mediaStream
        .getTracks()
        .map((t) => t.kind)
        .sort(),
      ['audio', 'video'],
    );
    assert.equal(publisherPc.tracks.length, 2);
    assert.equal(publisherPc.localDescription?.type, 'offer');
    assert.equal(subscriberPc.remoteDescription?.type, 'offer');
    assert.equal(subscriberPc.localDescription?.type, 'answer');
    assert.equal(publisherPc.remoteDescription?.type, 'answer');
    assert.match(String(publisherPc.added[0]?.candidate), /^candidate:pc\d+-1 /);
    assert.deepEqual(publisherPc.configuration.iceServers, ICE);
    assert.equal(sub.subscriptionId.length > 0, true);

    const ownErr = await alice
      .subscribe(pub.streamId)
      .catch((err: { code: string; details: { option?: string } }) => err);
    assert.deepEqual(
      [(ownErr as { code: string }).code, (ownErr as { details: { option?: string } }).details.option],
      ['ERR_INVALID_OPTION', 'streamId'],
    );

    await sub.unsubscribe();
    assert.equal(sub.destroyed, true);
    assert.equal(subscriberPc.closed, true);
    await until(() => publisherPc.closed, 'the publisher side closed on subscriberDestroyed');
  });

  it('muteForced really silences the audio track; setAudioEnabled(true) unmutes and everyone sees it', async () => {
    const sessionId = newSessionId();
    const alice = await join(sessionId, 'publisher');
    const mod = await join(sessionId, 'moderator');
    const { stream: camera, audio, video } = fakeCamera();
    const pub = await alice.publish(camera);
    await nextEvent(mod, 'streamCreated').catch(() => {});

    const forced = nextEvent(alice, 'muteForced');
    const changed = nextEvent(mod, 'streamPropertyChanged');
    await mod.forceMuteStream(pub.streamId);
    const event = await forced;
    assert.equal(event.streamId, pub.streamId);
    assert.equal(event.publisher, pub);
    assert.equal(audio.enabled, false, 'the track itself is off');
    assert.equal(video.enabled, true);
    assert.equal((await changed).reason, 'forceMuted');

    const unmuted = nextEvent(mod, 'streamPropertyChanged');
    await pub.setAudioEnabled(true);
    assert.equal(audio.enabled, true);
    const change = await unmuted;
    assert.deepEqual([change.property, change.newValue, change.reason], ['hasAudio', true, 'publisher']);
    assert.equal(mod.streams.get(pub.streamId)?.hasAudio, true);

    const videoOff = nextEvent(mod, 'streamPropertyChanged');
    await pub.setVideoEnabled(false);
    assert.equal(video.enabled, false);
    assert.equal((await videoOff).stream.hasVideo, false);
  });

  it('while forceMuteAll is active a new stream starts muted: muteForced and its audio track off', async () => {
    const sessionId = newSessionId();
    const mod = await join(sessionId, 'moderator');
    const alice = await join(sessionId, 'publisher');
    await mod.forceMuteAll();
    await nextEvent(alice, 'forceMuteChanged').catch(() => {});
    const { stream: camera, audio } = fakeCamera();
    const forced = nextEvent(alice, 'muteForced');
    const pub = await alice.publish(camera);
    assert.equal((await forced).publisher, pub);
    assert.equal(audio.enabled, false);
    assert.equal(pub.stream?.hasAudio, false);
  });

  it('unpublish and forceUnpublish end the stream and every subscription to it', async () => {
    const sessionId = newSessionId();
    const alice = await join(sessionId, 'publisher');
    const bob = await join(sessionId, 'subscriber');
    const mod = await join(sessionId, 'moderator');
    const first = await alice.publish(fakeCamera().stream);
    const sub = await bob.subscribe(first.streamId);
    const ended = nextEvent(bob, 'streamDestroyed');
    await first.unpublish();
    assert.equal((await ended).reason, 'unpublished');
    assert.equal(first.destroyed, true);
    assert.equal(sub.destroyed, true);

    const second = await alice.publish(fakeCamera().stream);
    const own = nextEvent(alice, 'streamDestroyed');
    await mod.forceUnpublish(second.streamId);
    const event = await own;
    assert.deepEqual([event.reason, event.local], ['forceUnpublished', true]);
    assert.equal(second.destroyed, true);
    await second.unpublish();
  });

  it('a failing WebRTC step closes that link and emits exception', async () => {
    const sessionId = newSessionId();
    const alice = await join(sessionId, 'publisher');
    const bob = await join(sessionId, 'subscriber');
    const pub = await alice.publish(fakeCamera().stream);
    const failing = class extends FakePeerConnection {
      override async createAnswer(): Promise<{ type: string; sdp: string }> {
        throw new Error('no codec in common');
      }
    };
    const carol = await h.join(sessionId, 'subscriber', {}, { ...fakeWebRtc, RTCPeerConnection: failing as never });
    const exception = nextEvent(carol, 'exception');
    const sub = await carol.subscribe(pub.streamId);
    const event = await exception;
    assert.equal((event.error as Error).message, 'no codec in common');
    assert.deepEqual([event.subscriptionId, event.streamId], [sub.subscriptionId, pub.streamId]);
    void bob;
  });
});

describe('routed sessions: a negotiation the gateway fails (real gateway and werift, fake RTCPeerConnection)', () => {
  let h: Harness;
  before(async () => {
    h = await Harness.start();
  });
  after(async () => {
    await h.stop();
  });

  it("emits exception with ERR_MEDIA_NEGOTIATION and closes that link, for the upload and for a subscription's download", async () => {
    // The fake's SDP ("kinds=audio,video", "answer") has no media section: the gateway cannot use it.
    const made: FakePeerConnection[] = [];
    const Recording = class extends FakePeerConnection {
      constructor(configuration: RTCConfiguration) {
        super(configuration);
        made.push(this);
      }
    };
    const webRtc = { ...fakeWebRtc, RTCPeerConnection: Recording as never };
    const sessionId = createSessionId({ appId: h.appId, mediaMode: 'routed' });
    const alice = await h.join(sessionId, 'publisher', {}, webRtc);
    const bob = await h.join(sessionId, 'subscriber', {}, webRtc);
    assert.equal(alice.mediaMode, 'routed');

    const uploadFailed = nextEvent(alice, 'exception', 10_000);
    const pub = await alice.publish(fakeCamera().stream);
    const upload = await uploadFailed;
    assert.ok(isStagepassError(upload.error), 'a StagepassError');
    assert.equal(upload.error.code, 'ERR_MEDIA_NEGOTIATION');
    assert.match(upload.error.message, new RegExp(`stream ${pub.streamId}'s upload`));
    assert.deepEqual([upload.subscriptionId, upload.streamId], [null, pub.streamId]);
    assert.equal(made[0]?.closed, true, "the upload's RTCPeerConnection is closed");

    const downloadFailed = nextEvent(bob, 'exception', 10_000);
    const sub = await bob.subscribe(pub.streamId);
    const download = await downloadFailed;
    assert.ok(isStagepassError(download.error));
    assert.equal(download.error.code, 'ERR_MEDIA_NEGOTIATION');
    assert.deepEqual([download.subscriptionId, download.streamId], [sub.subscriptionId, pub.streamId]);
    assert.equal(made[1]?.closed, true, "the download's RTCPeerConnection is closed");
    assert.equal(sub.destroyed, false, 'the subscription itself stays (unsubscribe to end it)');
    await sub.unsubscribe();
  });
});
