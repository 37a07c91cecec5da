import type { Subscriber as SdkSubscriber } from '../subscriber.js';
import type { DestroyedEvent, MediaStreamAvailableEvent, VideoElementCreatedEvent } from './ot-event-types.js';
import { OTEventEmitter, createEvent, type OTEvent } from './ot-events.js';
import type { Stream } from './ot-model.js';
import { createVideo, insertWidget, type WidgetProperties } from './ot-widget.js';

/** `session.subscribe`'s properties. */
export interface SubscriberProperties extends WidgetProperties {
  /** Play the stream's audio (default true) / show its video (default true). Local only: the media still flows. */
  readonly subscribeToAudio?: boolean;
  readonly subscribeToVideo?: boolean;
  /** 0–100, default 50 as in OpenTok.js (the element's volume). */
  readonly audioVolume?: number;
}

/** A Subscriber's events. */
export interface SubscriberEvents {
  connected: OTEvent<'connected', Subscriber>;
  videoElementCreated: VideoElementCreatedEvent<Subscriber>;
  mediaStreamAvailable: MediaStreamAvailableEvent<Subscriber>;
  videoDisabled: OTEvent<'videoDisabled', Subscriber> & { readonly reason: 'publishVideo' | 'subscribeToVideo' };
  videoEnabled: OTEvent<'videoEnabled', Subscriber> & { readonly reason: 'publishVideo' | 'subscribeToVideo' };
  destroyed: DestroyedEvent<Subscriber>;
}

let subscribers = 0;

/** Another client's stream shown in an element. Created by `session.subscribe`. */
export class Subscriber extends OTEventEmitter<SubscriberEvents> {
  readonly id = `OT_subscriber_${++subscribers}`;
  element: HTMLElement | undefined;
  stream: Stream | undefined;
  readonly #video: HTMLVideoElement;
  #inner: SdkSubscriber | undefined;
  #audio: boolean;
  #showVideo: boolean;
  #destroyed = false;

  /** @internal Use `session.subscribe`. */
  constructor(stream: Stream, target: HTMLElement | string | null | undefined, properties: SubscriberProperties) {
    super();
    this.stream = stream;
    this.element = insertWidget(target, properties, 'subscriber') ?? undefined;
    this.#audio = properties.subscribeToAudio !== false;
    this.#showVideo = properties.subscribeToVideo !== false;
    this.#video = createVideo(null, { muted: !this.#audio, mirror: false, fitMode: properties.fitMode });
    this.#video.volume = volumeOf(properties.audioVolume ?? 50);
    this.#applyVideo();
  }

  /** Plays or silences the stream's audio here. */
  subscribeToAudio(value: boolean): this {
    this.#audio = value !== false;
    this.#video.muted = !this.#audio;
    return this;
  }

  /** Shows or hides the stream's video here. */
  subscribeToVideo(value: boolean): this {
    const show = value !== false;
    if (show === this.#showVideo) return this;
    this.#showVideo = show;
    this.#applyVideo();
    const type = show ? 'videoEnabled' : 'videoDisabled';
    this.dispatch(createEvent(type, this, { reason: 'subscribeToVideo' as const }));
    return this;
  }

  /** 0–100. */
  setAudioVolume(value: number): this {
    this.#video.volume = volumeOf(value);
    return this;
  }

  getAudioVolume(): number {
    return Math.round(this.#video.volume * 100);
  }

  videoWidth(): number | undefined {
    return this.#video.videoWidth;
  }

  videoHeight(): number | undefined {
    return this.#video.videoHeight;
  }

  /** @internal The SDK subscription exists: show its tracks. */
  attach(inner: SdkSubscriber): void {
    if (this.#destroyed) return;
    this.#inner = inner;
    this.#video.srcObject = inner.mediaStream;
    this.element?.appendChild(this.#video);
    this.dispatch(createEvent('videoElementCreated', this, { element: this.#video }));
    this.dispatch(createEvent('mediaStreamAvailable', this, { mediaStream: inner.mediaStream }));
    this.dispatch(createEvent('connected', this, {}));
  }

  /** @internal The stream's video was turned on or off by its publisher. */
  publisherVideo(enabled: boolean): void {
    this.dispatch(createEvent(enabled ? 'videoEnabled' : 'videoDisabled', this, { reason: 'publishVideo' as const }));
  }

  /** @internal The SDK subscription, while subscribed. */
  get inner(): SdkSubscriber | undefined {
    return this.#inner;
  }

  /** @internal Removes the element and tells `destroyed`. */
  end(reason: string): void {
    if (this.#destroyed) return;
    this.#destroyed = true;
    this.#inner = undefined;
    this.#video.srcObject = null;
    this.element?.remove();
    this.element = undefined;
    this.stream = undefined;
    this.dispatch(createEvent('destroyed', this, { reason }));
  }

  #applyVideo(): void {
    this.#video.style.visibility = this.#showVideo ? '' : 'hidden';
  }
}

function volumeOf(value: number): number {
  return Number.isFinite(value) ? Math.min(100, Math.max(0, value)) / 100 : 0.5;
}
