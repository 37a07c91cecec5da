/**
 * Just enough of RTCPeerConnection / MediaStream / MediaStreamTrack for Node tests of the
 * negotiation the SDK drives through the real gateway: offers list the track kinds, the answering
 * side gets one remote track per kind, and each side emits two ICE candidates *before* its
 * setLocalDescription resolves (so they reach the other end ahead of the description, as they may
 * in browsers). addIceCandidate before a remote description throws, as in browsers.
 */
let ids = 0;

export class FakeTrack {
  readonly id = `track-${++ids}`;
  enabled = true;
  constructor(readonly kind: 'audio' | 'video') {}
}

export class FakeMediaStream {
  readonly id = `stream-${++ids}`;
  readonly #tracks: FakeTrack[];
  constructor(tracks: FakeTrack[] = []) {
    this.#tracks = [...tracks];
  }
  getTracks(): FakeTrack[] {
    return [...this.#tracks];
  }
  getAudioTracks(): FakeTrack[] {
    return this.#tracks.filter((t) => t.kind === 'audio');
  }
  getVideoTracks(): FakeTrack[] {
    return this.#tracks.filter((t) => t.kind === 'video');
  }
  addTrack(track: FakeTrack): void {
    this.#tracks.push(track);
  }
}

interface Description {
  type: string;
  sdp: string;
}

export class FakePeerConnection {
  static readonly all: FakePeerConnection[] = [];
  onicecandidate: ((event: { candidate: { toJSON(): Record<string, unknown> } | null }) => void) | null = null;
  ontrack: ((event: { track: FakeTrack; streams: FakeMediaStream[] }) => void) | null = null;
  localDescription: Description | null = null;
  remoteDescription: Description | null = null;
  readonly tracks: FakeTrack[] = [];
  /** Candidates added from the other end. */
  readonly added: Record<string, unknown>[] = [];
  closed = false;
  readonly #name = `pc${FakePeerConnection.all.length + 1}`;

  constructor(readonly configuration: { iceServers?: unknown[] }) {
    FakePeerConnection.all.push(this);
  }

  addTrack(track: FakeTrack): void {
    this.tracks.push(track);
  }

  /** What a routed upload uses (send only): the track is added as by addTrack. */
  addTransceiver(track: FakeTrack): void {
    this.tracks.push(track);
  }

  async createOffer(): Promise<Description> {
    return { type: 'offer', sdp: `kinds=${this.tracks.map((t) => t.kind).join(',')}` };
  }

  async createAnswer(): Promise<Description> {
    if (this.remoteDescription === null) throw new Error('InvalidStateError: no remote offer');
    return { type: 'answer', sdp: 'answer' };
  }

  async setLocalDescription(description: Description): Promise<void> {
    this.localDescription = description;
    for (const n of [1, 2]) {
      const candidate = {
        candidate: `candidate:${this.#name}-${n} 1 udp 1 127.0.0.1 ${9000 + n} typ host`,
        sdpMid: '0',
        sdpMLineIndex: 0,
      };
      this.onicecandidate?.({ candidate: { toJSON: () => candidate } });
    }
    this.onicecandidate?.({ candidate: null });
  }

  async setRemoteDescription(description: Description): Promise<void> {
    await new Promise((resolve) => setTimeout(resolve, 10));
    this.remoteDescription = description;
    if (description.type === 'offer') {
      const kinds = description.sdp
        .replace('kinds=', '')
        .split(',')
        .filter((k) => k !== '');
      for (const kind of kinds) this.ontrack?.({ track: new FakeTrack(kind as 'audio' | 'video'), streams: [] });
    }
  }

  async addIceCandidate(candidate: Record<string, unknown>): Promise<void> {
    if (this.remoteDescription === null)
      throw new Error('InvalidStateError: addIceCandidate before the remote description');
    this.added.push(candidate);
  }

  close(): void {
    this.closed = true;
  }
}

/** The fakes as connect() options. */
export const fakeWebRtc = {
  RTCPeerConnection: FakePeerConnection as unknown as new (configuration: RTCConfiguration) => RTCPeerConnection,
  MediaStream: FakeMediaStream as unknown as new () => MediaStream,
};

/** A camera + microphone stream of fake tracks. */
export function fakeCamera(): { stream: MediaStream; audio: FakeTrack; video: FakeTrack } {
  const audio = new FakeTrack('audio');
  const video = new FakeTrack('video');
  return { stream: new FakeMediaStream([audio, video]) as unknown as MediaStream, audio, video };
}

/** Waits until `check` holds (polling), failing after `ms`. */
export async function until(check: () => boolean, what: string, ms = 2000): Promise<void> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}
