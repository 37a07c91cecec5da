/**
 * A subscriber that stops reading, in Debian's Chromium through the real gateway (issue 11): a routed session
 * with one publisher page and three subscriber pages; the third lives in a browser of its own, whose every
 * process the test stops (SIGSTOP: its sockets no longer read, no RTCP, no ICE consent replies) and later
 * continues. The two others must lose no more packets while it is stopped than before, and keep decoding; the
 * gateway must stop sending to the stopped one once it has been silent for `mediaStallMs` (counted
 * `outcome="stalled"`), and the stopped page must decode again once it is back (the gateway asks the publisher
 * for a keyframe). The same case with werift peers, counted by sequence number: packages/gateway/src/media/
 * routed-media-stall.test.ts; its cost measured: `npm run bench:media:paused` (docs/benchmarks.md).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createSessionId } from '@stagepass/token';
import type { Page } from 'playwright-core';
import {
  browserSkipReason,
  joinDemo,
  launchChromium,
  launchStoppableChromium,
  type DemoBrowser,
  type Participant,
  type StoppableBrowser,
} from './test-support/browser.js';
import { startDemoGateway, type DemoGateway } from './test-support/demo-gateway.js';
import { gatewayPackets, pageRtp, waitForRtp } from './test-support/routed-pages.js';

/** The gateway's stall limit in this test (the default, 5 s, spelled out: the waits below depend on it). */
const STALL_MS = 5000;

interface Reception {
  readonly received: number;
  readonly lost: number;
  readonly framesDecoded: number;
}

/** Inbound RTP of both kinds over the page's PeerConnections: packets received and lost (getStats). */
function reception(page: Page): Promise<Reception> {
  return page.evaluate(async () => {
    const out = { received: 0, lost: 0, framesDecoded: 0 };
    for (const pc of (window as unknown as { __pcs: RTCPeerConnection[] }).__pcs) {
      const stats = await pc.getStats().catch(() => new Map<string, never>());
      stats.forEach((r: { type: string; packetsReceived?: number; packetsLost?: number; framesDecoded?: number }) => {
        if (r.type !== 'inbound-rtp') return;
        out.received += r.packetsReceived ?? 0;
        out.lost += r.packetsLost ?? 0;
        out.framesDecoded += r.framesDecoded ?? 0;
      });
    }
    return out;
  });
}

/** What each page received and lost over `ms`. */
async function over(pages: readonly Page[], ms: number): Promise<Reception[]> {
  const first = await Promise.all(pages.map(reception));
  await new Promise((resolve) => setTimeout(resolve, ms));
  const last = await Promise.all(pages.map(reception));
  return last.map((l, i) => ({
    received: l.received - first[i]!.received,
    lost: l.lost - first[i]!.lost,
    framesDecoded: l.framesDecoded - first[i]!.framesDecoded,
  }));
}

let demo: DemoGateway;
let chromium: DemoBrowser;
let stoppable: StoppableBrowser;
const skip = browserSkipReason();

before(async () => {
  if (skip !== undefined) return;
  demo = await startDemoGateway({ mediaStallMs: STALL_MS });
  chromium = await launchChromium();
  stoppable = await launchStoppableChromium();
});
after(async () => {
  await stoppable?.close();
  await chromium?.close();
  await demo?.close();
});

describe('routed media in Chromium: a subscriber that stops reading', { skip }, () => {
  it("does not raise the others' loss; the gateway stops sending to it, and it decodes again once back", async () => {
    const session = createSessionId({ appId: demo.appId, mediaMode: 'routed' });
    const open: Participant[] = [];
    const join = async (name: string, role: 'publisher' | 'subscriber', browser = chromium.browser) => {
      const participant = await joinDemo(browser, demo.url, { name, role, session });
      open.push(participant);
      return participant;
    };
    try {
      await join('Ada', 'publisher');
      const others = [await join('Bob', 'subscriber'), await join('Cy', 'subscriber')];
      const zed = await join('Zed', 'subscriber', stoppable.browser);
      for (const p of [...others, zed])
        await waitForRtp(p.page, (rtp) => rtp.framesDecoded > 20 && rtp.audioPacketsIn > 20, `${p.name} gets Ada`);
      const pages = others.map((p) => p.page);

      const beforeStop = await over(pages, 3000);
      const zedFrames = (await pageRtp(zed.page)).framesDecoded;
      const stalled0 = await gatewayPackets(demo.gateway, 'video', 'stalled');
      stoppable.signal('SIGSTOP');
      await new Promise((resolve) => setTimeout(resolve, STALL_MS + 2000));
      const stalled1 = await gatewayPackets(demo.gateway, 'video', 'stalled');
      const whileStopped = await over(pages, 3000);
      const stalled2 = await gatewayPackets(demo.gateway, 'video', 'stalled');
      stoppable.signal('SIGCONT');
      console.error(
        `routed stopped subscriber: before ${JSON.stringify(beforeStop)}, while stopped ${JSON.stringify(whileStopped)}, ` +
          `stalled video packets ${stalled0} → ${stalled1} → ${stalled2}`,
      );

      for (const [i, p] of others.entries()) {
        const [was, is] = [beforeStop[i]!, whileStopped[i]!];
        assert.ok(is.received > 100 && is.framesDecoded > 20, `${p.name} kept receiving and decoding`);
        // Loss on one machine is ~0; allow 0.5 % of what arrived, for a scheduler hiccup on a busy CI machine.
        const allowed = Math.max(was.lost, Math.ceil(is.received * 0.005));
        assert.ok(is.lost <= allowed, `${p.name} lost ${is.lost} packets while Zed was stopped (${was.lost} before)`);
      }
      assert.ok(stalled1 > stalled0, 'the gateway gave up sending to the stopped subscriber');
      assert.ok(stalled2 > stalled1, 'and kept dropping its packets while it stayed stopped');
      await waitForRtp(zed.page, (rtp) => rtp.framesDecoded > zedFrames + 20, 'Zed decodes again once continued');
    } finally {
      stoppable.signal('SIGCONT');
      for (const p of open.splice(0)) {
        if (p.problems.length > 0) console.error(`[${p.name}]`, p.problems.join('\n'));
        await p.context.close();
      }
    }
  });
});
