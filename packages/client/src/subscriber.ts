import type { StreamInfo } from '@stagepass/protocol';
import type { MediaHost } from './media-host.js';

/**
 * One subscription to another client's stream: its own RTCPeerConnection, whose remote tracks are
 * added to `mediaStream` as they arrive. Created by `session.subscribe`.
 *
 * @example
 * ```ts
 * const sub = await session.subscribe(event.stream.id);
 * videoElement.srcObject = sub.mediaStream;
 * ```
 */
export class Subscriber {
  readonly #host: MediaHost;
  #ended = false;

  /** @internal */
  constructor(
    host: MediaHost,
    readonly streamId: string,
    readonly subscriptionId: string,
    readonly mediaStream: MediaStream,
  ) {
    this.#host = host;
  }

  /** The stream as the session sees it now (undefined once it ended). */
  get stream(): StreamInfo | undefined {
    return this.#host.stream(this.streamId);
  }

  /** True once the subscription ended (unsubscribed, the stream ended, or the session closed). */
  get destroyed(): boolean {
    return this.#ended;
  }

  /** Ends the subscription and closes its RTCPeerConnection. */
  async unsubscribe(): Promise<void> {
    if (this.#ended) return;
    await this.#host.request({ type: 'unsubscribe', subscriptionId: this.subscriptionId }, () => undefined);
    this.end();
  }

  /** @internal */
  end(): void {
    if (this.#ended) return;
    this.#ended = true;
    this.#host.closeLink(this.subscriptionId);
  }
}
