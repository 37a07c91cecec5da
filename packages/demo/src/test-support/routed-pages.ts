/**
 * What the routed-media browser tests add to a page: tampering scripts (a page that ignores the gateway's
 * signaling), a record of its WebSocket traffic, media counts over every PeerConnection it ever made, and the
 * gateway's own packet counts (docs/protocol.md "Routed media").
 */
import type { Page } from 'playwright-core';
import type { Gateway } from '@stagepass/gateway';

/**
 * A tampered page: nothing it runs can close a PeerConnection or stop a track, so whatever the SDK does on
 * `streamDestroyed` or a force-disconnect, its PeerConnections stay as they were (a publisher's keeps sending,
 * a subscriber's keeps receiving whatever still comes). Only the gateway can cut the media then.
 */
export const KEEP_MEDIA = `
  RTCPeerConnection.prototype.close = function () {};
  MediaStreamTrack.prototype.stop = function () {};
`;

/**
 * Records the page's WebSockets (`window.__sockets`), every message they receive (`window.__received`), and
 * the time (performance.now()) each `subscribe` request left (`window.__subscribedAt`, in order).
 */
export const WIRE_PROBE = `
  window.__sockets = [];
  window.__received = [];
  window.__subscribedAt = [];
  const NativeWebSocket = window.WebSocket;
  window.WebSocket = class extends NativeWebSocket {
    constructor(...args) {
      super(...args);
      window.__sockets.push(this);
      this.addEventListener('message', (event) => {
        try { window.__received.push(JSON.parse(String(event.data))); } catch {}
      });
    }
    send(data) {
      try { if (JSON.parse(String(data)).type === 'subscribe') window.__subscribedAt.push(performance.now()); } catch {}
      super.send(data);
    }
  };
`;

/**
 * Watches, every 20 ms from the page's first `subscribe`, the video frames decoded over all its PeerConnections
 * and keeps the time (performance.now()) they first are above 0 in `window.__firstFrameAt`. Needs
 * {@link WIRE_PROBE} and the media probe (window.__pcs).
 */
export const FIRST_FRAME_PROBE = `
  window.__firstFrameAt = undefined;
  const watch = setInterval(async () => {
    if (window.__subscribedAt.length === 0) return;
    for (const pc of window.__pcs) {
      const stats = await pc.getStats().catch(() => new Map());
      for (const r of stats.values()) {
        if (r.type === 'inbound-rtp' && r.kind === 'video' && r.framesDecoded > 0 && window.__firstFrameAt === undefined) {
          window.__firstFrameAt = performance.now();
          clearInterval(watch);
        }
      }
    }
  }, 20);
`;

/** Inbound and outbound RTP over every PeerConnection the page made, closed ones included. */
export interface PageRtp {
  readonly videoPacketsIn: number;
  readonly framesDecoded: number;
  readonly audioPacketsIn: number;
  readonly packetsOut: number;
}

export function pageRtp(page: Page): Promise<PageRtp> {
  return page.evaluate(async () => {
    const out = { videoPacketsIn: 0, framesDecoded: 0, audioPacketsIn: 0, packetsOut: 0 };
    for (const pc of (window as unknown as { __pcs: RTCPeerConnection[] }).__pcs) {
      const stats = await pc.getStats().catch(() => new Map<string, never>());
      stats.forEach((r: { type: string; kind?: string; packetsReceived?: number; framesDecoded?: number }) => {
        if (r.type === 'outbound-rtp') out.packetsOut += (r as { packetsSent?: number }).packetsSent ?? 0;
        if (r.type !== 'inbound-rtp') return;
        if (r.kind === 'video') {
          out.videoPacketsIn += r.packetsReceived ?? 0;
          out.framesDecoded += r.framesDecoded ?? 0;
        }
        if (r.kind === 'audio') out.audioPacketsIn += r.packetsReceived ?? 0;
      });
    }
    return out;
  });
}

/** Polls {@link pageRtp} every 100 ms until `done` holds, up to `timeoutMs`; returns the last sample. */
export async function waitForRtp(
  page: Page,
  done: (rtp: PageRtp) => boolean,
  what: string,
  timeoutMs = 20_000,
): Promise<PageRtp> {
  const deadline = Date.now() + timeoutMs;
  let last = await pageRtp(page);
  while (!done(last)) {
    if (Date.now() > deadline) throw new Error(`${what}: not within ${timeoutMs} ms (last ${JSON.stringify(last)})`);
    await page.waitForTimeout(100);
    last = await pageRtp(page);
  }
  return last;
}

/** The gateway's `stagepass_media_packets_total` for one kind and outcome, read from its registry (fresh, uncached). */
export async function gatewayPackets(
  gateway: Gateway,
  kind: 'audio' | 'video',
  outcome: 'received' | 'forwarded' | 'dropped' | 'stalled',
): Promise<number> {
  const prefix = `stagepass_media_packets_total{kind="${kind}",outcome="${outcome}"} `;
  const line = (await gateway.metrics.metrics()).split('\n').find((l) => l.startsWith(prefix));
  return line === undefined ? 0 : Number(line.slice(prefix.length));
}

/** The first message the page's WebSockets received whose fields include all of `fields`, waited for up to 20 s. */
export async function receivedMessage(
  page: Page,
  fields: Readonly<Record<string, string | number | null>>,
): Promise<Record<string, unknown>> {
  const handle = await page.waitForFunction(
    (want) =>
      (window as unknown as { __received: Record<string, unknown>[] }).__received.find((m) =>
        Object.entries(want).every(([key, value]) => m[key] === value),
      ),
    fields,
    { timeout: 20_000, polling: 50 },
  );
  return (await handle.jsonValue()) as Record<string, unknown>;
}

/**
 * A hand-made client on the page's own (the SDK's) WebSocket: sends each request with an id of its own and
 * returns the replies; meanwhile it answers every offer the gateway makes for a subscription with a
 * PeerConnection of its own (kept in window.__pcs), as a client bent on receiving media would.
 */
export function handMadeRequests(
  page: Page,
  requests: readonly Record<string, unknown>[],
): Promise<Record<string, unknown>[]> {
  return page.evaluate(async (list) => {
    const ws = (window as unknown as { __sockets: WebSocket[] }).__sockets.find((s) => s.readyState === s.OPEN);
    if (ws === undefined) throw new Error('the page has no open WebSocket');
    const send = (message: Record<string, unknown>) => ws.send(JSON.stringify(message));
    ws.addEventListener('message', (event) => {
      const m = JSON.parse(String(event.data)) as { type: string; kind?: string; subscriptionId?: string };
      if (m.type !== 'webrtc' || m.kind !== 'offer' || m.subscriptionId === undefined) return;
      const subscriptionId = m.subscriptionId;
      const pc = new RTCPeerConnection({ iceServers: [] });
      pc.onicecandidate = (e) => {
        if (e.candidate !== null)
          send({ type: 'webrtc', id: 990_000, subscriptionId, kind: 'candidate', payload: e.candidate.toJSON() });
      };
      void (async () => {
        await pc.setRemoteDescription((m as unknown as { payload: RTCSessionDescriptionInit }).payload);
        await pc.setLocalDescription(await pc.createAnswer());
        send({ type: 'webrtc', id: 990_001, subscriptionId, kind: 'answer', payload: pc.localDescription!.toJSON() });
      })();
    });
    const replies: Record<string, unknown>[] = [];
    for (const [i, request] of list.entries()) {
      const id = 900_000 + i;
      replies.push(
        await new Promise<Record<string, unknown>>((resolve) => {
          const onReply = (event: MessageEvent) => {
            const m = JSON.parse(String(event.data)) as Record<string, unknown>;
            if ((m.type !== 'ack' && m.type !== 'error') || m.id !== id) return;
            ws.removeEventListener('message', onReply);
            resolve(m);
          };
          ws.addEventListener('message', onReply);
          send({ ...request, id });
        }),
      );
    }
    return replies;
  }, requests);
}

/** A real SDP offer of a receive-only PeerConnection made in the page (closed again). */
export function receiveOnlyOffer(page: Page): Promise<RTCSessionDescriptionInit> {
  return page.evaluate(async () => {
    const pc = new RTCPeerConnection({ iceServers: [] });
    pc.addTransceiver('audio', { direction: 'recvonly' });
    pc.addTransceiver('video', { direction: 'recvonly' });
    await pc.setLocalDescription(await pc.createOffer());
    const offer = pc.localDescription!.toJSON();
    pc.close();
    return offer;
  });
}
