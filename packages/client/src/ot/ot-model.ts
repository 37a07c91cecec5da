import type { Capabilities as StagepassCapabilities, ConnectionInfo, StreamInfo } from '@stagepass/protocol';

/** A connection to the session, as OpenTok.js shows it: `connectionId`, `creationTime` (ms), `data`. */
export class Connection {
  readonly connectionId: string;
  readonly creationTime: number;
  /** The token's connection data (`""` when it had none). */
  readonly data: string;

  /** @internal */
  constructor(info: ConnectionInfo) {
    this.connectionId = info.id;
    this.creationTime = info.creationTime;
    this.data = info.data ?? '';
  }
}

/**
 * A stream of the session. The same object is handed out in every event about that stream and kept up to date
 * (`hasAudio`, `hasVideo` change in place before `streamPropertyChanged`).
 */
export class Stream {
  readonly streamId: string;
  readonly connection: Connection;
  readonly creationTime: number;
  readonly name: string;
  hasAudio: boolean;
  hasVideo: boolean;
  readonly videoType: 'camera' | 'screen';
  /** Always false: Stagepass has no captions. */
  readonly hasCaptions = false;

  /** @internal */
  constructor(info: StreamInfo, connection: Connection) {
    this.streamId = info.id;
    this.connection = connection;
    this.creationTime = info.creationTime;
    this.name = info.name;
    this.hasAudio = info.hasAudio;
    this.hasVideo = info.hasVideo;
    this.videoType = info.videoType;
  }
}

/** The actions `permittedTo` knows: OpenTok.js's five, and `signal` (a Stagepass publisheronly may not signal). */
export type CapabilityAction = 'publish' | 'subscribe' | 'signal' | 'forceDisconnect' | 'forceUnpublish' | 'forceMute';

/**
 * `session.capabilities`: 1 or 0 per action, as in OpenTok.js (all 0 before `sessionConnected`), and
 * `permittedTo(action)`.
 */
export class Capabilities {
  publish: 0 | 1 = 0;
  subscribe: 0 | 1 = 0;
  signal: 0 | 1 = 0;
  forceDisconnect: 0 | 1 = 0;
  forceUnpublish: 0 | 1 = 0;
  forceMute: 0 | 1 = 0;
  /** 1 when this runtime has WebRTC (RTCPeerConnection). */
  readonly supportsWebRTC: 0 | 1 = typeof globalThis.RTCPeerConnection === 'function' ? 1 : 0;
  /** Always 0: Stagepass has no end-to-end encryption. */
  readonly supportsE2ee = 0;

  /** @internal */
  set(flags: StagepassCapabilities | null): void {
    const bit = (on: boolean | undefined): 0 | 1 => (on === true ? 1 : 0);
    this.publish = bit(flags?.publish);
    this.subscribe = bit(flags?.subscribe);
    this.signal = bit(flags?.signal);
    this.forceDisconnect = bit(flags?.forceDisconnect);
    this.forceUnpublish = bit(flags?.forceUnpublish);
    this.forceMute = bit(flags?.forceMute);
  }

  /** True when the role allows `action` (`'publish'`, `'forceMute'`, …); false for anything unknown. */
  permittedTo(action: CapabilityAction | (string & {})): boolean {
    return (
      Object.prototype.hasOwnProperty.call(this, action) && (this as unknown as Record<string, unknown>)[action] === 1
    );
  }
}
