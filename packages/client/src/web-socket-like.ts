// Method-style signatures are checked bivariantly, so both the DOM's WebSocket and `ws`'s (whose
// event objects are richer) fit these listeners without a cast.
type Listener<E> = { bivarianceHack(event: E): void }['bivarianceHack'];

/** What the SDK reads from a WebSocket message event. */
export interface SocketMessageEvent {
  readonly data: unknown;
}
/** What the SDK reads from a WebSocket close event. */
export interface SocketCloseEvent {
  readonly code: number;
  readonly reason: string;
}

/**
 * The part of the WebSocket API the SDK uses. The browser's `WebSocket` and the `ws` package's
 * both fit; nothing of either is part of this package's types.
 */
export interface WebSocketLike {
  readonly readyState: number;
  onopen: Listener<unknown> | null;
  onmessage: Listener<SocketMessageEvent> | null;
  onclose: Listener<SocketCloseEvent> | null;
  onerror: Listener<unknown> | null;
  send(data: string): void;
  close(code?: number, reason?: string): void;
}

/**
 * A WebSocket constructor: `globalThis.WebSocket` in browsers (the default), `WebSocket` from `ws`
 * in Node 20.
 *
 * @example
 * ```ts
 * import { WebSocket } from 'ws';
 * await connect({ url, appId, sessionId, token, WebSocket });
 * ```
 */
export type WebSocketConstructor = new (url: string) => WebSocketLike;

/** `readyState` of an open socket (the same in every implementation). */
export const SOCKET_OPEN = 1;
