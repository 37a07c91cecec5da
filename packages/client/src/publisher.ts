import { invalidOption, type StreamInfo, type StreamProperty } from '@stagepass/protocol';
import type { MediaHost } from './media-host.js';

/** Options of `session.publish`. */
export interface PublishOptions {
  /** Shown to the others as the stream's name; at most 256 characters. Default `""`. */
  readonly name?: string;
  /** Default `camera`. */
  readonly videoType?: 'camera' | 'screen';
}

/**
 * One published stream: the local MediaStream, offered to each subscriber over its own
 * RTCPeerConnection (relayed sessions), or sent once to the gateway, which forwards it to every
 * subscriber (routed sessions). Created by `session.publish`.
 *
 * @example
 * ```ts
 * const pub = await session.publish(await navigator.mediaDevices.getUserMedia({ audio: true, video: true }));
 * await pub.setAudioEnabled(false);
 * ```
 */
export class Publisher {
  readonly #host: MediaHost;
  readonly #subscriptions = new Set<string>();
  #destroyed = false;

  /** @internal */
  constructor(
    host: MediaHost,
    readonly streamId: string,
    readonly mediaStream: MediaStream,
  ) {
    this.#host = host;
  }

  /** The stream as the session sees it now (undefined once it ended). */
  get stream(): StreamInfo | undefined {
    return this.#host.stream(this.streamId);
  }

  /** True once the stream ended (unpublished, force-unpublished, or the session closed). */
  get destroyed(): boolean {
    return this.#destroyed;
  }

  /** Turns the audio tracks on or off and tells the session (`streamPropertyChanged`). Also unmutes after a force mute. */
  setAudioEnabled(enabled: boolean): Promise<void> {
    return this.#setEnabled('hasAudio', enabled, this.mediaStream.getAudioTracks());
  }

  /** Turns the video tracks on or off and tells the session. */
  setVideoEnabled(enabled: boolean): Promise<void> {
    return this.#setEnabled('hasVideo', enabled, this.mediaStream.getVideoTracks());
  }

  /**
   * Ends the stream; every subscription to it ends with it. The tracks are not stopped (they are the
   * app's). Harmless once the stream already ended.
   */
  async unpublish(): Promise<void> {
    if (this.#destroyed) return;
    await this.#host.request({ type: 'unpublish', streamId: this.streamId }, () => undefined);
    this.end();
  }

  async #setEnabled(property: StreamProperty, enabled: boolean, tracks: readonly MediaStreamTrack[]): Promise<void> {
    if (typeof enabled !== 'boolean')
      throw invalidOption(
        'enabled',
        'must be true or false',
        property === 'hasAudio' ? 'setAudioEnabled' : 'setVideoEnabled',
      );
    for (const track of tracks) track.enabled = enabled;
    const current = this.stream?.[property];
    if (current === enabled) return;
    await this.#host.request(
      { type: 'setStreamProperty', streamId: this.streamId, property, value: enabled },
      () => undefined,
    );
  }

  /** @internal Routed sessions: send the tracks to the gateway over one PeerConnection. */
  startUpload(): void {
    if (this.#destroyed || !this.#host.routed()) return;
    const link = this.#host.openUpload(this.streamId);
    for (const track of this.mediaStream.getTracks())
      link.pc.addTransceiver(track, { direction: 'sendonly', streams: [this.mediaStream] });
    void link.offer();
  }

  /** @internal Someone subscribed: offer them the tracks (relayed; routed, the gateway offers). */
  addSubscriber(subscriptionId: string): void {
    if (this.#destroyed || this.#host.routed()) return;
    const link = this.#host.openLink(subscriptionId, this.streamId);
    this.#subscriptions.add(subscriptionId);
    for (const track of this.mediaStream.getTracks()) link.pc.addTrack(track, this.mediaStream);
    void link.offer();
  }

  /** @internal */
  removeSubscriber(subscriptionId: string): void {
    if (this.#subscriptions.delete(subscriptionId)) this.#host.closeLink(subscriptionId);
  }

  /**
   * @internal After a resume: the subscriptions to this stream now. Offers to the ones that came while
   * away, closes the links of the ones that ended meanwhile.
   */
  reconcileSubscribers(subscriptionIds: ReadonlySet<string>): void {
    for (const id of [...this.#subscriptions]) if (!subscriptionIds.has(id)) this.removeSubscriber(id);
    for (const id of subscriptionIds) if (!this.#subscriptions.has(id)) this.addSubscriber(id);
  }

  /** @internal True while its audio tracks are on. */
  get audioEnabled(): boolean {
    return this.mediaStream.getAudioTracks().some((track) => track.enabled);
  }

  /** @internal The gateway force-muted the stream: really silence it. */
  silenceAudio(): void {
    for (const track of this.mediaStream.getAudioTracks()) track.enabled = false;
  }

  /** @internal The stream ended: close every link. */
  end(): void {
    if (this.#destroyed) return;
    this.#destroyed = true;
    if (this.#host.routed()) this.#host.closeUpload(this.streamId);
    for (const id of this.#subscriptions) this.#host.closeLink(id);
    this.#subscriptions.clear();
  }
}
