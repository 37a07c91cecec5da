/**
 * The demo page in Debian's Chromium with fake camera and microphone, through the real gateway: real WebRTC
 * media between pages, every role's controls, moderation seen by everyone. Screenshots of each role's view go
 * to packages/demo/test-artifacts/ (git-ignored).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  browserSkipReason,
  joinDemo,
  launchChromium,
  rawRequests,
  remoteStreamIdOf,
  screenshot,
  waitForMedia,
  waitForSilence,
  type DemoBrowser,
  type Participant,
} from './test-support/browser.js';
import { startDemoGateway, type DemoGateway } from './test-support/demo-gateway.js';
import { TcpProxy } from './test-support/tcp-proxy.js';

let sessions = 0;
const newSession = (label: string) => `${label}-${process.pid}-${++sessions}`;

const textOf = async (participant: Participant, testid: string) =>
  (await participant.page.getByTestId(testid).first().textContent()) ?? '';

describe('the demo page in Chromium (real audio and video through the gateway)', { skip: browserSkipReason() }, () => {
  let demo: DemoGateway;
  let chromium: DemoBrowser;
  const open: Participant[] = [];
  const join = async (options: Parameters<typeof joinDemo>[2]) => {
    const participant = await joinDemo(chromium.browser, demo.url, options);
    open.push(participant);
    return participant;
  };

  before(async () => {
    demo = await startDemoGateway();
    chromium = await launchChromium();
  });
  after(async () => {
    await chromium?.close();
    await demo?.close();
  });
  const closeAll = async () => {
    for (const participant of open.splice(0)) {
      if (participant.problems.length > 0) console.error(`[${participant.name}]`, participant.problems.join('\n'));
      await participant.context.close();
    }
  };

  it('publisher → subscriber: video frames decoded and audio heard, the participant with its data, chat with the sender’s data; a subscriber has no publish control and the gateway refuses its hand-made publish; invite link; Leave', async () => {
    try {
      const session = newSession('media');
      const ada = await join({ name: 'Ada', role: 'publisher', session });
      const bob = await join({ name: 'Bob', role: 'subscriber', session });
      const streamId = await remoteStreamIdOf(bob.page, 'Ada');
      const media = await waitForMedia(
        bob.page,
        streamId,
        (m) => m.framesDecoded > 0 && m.audioEnergy > 0,
        'Bob decodes Ada’s video and hears her audio',
      );
      assert.ok(media.framesDecoded > 0 && media.audioEnergy > 0);
      // Each sees the other in the participants list, with the token's connection data.
      assert.match((await bob.page.locator('[data-testid="participant"]').textContent()) ?? '', /name=Ada/);
      await ada.page.locator('[data-testid="participant"]', { hasText: 'name=Bob' }).waitFor();
      // The subscriber: no camera, no camera controls.
      assert.equal(await bob.page.getByTestId('local-video').count(), 0);
      assert.equal(await bob.page.getByTestId('toggle-audio').isVisible(), false);
      // Chat: both see Bob's message with his connection data.
      await bob.page.getByTestId('signal-input').fill('hello from Bob');
      await bob.page.getByTestId('signal-send').click();
      for (const participant of [ada, bob]) {
        const message = participant.page.locator('[data-testid="signal-message"]', { hasText: 'hello from Bob' });
        await message.waitFor();
        assert.match((await message.textContent()) ?? '', /name=Bob/);
      }
      await screenshot(ada, 'publisher.png');
      await screenshot(bob, 'subscriber.png');
      const [publish] = await rawRequests(bob.page, {
        sessionId: session,
        role: 'subscriber',
        requests: [{ type: 'publish', id: 1, name: 'sneaky', hasAudio: true, hasVideo: true }],
      });
      assert.deepEqual(
        { type: publish!.type, code: publish!.code, capability: publish!.capability },
        { type: 'error', code: 'ERR_CAPABILITY_DENIED', capability: 'publish' },
      );
      // The invite link carries the session; Leave ends it for Ada only, in words, and the others see her go.
      await bob.page.getByTestId('copy-invite').click();
      const invite = bob.page.getByTestId('info').filter({ hasText: 'Invite link' });
      await invite.waitFor();
      assert.ok(((await invite.textContent()) ?? '').includes(`${demo.url}/?session=${session}&role=publisher`));
      await ada.page.getByTestId('leave').click();
      await ada.page.waitForSelector('[data-testid="status"][data-state="disconnected"]');
      assert.match(await textOf(ada, 'info'), /You left the session\./);
      assert.equal(await ada.page.getByTestId('error').isVisible(), false);
      await bob.page.locator('[data-testid="participant"]', { hasText: 'name=Ada' }).waitFor({ state: 'detached' });
      await bob.page.getByTestId('remote-video').waitFor({ state: 'detached' });
    } finally {
      await closeAll();
    }
  });
  it('Media "routed": tabs that type the same session name meet in one routed session, forwarded by the gateway; the invite link keeps the choice', async () => {
    try {
      const session = newSession('routed');
      const ada = await join({ name: 'Ada', role: 'publisher', session, media: 'routed' });
      const bob = await join({ name: 'Bob', role: 'subscriber', session, media: 'routed' });
      for (const participant of [ada, bob]) {
        assert.equal(await participant.page.getByTestId('media').inputValue(), 'routed');
        assert.equal(await participant.page.locator('#me').getAttribute('data-media-mode'), 'routed');
        assert.match((await participant.page.locator('#me').textContent()) ?? '', /routed through the gateway/);
      }
      const streamId = await remoteStreamIdOf(bob.page, 'Ada');
      await waitForMedia(bob.page, streamId, (m) => m.framesDecoded > 0, 'Bob decodes Ada’s video, routed');
      await bob.page.getByTestId('copy-invite').click();
      const invite = bob.page.getByTestId('info').filter({ hasText: 'Invite link' });
      await invite.waitFor();
      assert.match((await invite.textContent()) ?? '', /[?&]media=routed(&|$)/);
      // The same name, relayed: another session, where nobody is yet.
      const cy = await join({ name: 'Cy', role: 'subscriber', session });
      assert.equal(await cy.page.locator('#me').getAttribute('data-media-mode'), 'relayed');
      // The count is of the others: Cy sees nobody, Bob still only Ada.
      assert.equal(await cy.page.locator('#participant-count').textContent(), '0', 'Cy alone');
      assert.equal(await bob.page.locator('#participant-count').textContent(), '1', 'Bob sees Ada, not Cy');
    } finally {
      await closeAll();
    }
  });

  it('publisheronly: publishes (the publisher sees its frames), sees no remote video and no chat input; the gateway refuses its hand-made subscribe and signal', async () => {
    try {
      const session = newSession('publisheronly');
      const ada = await join({ name: 'Ada', role: 'publisher', session });
      const cleo = await join({ name: 'Cleo', role: 'publisheronly', session });
      const cleoStream = await remoteStreamIdOf(ada.page, 'Cleo');
      await waitForMedia(ada.page, cleoStream, (m) => m.framesDecoded > 0, 'Ada decodes Cleo’s video');
      // Cleo knows Ada publishes (her participant entry says so) but gets no tile for it.
      await cleo.page.locator('[data-testid="participant"]', { hasText: 'camera on' }).waitFor();
      assert.equal(await cleo.page.getByTestId('remote-video').count(), 0);
      assert.equal(await cleo.page.getByTestId('signal-input').isVisible(), false);
      assert.equal(await cleo.page.getByTestId('signal-send').isVisible(), false);
      assert.match(await textOf(cleo, 'info'), /do not receive/);
      await screenshot(cleo, 'publisheronly.png');
      const adaStream = await cleo.page.evaluate(
        () => document.querySelector<HTMLElement>('[data-testid="local-video"]')?.dataset.streamId,
      );
      assert.ok(adaStream);
      const replies = await rawRequests(cleo.page, {
        sessionId: session,
        role: 'publisheronly',
        requests: [
          { type: 'subscribe', id: 1, streamId: cleoStream === adaStream ? cleoStream : adaStream },
          { type: 'signal', id: 2, data: 'hi' },
        ],
      });
      assert.deepEqual(
        replies.map((reply) => [reply.id, reply.type, reply.code, reply.capability]),
        [
          [1, 'error', 'ERR_CAPABILITY_DENIED', 'subscribe'],
          [2, 'error', 'ERR_CAPABILITY_DENIED', 'signal'],
        ],
      );
    } finally {
      await closeAll();
    }
  });

  it('moderator: force-mute silences the publisher’s audio at every receiver and everyone sees it; force-unpublish removes the video everywhere; force-disconnect shows its reason', async () => {
    try {
      const session = newSession('moderation');
      const ada = await join({ name: 'Ada', role: 'publisher', session });
      const bob = await join({ name: 'Bob', role: 'subscriber', session });
      const mia = await join({ name: 'Mia', role: 'moderator', session });
      const streamId = await remoteStreamIdOf(bob.page, 'Ada');
      for (const receiver of [bob, mia])
        await waitForMedia(
          receiver.page,
          streamId,
          (m) => m.framesDecoded > 0 && m.audioEnergy > 0,
          `${receiver.name} hears Ada`,
        );
      // Bob (subscriber) gets no moderator controls; Mia does.
      assert.equal(await bob.page.getByTestId('force-mute').count(), 0);
      assert.equal(await bob.page.getByTestId('mute-all').isVisible(), false);
      const adaEntry = mia.page.locator('[data-testid="participant"]', { hasText: 'name=Ada' });
      await adaEntry.getByTestId('force-mute').click();
      await ada.page.getByTestId('info').filter({ hasText: 'A moderator muted your microphone' }).waitFor();
      const adaTrackEnabled = await ada.page.evaluate(() =>
        (document.querySelector('[data-testid="local-video"]') as HTMLVideoElement).srcObject instanceof MediaStream
          ? ((document.querySelector('[data-testid="local-video"]') as HTMLVideoElement).srcObject as MediaStream)
              .getAudioTracks()
              .map((track) => track.enabled)
          : [],
      );
      assert.deepEqual(adaTrackEnabled, [false]);
      for (const receiver of [bob, mia]) {
        await receiver.page.locator(`.tile[data-stream-id="${streamId}"][data-audio="off"]`).waitFor();
        assert.match(
          (await receiver.page.locator(`.tile[data-stream-id="${streamId}"] .audio-off`).textContent()) ?? '',
          /Muted by a moderator/,
        );
        await waitForSilence(receiver.page, streamId);
      }
      await bob.page.locator('[data-testid="participant"]', { hasText: 'muted' }).waitFor();
      await screenshot(mia, 'moderator.png');
      await screenshot(ada, 'publisher-force-muted.png');

      // Mute all and lift it: everyone is told.
      await mia.page.getByTestId('mute-all').click();
      await bob.page.getByTestId('info').filter({ hasText: 'A moderator muted everyone.' }).waitFor();
      await mia.page.getByTestId('disable-force-mute').click();
      await bob.page.getByTestId('info').filter({ hasText: 'lifted the mute' }).waitFor();

      await adaEntry.getByTestId('force-unpublish').click();
      for (const viewer of [bob, mia])
        await viewer.page
          .locator(`[data-testid="remote-video"][data-stream-id="${streamId}"]`)
          .waitFor({ state: 'detached' });
      await ada.page.getByTestId('local-video').waitFor({ state: 'detached' });
      assert.match(await textOf(ada, 'info'), /A moderator stopped your camera/);
      assert.equal(await ada.page.getByTestId('status').getAttribute('data-state'), 'connected');

      await adaEntry.getByTestId('force-disconnect').click();
      const error = ada.page.getByTestId('error');
      await error.filter({ hasText: 'A moderator removed you from the session.' }).waitFor();
      assert.equal(await error.getAttribute('data-code'), 'forceDisconnected');
      assert.equal(await textOf(ada, 'status'), 'disconnected');
      for (const viewer of [bob, mia])
        await viewer.page
          .locator('[data-testid="participant"]', { hasText: 'name=Ada' })
          .waitFor({ state: 'detached' });
      // No automatic rejoin: Ada's page stays out, ready for a Join by hand.
      assert.equal(await ada.page.getByTestId('join').isEnabled(), true);
      assert.equal(await textOf(ada, 'status'), 'disconnected');
      await screenshot(ada, 'force-disconnected.png');
    } finally {
      await closeAll();
    }
  });

  it('a network drop (the TCP proxy in front of the publisher cut) is survived: reconnecting, the same connection ID, media still flowing', async () => {
    const proxy = await TcpProxy.start(demo.url.replace('http', 'ws'));
    const ada = await joinDemo(chromium.browser, proxy.url.replace('ws', 'http'), {
      name: 'Ada',
      role: 'publisher',
      session: newSession('drop'),
    }).catch(async (err: unknown) => {
      await proxy.stop();
      throw err;
    });
    open.push(ada);
    try {
      const session = (await ada.page.getByTestId('session').inputValue()) ?? '';
      const bob = await join({ name: 'Bob', role: 'subscriber', session });
      const streamId = await remoteStreamIdOf(bob.page, 'Ada');
      const before = await waitForMedia(bob.page, streamId, (m) => m.framesDecoded > 0, 'Bob sees Ada');
      const participant = bob.page.locator('[data-testid="participant"]', { hasText: 'name=Ada' });
      const adaId = await participant.getAttribute('data-connection-id');
      proxy.cut(true);
      await ada.page.waitForSelector('[data-testid="status"][data-state="reconnecting"]');
      // Media flows peer to peer meanwhile: Bob keeps decoding Ada's frames while her socket is down.
      const during = await waitForMedia(
        bob.page,
        streamId,
        (m) => m.framesDecoded > before.framesDecoded + 10,
        'frames while Ada is away',
      );
      proxy.release();
      await ada.page.waitForSelector('[data-testid="status"][data-state="connected"]');
      await waitForMedia(bob.page, streamId, (m) => m.framesDecoded > during.framesDecoded + 10, 'frames after');
      assert.equal(await participant.getAttribute('data-connection-id'), adaId, 'the same connection');
      assert.equal(await bob.page.getByTestId('remote-video').count(), 1);
      assert.equal(await bob.page.locator('[data-testid="participant"]').count(), 1);
    } finally {
      await closeAll();
      await proxy.stop();
    }
  });

  it('an expired token: the page says so in words, with the code', async () => {
    try {
      // The gateway's clock two hours ahead: the page's fresh one-hour token is already expired there.
      demo.setClockSkew(2 * 3600 * 1000);
      const ada = await join({
        name: 'Ada',
        role: 'publisher',
        session: newSession('expired'),
        expectConnected: false,
      });
      const error = ada.page.getByTestId('error');
      await error.filter({ hasText: 'Your token has expired: ask for a new one.' }).waitFor();
      assert.equal(await error.getAttribute('data-code'), 'ERR_TOKEN_EXPIRED');
      assert.equal(await textOf(ada, 'status'), 'disconnected');
      assert.equal(await ada.page.getByTestId('local-video').count(), 0);
      await screenshot(ada, 'expired-token.png');
    } finally {
      demo.setClockSkew(0);
      await closeAll();
    }
  });
  it('camera permission refused: a clear message, and the page still joins to watch', async () => {
    try {
      const session = newSession('no-camera');
      const ada = await join({ name: 'Ada', role: 'publisher', session });
      const zoe = await join({ name: 'Zoe', role: 'publisher', session, refuseCamera: true });
      const error = zoe.page.getByTestId('error');
      await error.filter({ hasText: 'Camera and microphone permission was refused' }).waitFor();
      assert.equal(await error.getAttribute('data-code'), 'NotAllowedError');
      assert.equal(await zoe.page.getByTestId('local-video').count(), 0);
      const streamId = await remoteStreamIdOf(zoe.page, 'Ada');
      await waitForMedia(zoe.page, streamId, (m) => m.framesDecoded > 0, 'Zoe still sees Ada');
      await ada.page.locator('[data-testid="participant"]', { hasText: 'name=Zoe' }).waitFor();
      await screenshot(zoe, 'camera-refused.png');
    } finally {
      await closeAll();
    }
  });
});
