import type { StreamInfo } from '@stagepass/protocol';
import type { PeerLink } from './peer-link.js';
import type { UnnumberedRequest } from './request-tracker.js';

/** What a Publisher or Subscriber needs from its session (internal). */
export interface MediaHost {
  /** Sends a request after the local capability check; resolves with `accept(result)`. */
  request<T>(request: UnnumberedRequest, accept: (result: Readonly<Record<string, unknown>>) => T): Promise<T>;
  /** A new PeerLink for a subscription, registered so relayed `webrtc` messages reach it. */
  openLink(subscriptionId: string, streamId: string): PeerLink;
  /** Forgets and closes a subscription's link. */
  closeLink(subscriptionId: string): void;
  /** True in a routed session: each stream has one upload to the gateway, which offers to subscribers itself. */
  routed(): boolean;
  /** Routed sessions: a new PeerLink for a stream's upload to the gateway, registered by stream ID. */
  openUpload(streamId: string): PeerLink;
  /** Forgets and closes a stream's upload. */
  closeUpload(streamId: string): void;
  /** The stream as the session knows it now. */
  stream(streamId: string): StreamInfo | undefined;
}
