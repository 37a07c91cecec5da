/**
 * Routed media in Debian's Chromium, through the real gateway (docs/protocol.md "Routed media"): the demo
 * page, unchanged, in a routed session — one publisher, two subscriber pages decoding video forwarded by the
 * gateway; and a publisher page tampered to ignore `muteForced` (its audio track cannot be turned off) is
 * silenced at the subscribers by the gateway all the same, while it keeps sending, until it unmutes itself.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createSessionId } from '@stagepass/token';
import type { Page } from 'playwright-core';
import {
  browserSkipReason,
  inboundMedia,
  joinDemo,
  launchChromium,
  remoteStreamIdOf,
  screenshot,
  waitForMedia,
  type DemoBrowser,
  type Participant,
} from './test-support/browser.js';
import { startDemoGateway, type DemoGateway } from './test-support/demo-gateway.js';

/** A tampered page: nothing can turn an audio track off, so the SDK's answer to `muteForced` does nothing. */
const IGNORE_MUTE_FORCED = `
  const enabled = Object.getOwnPropertyDescriptor(MediaStreamTrack.prototype, 'enabled');
  Object.defineProperty(MediaStreamTrack.prototype, 'enabled', {
    get() { return enabled.get.call(this); },
    set(value) { if (this.kind === 'audio' && value === false) return; enabled.set.call(this, value); },
  });
`;

/** Audio packets this page's PeerConnections sent (outbound-rtp). */
function audioPacketsSent(page: Page): Promise<number> {
  return page.evaluate(async () => {
    let sent = 0;
    for (const pc of (window as unknown as { __pcs: RTCPeerConnection[] }).__pcs) {
      if (pc.connectionState === 'closed') continue;
      (await pc.getStats()).forEach((r: { type: string; kind?: string; packetsSent?: number }) => {
        if (r.type === 'outbound-rtp' && r.kind === 'audio') sent += r.packetsSent ?? 0;
      });
    }
    return sent;
  });
}

describe(
  'routed media in Chromium (the gateway forwards, and enforces force-mute)',
  { skip: browserSkipReason() },
  () => {
    let demo: DemoGateway;
    let chromium: DemoBrowser;
    const open: Participant[] = [];

    before(async () => {
      demo = await startDemoGateway();
      chromium = await launchChromium();
    });
    after(async () => {
      for (const participant of open.splice(0)) {
        if (participant.problems.length > 0) console.error(`[${participant.name}]`, participant.problems.join('\n'));
        await participant.context.close();
      }
      await chromium?.close();
      await demo?.close();
    });

    it('1 publisher → 2 subscribers decoding video; a publisher that ignores muteForced is silenced at the gateway, and heard again once it unmutes', async () => {
      const session = createSessionId({ appId: demo.appId, mediaMode: 'routed' });
      const ada = await joinDemo(chromium.browser, demo.url, { name: 'Ada', role: 'publisher', session });
      open.push(ada);
      await ada.context.addInitScript(IGNORE_MUTE_FORCED);
      await ada.page.reload();
      await ada.page.getByTestId('join').click();
      await ada.page.waitForSelector('[data-testid="status"][data-state="connected"]');
      await ada.page.waitForSelector('[data-testid="local-video"]');
      const watchers: Participant[] = [];
      for (const name of ['Bob', 'Cy']) {
        const watcher = await joinDemo(chromium.browser, demo.url, { name, role: 'subscriber', session });
        open.push(watcher);
        watchers.push(watcher);
      }
      const streamId = await remoteStreamIdOf(watchers[0]!.page, 'Ada');
      const snapshot = await demo.gateway.sessions.getSession(demo.appId, session);
      assert.equal(snapshot?.mediaMode, 'routed');
      // Frames decoded, and decoding goes on (framesDecoded grows), at each subscriber.
      for (const watcher of watchers) {
        const first = await waitForMedia(
          watcher.page,
          streamId,
          (m) => m.framesDecoded > 0 && m.audioPackets > 0,
          `${watcher.name} gets Ada's video and audio`,
        );
        await waitForMedia(
          watcher.page,
          streamId,
          (m) => m.framesDecoded > first.framesDecoded + 10,
          `${watcher.name} keeps decoding`,
        );
      }
      // The page uploads once: one PeerConnection, whatever the number of subscribers.
      assert.equal(await ada.page.evaluate(() => (window as unknown as { __pcs: unknown[] }).__pcs.length), 1);
      await screenshot(watchers[0]!, 'routed-subscriber.png');

      await demo.gateway.sessions.forceMuteAll(demo.appId, session, []);
      await ada.page.getByTestId('info').filter({ hasText: 'muted' }).first().waitFor();
      const adaAudioOn = await ada.page.evaluate(() =>
        ((document.querySelector('[data-testid="local-video"]') as HTMLVideoElement).srcObject as MediaStream)
          .getAudioTracks()
          .map((track) => track.enabled),
      );
      assert.deepEqual(adaAudioOn, [true], 'the tampered page kept its microphone on');
      await ada.page.waitForTimeout(500); // packets already on their way when the gate shut
      const before = await Promise.all(watchers.map((w) => inboundMedia(w.page, streamId)));
      const sentBefore = await audioPacketsSent(ada.page);
      await ada.page.waitForTimeout(3000);
      const sentAfter = await audioPacketsSent(ada.page);
      assert.ok(sentAfter - sentBefore > 50, `Ada kept sending audio (${sentBefore} → ${sentAfter} packets)`);
      for (const [i, watcher] of watchers.entries()) {
        const now = await inboundMedia(watcher.page, streamId);
        assert.equal(now.audioPackets - before[i]!.audioPackets, 0, `${watcher.name} got no audio packet while muted`);
        assert.ok(now.framesDecoded > before[i]!.framesDecoded, `${watcher.name} still decodes video`);
      }

      // Lifting the mute-all unmutes nobody (docs/protocol.md); Ada's own unmute opens the gate again.
      await demo.gateway.sessions.disableForceMute(demo.appId, session);
      await ada.page.getByTestId('toggle-audio').click();
      for (const [i, watcher] of watchers.entries()) {
        const muted = before[i]!.audioPackets;
        await waitForMedia(
          watcher.page,
          streamId,
          (m) => m.audioPackets > muted + 20,
          `${watcher.name} hears Ada again`,
        );
      }
    });
  },
);
