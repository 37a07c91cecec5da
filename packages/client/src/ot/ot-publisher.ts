import type { Publisher as SdkPublisher } from '../publisher.js';
import { OTError, ExceptionCodes, report, settle, toOTError, type CompletionHandler } from './ot-errors.js';
import type {
  DestroyedEvent,
  MediaStreamAvailableEvent,
  StreamEvent,
  VideoElementCreatedEvent,
} from './ot-event-types.js';
import { OTEventEmitter, createEvent, type OTEvent } from './ot-events.js';
import type { Stream } from './ot-model.js';
import type { Session } from './ot-session.js';
import type { OTStreamDestroyedReason } from './ot-reasons.js';
import { createVideo, insertWidget, type WidgetProperties } from './ot-widget.js';

/** `OT.initPublisher`'s properties: OpenTok.js's, those this facade acts on. */
export interface PublisherProperties extends WidgetProperties {
  /** The stream's name, shown to the others (`stream.name`). */
  readonly name?: string;
  /** Start with the microphone on (default true) / the camera on (default true). */
  readonly publishAudio?: boolean;
  readonly publishVideo?: boolean;
  /** A device ID, a MediaStreamTrack, or false/null for no audio. Default: the default microphone. */
  readonly audioSource?: string | boolean | null | MediaStreamTrack;
  /** A device ID, a MediaStreamTrack, `'screen'` (screen sharing), or false/null for no video. Default: the camera. */
  readonly videoSource?: string | boolean | null | MediaStreamTrack;
  /** e.g. `'1280x720'`; default the browser's. */
  readonly resolution?: `${number}x${number}`;
  readonly frameRate?: number;
  readonly facingMode?: 'user' | 'environment' | 'left' | 'right';
  /** Mirror the local video (default true for a camera, as OpenTok.js). */
  readonly mirror?: boolean;
  readonly echoCancellation?: boolean;
  readonly noiseSuppression?: boolean;
  readonly autoGainControl?: boolean;
}

/** A Publisher's events. */
export interface PublisherEvents {
  accessAllowed: OTEvent<'accessAllowed', Publisher>;
  accessDenied: OTEvent<'accessDenied', Publisher> & { readonly message: string };
  videoElementCreated: VideoElementCreatedEvent<Publisher>;
  mediaStreamAvailable: MediaStreamAvailableEvent<Publisher>;
  streamCreated: StreamEvent<'streamCreated', Publisher>;
  streamDestroyed: StreamEvent<'streamDestroyed', Publisher>;
  destroyed: DestroyedEvent<Publisher>;
  muteForced: OTEvent<'muteForced', Publisher>;
}

/** `publisher.publishAudio(value)`, chainable, and `.promise(value)`. */
export interface PublishToggle {
  (value: boolean): Publisher;
  promise(value: boolean): Promise<void>;
}

let publishers = 0;

/**
 * The camera and microphone of this page, shown in an element, published with `session.publish(publisher)`.
 * Created by `OT.initPublisher`.
 */
export class Publisher extends OTEventEmitter<PublisherEvents> {
  readonly id = `OT_publisher_${++publishers}`;
  /** The element inserted in the page (undefined with `insertDefaultUI: false`, and once destroyed). */
  element: HTMLElement | undefined;
  /** The published stream, once `streamCreated`. */
  stream: Stream | undefined;
  /** The session it is published to. */
  session: Session | undefined;
  /** True once the person allowed camera/microphone access. */
  accessAllowed = false;
  readonly publishAudio: PublishToggle;
  readonly publishVideo: PublishToggle;
  readonly #properties: PublisherProperties;
  readonly #media: Promise<MediaStream>;
  #mediaStream: MediaStream | undefined;
  #video: HTMLVideoElement | undefined;
  #inner: SdkPublisher | undefined;
  #destroyed = false;

  /** @internal Use `OT.initPublisher`. */
  constructor(target: HTMLElement | string | null | undefined, properties: PublisherProperties, done: unknown) {
    super();
    this.#properties = properties;
    this.element = insertWidget(target, properties, 'publisher') ?? undefined;
    this.publishAudio = this.#toggle('audio');
    this.publishVideo = this.#toggle('video');
    this.#media = captureMedia(properties);
    this.#media.then(
      (stream) => this.#allowed(stream, done),
      (err: unknown) => this.#denied(err, done),
    );
    // The failure is told to `done` and `accessDenied`; the promise itself must not report an unhandled rejection.
    this.#media.catch(() => {});
  }

  /** Stops publishing (if published), stops the tracks it captured and removes its element. */
  destroy(): this {
    if (this.#destroyed) return this;
    const inner = this.#inner;
    if (inner !== undefined && !inner.destroyed) void inner.unpublish().catch(() => {});
    this.#teardown('destroyed');
    return this;
  }

  /** The video's size in pixels (undefined without video). */
  videoWidth(): number | undefined {
    return this.#video?.videoWidth;
  }

  videoHeight(): number | undefined {
    return this.#video?.videoHeight;
  }

  /** @internal The media to publish (rejects when access was denied). */
  media(): Promise<MediaStream> {
    return this.#media;
  }

  /** @internal The SDK published it: the stream exists. */
  attach(session: Session, inner: SdkPublisher, stream: Stream): void {
    this.session = session;
    this.#inner = inner;
    this.stream = stream;
    this.dispatch(createEvent('streamCreated', this, { stream }));
  }

  /** @internal Its stream ended: by default the Publisher is destroyed (preventDefault keeps it to publish again). */
  streamEnded(reason: OTStreamDestroyedReason): void {
    const stream = this.stream;
    this.#inner = undefined;
    this.session = undefined;
    this.stream = undefined;
    if (stream === undefined) return;
    this.dispatch(createEvent('streamDestroyed', this, { stream, reason }, true), () => this.#teardown(reason));
  }

  /** @internal A moderator muted this stream (the SDK already silenced the tracks). */
  muteForced(): void {
    this.dispatch(createEvent('muteForced', this, {}));
  }

  /** @internal */
  get properties(): PublisherProperties {
    return this.#properties;
  }

  /** @internal The SDK Publisher, while published. */
  get inner(): SdkPublisher | undefined {
    return this.#inner;
  }

  #toggle(kind: 'audio' | 'video'): PublishToggle {
    const set = async (value: boolean): Promise<void> => {
      if (typeof value !== 'boolean')
        throw new OTError(
          'OT_INVALID_PARAMETER',
          `publish${kind === 'audio' ? 'Audio' : 'Video'}(value): value must be true or false`,
          ExceptionCodes.INVALID_PARAMETER,
        );
      const inner = this.#inner;
      if (inner !== undefined && !inner.destroyed) {
        await (kind === 'audio' ? inner.setAudioEnabled(value) : inner.setVideoEnabled(value));
        return;
      }
      const stream = this.#mediaStream ?? (await this.#media);
      for (const track of kind === 'audio' ? stream.getAudioTracks() : stream.getVideoTracks()) track.enabled = value;
    };
    const publisher: Publisher = this;
    return Object.assign(
      (value: boolean): Publisher => {
        set(value).catch((err: unknown) => console.error(toOTError(err, 'publish')));
        return publisher;
      },
      { promise: (value: boolean) => settle(() => set(value), 'publish', undefined) },
    );
  }

  #allowed(stream: MediaStream, done: unknown): void {
    if (this.#destroyed) return;
    this.#mediaStream = stream;
    const properties = this.#properties;
    for (const track of stream.getAudioTracks()) track.enabled = properties.publishAudio !== false;
    for (const track of stream.getVideoTracks()) track.enabled = properties.publishVideo !== false;
    this.accessAllowed = true;
    this.dispatch(createEvent('accessAllowed', this, {}));
    const screen = properties.videoSource === 'screen';
    const video = createVideo(stream, {
      muted: true,
      mirror: properties.mirror ?? !screen,
      fitMode: properties.fitMode,
    });
    this.#video = video;
    this.element?.appendChild(video);
    this.dispatch(createEvent('videoElementCreated', this, { element: video }));
    this.dispatch(createEvent('mediaStreamAvailable', this, { mediaStream: stream }));
    report(done);
  }

  #denied(err: unknown, done: unknown): void {
    const error = toOTError(err, 'publish');
    if (error.name === 'OT_USER_MEDIA_ACCESS_DENIED')
      this.dispatch(createEvent('accessDenied', this, { message: error.message }));
    report(done, error);
    this.#teardown('mediaStopped');
  }

  #teardown(reason: string): void {
    if (this.#destroyed) return;
    this.#destroyed = true;
    this.#inner = undefined;
    this.stream = undefined;
    this.session = undefined;
    const own = this.#properties;
    for (const track of this.#mediaStream?.getTracks() ?? []) {
      // Tracks the page handed in stay the page's.
      if (track !== own.audioSource && track !== own.videoSource) track.stop();
    }
    this.element?.remove();
    this.element = undefined;
    this.dispatch(createEvent('destroyed', this, { reason }));
  }
}

/** `OT.initPublisher(target, properties, completionHandler)`, and `.promise(target, properties)`. */
export interface InitPublisher {
  (
    target?: HTMLElement | string | null,
    properties?: PublisherProperties | CompletionHandler,
    completionHandler?: CompletionHandler,
  ): Publisher;
  promise(target?: HTMLElement | string | null, properties?: PublisherProperties): Promise<Publisher>;
}

/**
 * Asks for camera and microphone and shows them in an element (`target`: an element or its ID; none: a new one in
 * the body). `completionHandler` gets no argument once access is allowed, else the error
 * (`OT_USER_MEDIA_ACCESS_DENIED`, `OT_NO_DEVICES_FOUND`, …).
 *
 * @example
 * ```js
 * const publisher = OT.initPublisher('publisher', { name: 'Ada', width: '100%', height: '100%' }, handleError);
 * ```
 */
export const initPublisher: InitPublisher = Object.assign(
  (
    target?: HTMLElement | string | null,
    properties?: PublisherProperties | CompletionHandler,
    completionHandler?: CompletionHandler,
  ): Publisher => {
    if (typeof target === 'function') return new Publisher(undefined, {}, target);
    if (typeof properties === 'function') return new Publisher(target, {}, properties);
    return new Publisher(target, properties ?? {}, completionHandler);
  },
  {
    promise: (target?: HTMLElement | string | null, properties?: PublisherProperties) =>
      new Promise<Publisher>((resolve, reject) => {
        const publisher: Publisher = new Publisher(target, properties ?? {}, (error?: OTError) =>
          error === undefined ? resolve(publisher) : reject(error),
        );
      }),
  },
);

/** getUserMedia (or getDisplayMedia for `videoSource: 'screen'`) for the properties. */
async function captureMedia(properties: PublisherProperties): Promise<MediaStream> {
  const { audioSource, videoSource } = properties;
  const devices = globalThis.navigator?.mediaDevices;
  if (devices === undefined)
    throw new OTError(
      'OT_NOT_SUPPORTED',
      'This page has no navigator.mediaDevices (it needs https or localhost).',
      ExceptionCodes.UNABLE_TO_PUBLISH,
    );
  const noAudio = audioSource === false || audioSource === null;
  const noVideo = videoSource === false || videoSource === null;
  if (noAudio && noVideo)
    throw new OTError(
      'OT_INVALID_PARAMETER',
      'initPublisher: audioSource and videoSource are both off: enable one.',
      ExceptionCodes.INVALID_PARAMETER,
    );
  const tracks: MediaStreamTrack[] = [];
  if (videoSource === 'screen') tracks.push(...(await devices.getDisplayMedia({ video: true })).getVideoTracks());
  const audio = noAudio || audioSource instanceof MediaStreamTrack ? false : audioConstraints(properties);
  const video =
    noVideo || videoSource === 'screen' || videoSource instanceof MediaStreamTrack
      ? false
      : videoConstraints(properties);
  if (audio !== false || video !== false) tracks.push(...(await devices.getUserMedia({ audio, video })).getTracks());
  if (audioSource instanceof MediaStreamTrack) tracks.push(audioSource);
  if (videoSource instanceof MediaStreamTrack) tracks.push(videoSource);
  return new MediaStream(tracks);
}

function audioConstraints(p: PublisherProperties): MediaTrackConstraints | true {
  const c: MediaTrackConstraints = {};
  if (typeof p.audioSource === 'string') c.deviceId = { exact: p.audioSource };
  if (p.echoCancellation !== undefined) c.echoCancellation = p.echoCancellation;
  if (p.noiseSuppression !== undefined) c.noiseSuppression = p.noiseSuppression;
  if (p.autoGainControl !== undefined) c.autoGainControl = p.autoGainControl;
  return Object.keys(c).length === 0 ? true : c;
}

function videoConstraints(p: PublisherProperties): MediaTrackConstraints | true {
  const c: MediaTrackConstraints = {};
  if (typeof p.videoSource === 'string') c.deviceId = { exact: p.videoSource };
  if (p.resolution !== undefined) {
    const [width, height] = p.resolution.split('x').map(Number);
    if (width !== undefined && height !== undefined) Object.assign(c, { width, height });
  }
  if (p.frameRate !== undefined) c.frameRate = p.frameRate;
  if (p.facingMode !== undefined) c.facingMode = p.facingMode;
  return Object.keys(c).length === 0 ? true : c;
}
