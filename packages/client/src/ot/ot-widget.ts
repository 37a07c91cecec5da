/** The elements a Publisher or Subscriber puts in the page, placed as OpenTok.js places them. */

/** Where and how big the element is (OpenTok.js's `WidgetProperties`). */
export interface WidgetProperties {
  /** `replace` (default: the target's children are removed and the target becomes the widget), `after`, `before`, `append`. */
  readonly insertMode?: 'replace' | 'after' | 'before' | 'append';
  /** A number of pixels or a CSS length. Default 264 × 198, as OpenTok.js. */
  readonly width?: string | number;
  readonly height?: string | number;
  /** `cover` (default) or `contain`: the video's `object-fit`. */
  readonly fitMode?: 'cover' | 'contain';
  /** false: insert nothing; listen to `videoElementCreated` and place `event.element` yourself. Default true. */
  readonly insertDefaultUI?: boolean;
}

const INSERT_MODES = new Set(['replace', 'after', 'before', 'append']);
let nextId = 0;

/**
 * The widget's container (classes `OT_root` and `OT_publisher`/`OT_subscriber`) and its `<video>`: the target itself
 * for `replace`, a new `<div>` next to or inside it otherwise; without a target (or an ID not in the page), a new
 * `<div>` appended to the body. Returns null for `insertDefaultUI: false`.
 */
export function insertWidget(
  target: HTMLElement | string | null | undefined,
  properties: WidgetProperties,
  kind: 'publisher' | 'subscriber',
): HTMLElement | null {
  if (properties.insertDefaultUI === false) return null;
  const mode = properties.insertMode ?? 'replace';
  if (!INSERT_MODES.has(mode))
    throw new TypeError(`insertMode must be replace, after, before or append, not ${String(mode)}`);
  const found = typeof target === 'string' ? document.getElementById(target) : (target ?? null);
  let container: HTMLElement;
  if (found === null) {
    container = document.createElement('div');
    container.id = typeof target === 'string' && target !== '' ? target : `OT_${kind}_${++nextId}`;
    document.body.appendChild(container);
  } else if (mode === 'replace') {
    container = found;
    container.replaceChildren();
  } else {
    container = document.createElement('div');
    container.id = `OT_${kind}_${++nextId}`;
    if (mode === 'append') found.appendChild(container);
    else found.insertAdjacentElement(mode === 'before' ? 'beforebegin' : 'afterend', container);
  }
  container.classList.add('OT_root', `OT_${kind}`);
  container.style.width = cssLength(properties.width, 264);
  container.style.height = cssLength(properties.height, 198);
  container.style.overflow = 'hidden';
  return container;
}

/** A `<video>` that plays `stream` (muted: the page's own microphone, which it must not hear back). */
export function createVideo(
  stream: MediaStream | null,
  options: { muted: boolean; mirror: boolean; fitMode: 'cover' | 'contain' | undefined },
): HTMLVideoElement {
  const video = document.createElement('video');
  video.autoplay = true;
  video.playsInline = true;
  video.muted = options.muted;
  video.style.width = '100%';
  video.style.height = '100%';
  video.style.objectFit = options.fitMode ?? 'cover';
  if (options.mirror) video.style.transform = 'scaleX(-1)';
  if (stream !== null) video.srcObject = stream;
  return video;
}

function cssLength(value: string | number | undefined, fallback: number): string {
  if (value === undefined) return `${fallback}px`;
  return typeof value === 'number' ? `${value}px` : value;
}
