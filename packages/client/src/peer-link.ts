import type { WebRtcKind } from '@stagepass/protocol';

/** Sends one `webrtc` message of this link's subscription. */
export type SendWebRtc = (kind: WebRtcKind, payload: Readonly<Record<string, unknown>>) => void;

/**
 * One RTCPeerConnection of one subscription, in the relayed mode of docs/protocol.md: the
 * publisher side offers, the subscriber side answers, both trickle candidates. Candidates that
 * arrive before the remote description is set are queued and added once it is (adding them
 * earlier throws in every browser).
 */
export class PeerLink {
  readonly #queued: RTCIceCandidateInit[] = [];
  #remoteSet = false;
  #closed = false;

  constructor(
    readonly pc: RTCPeerConnection,
    private readonly send: SendWebRtc,
    private readonly fail: (err: unknown) => void,
  ) {
    pc.onicecandidate = (event) => {
      if (event.candidate !== null && !this.#closed) this.send('candidate', toPlain(event.candidate.toJSON()));
    };
  }

  /** Publisher side: create and send the offer. */
  async offer(): Promise<void> {
    await this.#guard(async () => {
      const offer = await this.pc.createOffer();
      await this.pc.setLocalDescription(offer);
      this.send('offer', description(this.pc.localDescription ?? offer));
    });
  }

  /** Handles a relayed `webrtc` message from the other end. */
  async receive(kind: WebRtcKind, payload: Readonly<Record<string, unknown>>): Promise<void> {
    await this.#guard(async () => {
      if (kind === 'candidate') {
        const candidate = payload as RTCIceCandidateInit;
        if (this.#remoteSet) await this.pc.addIceCandidate(candidate);
        else this.#queued.push(candidate);
        return;
      }
      await this.pc.setRemoteDescription(payload as unknown as RTCSessionDescriptionInit);
      this.#remoteSet = true;
      for (const candidate of this.#queued.splice(0)) await this.pc.addIceCandidate(candidate);
      if (kind === 'offer') {
        const answer = await this.pc.createAnswer();
        await this.pc.setLocalDescription(answer);
        this.send('answer', description(this.pc.localDescription ?? answer));
      }
    });
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.pc.onicecandidate = null;
    this.pc.close();
  }

  get closed(): boolean {
    return this.#closed;
  }

  async #guard(step: () => Promise<void>): Promise<void> {
    if (this.#closed) return;
    try {
      await step();
    } catch (err) {
      if (!this.#closed) this.fail(err);
    }
  }
}

function description(init: RTCSessionDescriptionInit): Record<string, unknown> {
  return { type: init.type, sdp: init.sdp ?? '' };
}

function toPlain(init: RTCIceCandidateInit): Record<string, unknown> {
  const plain: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(init)) if (value !== undefined) plain[key] = value;
  return plain;
}
