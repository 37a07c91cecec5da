/**
 * TURN with a real coturn: the gateway hands out per-connection credentials (connected.iceServers, the TURN
 * REST API scheme of coturn's use-auth-secret), the demo page's SDK uses them, and two Chromium pages forced
 * to `iceTransportPolicy: 'relay'` exchange audio-video only through the relay. A credential whose expiry
 * has passed is refused by coturn: no relay candidate, a 401 candidate error.
 */
import assert from 'node:assert/strict';
import { createHmac, randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import type { Page } from 'playwright-core';
import {
  browserSkipReason,
  joinDemo,
  launchChromium,
  remoteStreamIdOf,
  waitForMedia,
  type DemoBrowser,
  type Participant,
} from './test-support/browser.js';
import { startDemoGateway, type DemoGateway } from './test-support/demo-gateway.js';
import { startTurnServer, turnSkipReason, type TurnServer } from './test-support/turn-server.js';

/** Every RTCPeerConnection of the page: only relay candidates; the configuration the page asked for is kept. */
const RELAY_ONLY = `
  window.__rtcConfigs = [];
  const AnyPolicy = window.RTCPeerConnection;
  window.RTCPeerConnection = class extends AnyPolicy {
    constructor(config = {}) {
      window.__rtcConfigs.push(JSON.parse(JSON.stringify(config)));
      super({ ...config, iceTransportPolicy: 'relay' });
    }
  };
`;

interface IceServerSeen {
  urls: string[];
  username?: string;
  credential?: string;
}

/** The candidate types of each selected pair of the page's live RTCPeerConnections. */
function selectedPairs(page: Page): Promise<{ local: string; remote: string }[]> {
  return page.evaluate(async () => {
    const pcs = (window as unknown as { __pcs: RTCPeerConnection[] }).__pcs;
    const pairs: { local: string; remote: string }[] = [];
    for (const pc of pcs) {
      if (pc.connectionState !== 'connected') continue;
      const stats = await pc.getStats();
      stats.forEach((report: { type: string; selectedCandidatePairId?: string }) => {
        if (report.type !== 'transport' || report.selectedCandidatePairId === undefined) return;
        const pair = stats.get(report.selectedCandidatePairId) as {
          localCandidateId: string;
          remoteCandidateId: string;
        };
        pairs.push({
          local: (stats.get(pair.localCandidateId) as { candidateType: string }).candidateType,
          remote: (stats.get(pair.remoteCandidateId) as { candidateType: string }).candidateType,
        });
      });
    }
    return pairs;
  });
}

/** Gathers candidates with one TURN server (relay only); the relay candidates found and the candidate errors. */
function gatherRelay(page: Page, server: IceServerSeen): Promise<{ relays: number; errors: number[] }> {
  return page.evaluate(async (iceServer) => {
    const pc = new RTCPeerConnection({ iceServers: [iceServer], iceTransportPolicy: 'relay' });
    const errors: number[] = [];
    let relays = 0;
    pc.addEventListener('icecandidateerror', (e) => errors.push((e as RTCPeerConnectionIceErrorEvent).errorCode));
    const done = new Promise<void>((resolve) => {
      pc.addEventListener('icecandidate', (e) => {
        if (e.candidate === null) resolve();
        else if (e.candidate.type === 'relay') relays++;
      });
      setTimeout(resolve, 15_000);
    });
    pc.createDataChannel('probe');
    await pc.setLocalDescription(await pc.createOffer());
    await done;
    pc.close();
    return { relays, errors };
  }, server);
}

const skip = browserSkipReason() ?? turnSkipReason();

describe('TURN relay with a real coturn and the credentials the gateway hands out', { skip }, () => {
  const secret = randomBytes(24).toString('hex');
  let turn: TurnServer;
  let demo: DemoGateway;
  let chromium: DemoBrowser;
  const open: Participant[] = [];

  before(async () => {
    turn = await startTurnServer(secret);
    demo = await startDemoGateway({ iceServers: [turn.url], turnSecret: secret });
    chromium = await launchChromium();
  });
  after(async () => {
    for (const participant of open.splice(0)) {
      if (participant.problems.length > 0) console.error(`[${participant.name}]`, participant.problems.join('\n'));
      await participant.context.close();
    }
    await chromium?.close();
    await demo?.close();
    await turn?.stop();
  });

  it('publisher → subscriber media flows through the relay, with per-connection credentials from connected', async (t) => {
    t.after(() => {
      if (t.signal.aborted) console.error(turn.log.join(''));
    });
    const session = `turn-${process.pid}`;
    const ada = await joinDemo(chromium.browser, demo.url, {
      name: 'Ada',
      role: 'publisher',
      session,
      initScript: RELAY_ONLY,
    });
    open.push(ada);
    const bob = await joinDemo(chromium.browser, demo.url, {
      name: 'Bob',
      role: 'subscriber',
      session,
      initScript: RELAY_ONLY,
    });
    open.push(bob);
    const streamId = await remoteStreamIdOf(bob.page, 'Ada');
    const media = await waitForMedia(
      bob.page,
      streamId,
      (m) => m.framesDecoded > 0 && m.audioPackets > 0,
      'relayed media',
    );
    assert.ok(media.framesDecoded > 0 && media.audioPackets > 0);

    for (const participant of [ada, bob]) {
      const pairs = await selectedPairs(participant.page);
      assert.ok(pairs.length > 0, `${participant.name} has a connected RTCPeerConnection`);
      assert.deepEqual(
        pairs,
        pairs.map(() => ({ local: 'relay', remote: 'relay' })),
        participant.name,
      );
      // The SDK passed the gateway's list (the demo page gives none): one TURN entry, this connection's credential.
      const configs = await participant.page.evaluate(
        () => (window as unknown as { __rtcConfigs: { iceServers: IceServerSeen[] }[] }).__rtcConfigs,
      );
      assert.ok(configs.length > 0);
      for (const config of configs) {
        assert.equal(config.iceServers.length, 1);
        const [entry] = config.iceServers;
        assert.deepEqual(entry!.urls, [turn.url]);
        const [expiry] = entry!.username!.split(':');
        const now = Date.now() / 1000;
        assert.ok(Number(expiry) > now && Number(expiry) <= now + 86_400 + 5, `expiry ${expiry}`);
        assert.equal(entry!.credential, createHmac('sha1', secret).update(entry!.username!).digest('base64'));
      }
    }
    const [adaConfig] = await ada.page.evaluate(
      () => (window as unknown as { __rtcConfigs: { iceServers: IceServerSeen[] }[] }).__rtcConfigs,
    );
    const [bobConfig] = await bob.page.evaluate(
      () => (window as unknown as { __rtcConfigs: { iceServers: IceServerSeen[] }[] }).__rtcConfigs,
    );
    assert.notEqual(adaConfig!.iceServers[0]!.username, bobConfig!.iceServers[0]!.username, 'one per connection');
  });

  it('refuses a credential whose expiry has passed (no relay candidate, 401), and takes the same one unexpired', async () => {
    const page = open[1]?.page ?? (await (await chromium.browser.newContext()).newPage());
    const credentialFor = (expiry: number): IceServerSeen => {
      const username = `${expiry}:turn-test`;
      return { urls: [turn.url], username, credential: createHmac('sha1', secret).update(username).digest('base64') };
    };
    const now = Math.floor(Date.now() / 1000);
    const fresh = await gatherRelay(page, credentialFor(now + 300));
    assert.ok(fresh.relays > 0, `a valid credential gets a relay candidate (${JSON.stringify(fresh)})`);
    const expired = await gatherRelay(page, credentialFor(now - 60));
    assert.equal(expired.relays, 0, `an expired credential gets none (${JSON.stringify(expired)})`);
    assert.ok(expired.errors.includes(401), `coturn answers 401 (${JSON.stringify(expired)})`);
  });
});
