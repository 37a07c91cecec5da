import type { SessionBus } from '../session/local-bus.js';
import type { MediaRouter } from '../session/media-router.js';
import type { ConnectionRecord, Negotiation, StreamRecord, SubscriptionRecord } from '../session/session-events.js';
import { ForwardingGate, createMediaCounts, type MediaCounts, type StreamCountsTable } from './forwarding-gate.js';
import { KeyframeThrottle } from './keyframe-throttle.js';
import type { Downlink, MediaEngine, MediaKind, SessionDescription, Uplink } from './media-engine.js';
import { StallGuard } from './stall-guard.js';

/** Options of {@link createRoutedMediaRouter}. */
export interface RoutedMediaRouterOptions {
  readonly engine: MediaEngine;
  /** Keyframe requests to one publisher at most once per this. Default 500 ms. */
  readonly keyframeIntervalMs?: number;
  /**
   * Stop sending to a subscriber that has sent no RTCP for this long, until it sends again
   * ({@link StallGuard}). Default 5000 ms.
   */
  readonly stallAfterMs?: number;
  /** The node's packet counts, kept beside each stream's (the gateway's `/metrics`). */
  readonly counts?: MediaCounts;
  /** Where each live stream's counts are shown (per-stream series of `/metrics`, up to its `max`). Default none. */
  readonly streamCounts?: StreamCountsTable;
  /**
   * A negotiation the engine failed (a malformed SDP, no port free): for the log. The client of a
   * failed offer or answer is also sent `webrtcFailed`; a failed candidate is only logged.
   */
  readonly onError?: (err: unknown, where: 'upload' | 'download') => void;
}

/** One link's steps, run one after the other (werift must not get a candidate before its description). */
class Steps {
  #chain: Promise<void> = Promise.resolve();
  closed = false;
  run(step: () => Promise<void>, onError: (err: unknown) => void): void {
    this.#chain = this.#chain.then(async () => {
      if (this.closed) return;
      try {
        await step();
      } catch (err) {
        if (!this.closed) onError(err);
      }
    });
  }
}

/** A routed stream: its gate, its upload (once offered) and its keyframe throttle. */
interface RoutedStream {
  readonly gate: ForwardingGate;
  readonly keyframes: KeyframeThrottle;
  uplink: Uplink | undefined;
  steps: Steps;
}

interface RoutedSubscription {
  readonly stream: RoutedStream;
  readonly steps: Steps;
  downlink: Downlink | undefined;
  /** The downlink as the gate sees it: behind its stall guard. */
  sink: StallGuard | undefined;
}

type UploadOrSubscription = { readonly streamId: string } | { readonly subscriptionId: string };

function description(payload: Readonly<Record<string, unknown>>, type: 'offer' | 'answer'): SessionDescription {
  if (typeof payload.sdp !== 'string') throw new TypeError(`the ${type} has no sdp`);
  // werift takes an SDP without any media section (even "garbage") and then never connects.
  if (!/^m=/m.test(payload.sdp)) throw new TypeError(`the ${type}'s sdp has no media section (m=)`);
  return { type, sdp: payload.sdp };
}

/** What the link helpers below share. */
interface Links {
  readonly bus: SessionBus;
  readonly engine: MediaEngine;
  readonly onError: (err: unknown, where: 'upload' | 'download') => void;
  readonly stallAfterMs: number | undefined;
}

/** The gateway's own offer or answer to a client (`from: null`). */
function toClient(bus: SessionBus, to: ConnectionRecord, target: UploadOrSubscription, sdp: SessionDescription): void {
  const payload = { type: sdp.type, sdp: sdp.sdp };
  bus.toConnection(
    to,
    'streamId' in target
      ? { type: 'webrtc', streamId: target.streamId, kind: sdp.type, payload, from: null }
      : { type: 'webrtc', subscriptionId: target.subscriptionId, kind: sdp.type, payload, from: null },
  );
}

/** Which step of a link failed: what the client is told (never the SDP, which may carry addresses). */
type FailedStep = 'offer' | 'answer' | 'download';

function failureText(target: UploadOrSubscription, step: FailedStep): string {
  if ('streamId' in target)
    return `The gateway could not answer the offer of stream ${target.streamId}'s upload: its SDP is malformed or cannot be accepted (or no port was free; its log says which). Send a new offer from a new RTCPeerConnection.`;
  return step === 'answer'
    ? `The gateway could not accept the answer of subscription ${target.subscriptionId}'s download: its SDP is malformed or cannot be accepted. Unsubscribe and subscribe again.`
    : `The gateway could not open subscription ${target.subscriptionId}'s download (its log says why). Unsubscribe and subscribe again.`;
}

/**
 * A link whose negotiation failed: logged (the engine's error), and its client told with
 * `webrtcFailed` (docs/protocol.md "Routed media"), so that it does not wait for an answer forever.
 */
function failed(links: Links, to: ConnectionRecord, target: UploadOrSubscription, step: FailedStep, err: unknown) {
  links.onError(err, 'streamId' in target ? 'upload' : 'download');
  const base = { type: 'webrtcFailed', code: 'ERR_MEDIA_NEGOTIATION', message: failureText(target, step) } as const;
  links.bus.toConnection(
    to,
    'streamId' in target ? { ...base, streamId: target.streamId } : { ...base, subscriptionId: target.subscriptionId },
  );
}

/** A publisher's `webrtc` for its stream's upload: a new offer makes a new uplink; a candidate joins the current one. */
function upload(links: Links, stream: StreamRecord, routed: RoutedStream, { kind, payload }: Negotiation): void {
  const { bus, engine, onError } = links;
  if (kind === 'offer') {
    // A new offer replaces the upload (the publisher's client made a new PeerConnection).
    routed.steps.closed = true;
    routed.uplink?.close();
    routed.uplink = undefined;
    routed.steps = new Steps();
  }
  const steps = routed.steps;
  steps.run(
    async () => {
      if (kind === 'candidate') {
        await routed.uplink?.addCandidate(payload);
        return;
      }
      const uplink = await engine.createUplink({
        onPacket: (packetKind: MediaKind, packet) => routed.gate.forward(packetKind, packet),
      });
      if (steps.closed) return uplink.close();
      routed.uplink = uplink;
      const answer = await uplink.answer(description(payload, 'offer'));
      if (!steps.closed) toClient(bus, stream.connection, { streamId: stream.id }, answer);
    },
    (err) => {
      if (kind === 'candidate') return onError(err, 'upload');
      // The upload is no use now: free its port; a new offer makes a new one.
      routed.uplink?.close();
      routed.uplink = undefined;
      failed(links, stream.connection, { streamId: stream.id }, 'offer', err);
    },
  );
}

/** A new subscription's download: made, added to the stream's gate, and offered to the subscriber. */
function download(links: Links, subscription: SubscriptionRecord, routed: RoutedSubscription): void {
  const { bus, engine } = links;
  const keyframe = () => routed.stream.keyframes.request();
  routed.steps.run(
    async () => {
      const downlink = await engine.createDownlink({
        onConnected: () => {
          routed.sink?.alive();
          keyframe();
        },
        onKeyframeRequest: keyframe,
        onFeedback: () => routed.sink?.alive(),
      });
      if (routed.steps.closed) return downlink.close();
      routed.downlink = downlink;
      routed.sink = new StallGuard(downlink, {
        onResume: keyframe,
        ...(links.stallAfterMs === undefined ? {} : { stallAfterMs: links.stallAfterMs }),
      });
      routed.stream.gate.sinks.add(routed.sink);
      const offer = await downlink.offer();
      if (!routed.steps.closed) toClient(bus, subscription.subscriber, { subscriptionId: subscription.id }, offer);
    },
    (err) => dropDownlink(links, subscription, routed, 'download', err),
  );
}

/** A download whose negotiation failed: closed, out of its stream's gate, and its subscriber told. */
function dropDownlink(
  links: Links,
  subscription: SubscriptionRecord,
  routed: RoutedSubscription,
  step: FailedStep,
  err: unknown,
): void {
  routed.steps.closed = true;
  if (routed.sink !== undefined) routed.stream.gate.sinks.delete(routed.sink);
  routed.sink = undefined;
  if (routed.downlink !== undefined) {
    routed.downlink.close();
    routed.downlink = undefined;
  }
  failed(links, subscription.subscriber, { subscriptionId: subscription.id }, step, err);
}

/**
 * Routed media (docs/protocol.md "Routed media"): the gateway is the other end of every
 * PeerConnection. Each stream has one upload from its publisher; each subscription one download;
 * every packet of a stream passes its {@link ForwardingGate}, which the session core opens and
 * shuts from its domain events (force mute, hasAudio, hasVideo, the stream's end). A subscriber's
 * join, a subscriber's PLI/FIR and video coming back each ask the publisher for a keyframe, at most
 * once per 500 ms per stream.
 *
 * @example
 * ```ts
 * const sessions = createMemorySessionService({
 *   mediaRouter: (bus) => createModeMediaRouter(createRelayMediaRouter(bus), createRoutedMediaRouter(bus, { engine: createWeriftEngine() })),
 * });
 * ```
 */
export function createRoutedMediaRouter(bus: SessionBus, options: RoutedMediaRouterOptions): MediaRouter {
  const { engine } = options;
  const onError = options.onError ?? (() => {});
  const streams = new Map<StreamRecord, RoutedStream>();
  const subscriptions = new Map<SubscriptionRecord, RoutedSubscription>();
  const links: Links = { bus, engine, onError, stallAfterMs: options.stallAfterMs };
  const totals = options.counts ?? createMediaCounts();
  const table = options.streamCounts;

  function routedStream(stream: StreamRecord): RoutedStream {
    let routed = streams.get(stream);
    if (routed === undefined) {
      const keyframes = new KeyframeThrottle(() => routed?.uplink?.requestKeyframe(), options.keyframeIntervalMs);
      routed = { gate: new ForwardingGate(totals), keyframes, uplink: undefined, steps: new Steps() };
      streams.set(stream, routed);
      if (table !== undefined && table.byStream.size < table.max) table.byStream.set(stream.id, routed.gate.counts);
    }
    return routed;
  }

  function endStream(stream: StreamRecord, routed: RoutedStream): void {
    routed.steps.closed = true;
    routed.keyframes.stop();
    routed.uplink?.close();
    if (table?.byStream.get(stream.id) === routed.gate.counts) table.byStream.delete(stream.id);
  }

  return {
    negotiate(_from, subscription, { kind, payload }) {
      const routed = subscriptions.get(subscription);
      if (routed === undefined) return;
      routed.steps.run(
        async () => {
          if (kind === 'answer') await routed.downlink?.accept(description(payload, 'answer'));
          else if (kind === 'candidate') await routed.downlink?.addCandidate(payload);
        },
        (err) =>
          kind === 'answer' ? dropDownlink(links, subscription, routed, 'answer', err) : onError(err, 'download'),
      );
    },
    negotiateUpload(stream, negotiation) {
      upload(links, stream, routedStream(stream), negotiation);
    },
    subscriptionCreated(subscription) {
      const routed: RoutedSubscription = {
        stream: routedStream(subscription.stream),
        steps: new Steps(),
        downlink: undefined,
        sink: undefined,
      };
      subscriptions.set(subscription, routed);
      download(links, subscription, routed);
    },
    subscriptionEnded(subscription) {
      const routed = subscriptions.get(subscription);
      if (routed === undefined) return;
      subscriptions.delete(subscription);
      routed.steps.closed = true;
      if (routed.sink !== undefined) routed.stream.gate.sinks.delete(routed.sink);
      routed.downlink?.close();
    },
    setGate(stream, gate) {
      if (gate === null) {
        const routed = streams.get(stream);
        if (routed === undefined) return;
        streams.delete(stream);
        routed.gate.set({ audio: false, video: false });
        endStream(stream, routed);
        return;
      }
      const routed = routedStream(stream);
      if (routed.gate.set(gate)) routed.keyframes.request();
    },
    close() {
      for (const routed of subscriptions.values()) {
        routed.steps.closed = true;
        routed.downlink?.close();
      }
      subscriptions.clear();
      for (const [stream, routed] of streams) endStream(stream, routed);
      streams.clear();
    },
  };
}
