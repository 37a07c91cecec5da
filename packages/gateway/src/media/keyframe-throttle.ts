import type { EpochMilliseconds, Milliseconds } from '@stagepass/protocol';

/**
 * At most one keyframe request per `intervalMs` to one publisher, whoever asks: a request inside
 * the interval is not lost but sent once at its end (a late joiner must not wait for the
 * publisher's next spontaneous keyframe, which Chromium sends only when asked).
 */
export class KeyframeThrottle {
  #last = Number.NEGATIVE_INFINITY;
  #timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly send: () => void,
    private readonly intervalMs: Milliseconds = 500,
    private readonly now: () => EpochMilliseconds = Date.now,
  ) {}

  request(): void {
    if (this.#timer !== undefined) return;
    const wait = this.#last + this.intervalMs - this.now();
    if (wait <= 0) {
      this.#fire();
      return;
    }
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      this.#fire();
    }, wait);
    this.#timer.unref();
  }

  stop(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  #fire(): void {
    this.#last = this.now();
    this.send();
  }
}
