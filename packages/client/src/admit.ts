import { PROTOCOL_VERSION, StagepassError, type ConnectedMessage } from '@stagepass/protocol';
import { admissionError } from './close-reason.js';
import { notConnected } from './not-connected.js';
import type { WebSocketConstructor, WebSocketLike } from './web-socket-like.js';

/** An admitted socket, with the gateway's `connected` message. */
export interface Admission {
  readonly socket: WebSocketLike;
  readonly connected: ConnectedMessage;
}

/**
 * Opens a socket, sends `connect` with the token and waits for `connected` (docs/protocol.md,
 * "Connecting"). A close before it rejects with the refusal its close carries (the reason is the
 * error code); no answer within `timeoutMs` closes the socket and rejects ERR_NOT_CONNECTED.
 * Kept apart from the session so that a resume can admit again on a fresh socket.
 */
export function admit(
  WebSocketCtor: WebSocketConstructor,
  url: string,
  token: string,
  timeoutMs: number,
): Promise<Admission> {
  return new Promise((resolve, reject) => {
    let socket: WebSocketLike;
    try {
      socket = new WebSocketCtor(url);
    } catch (err) {
      reject(notConnected('The WebSocket could not be opened: check the URL.', undefined, err));
      return;
    }
    let done = false;
    const finish = (outcome: () => void) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      outcome();
    };
    const timer = setTimeout(
      () =>
        finish(() => {
          socket.onopen = socket.onmessage = socket.onclose = null;
          socket.close(1000);
          reject(notConnected(`The gateway did not admit the connection within ${timeoutMs} ms.`));
        }),
      timeoutMs,
    );
    socket.onopen = () => socket.send(JSON.stringify({ type: 'connect', v: PROTOCOL_VERSION, token }));
    socket.onerror = () => {};
    socket.onclose = (event) => finish(() => reject(admissionError(event.code, event.reason)));
    socket.onmessage = (event) => {
      if (typeof event.data !== 'string') return;
      let message: unknown;
      try {
        message = JSON.parse(event.data);
      } catch {
        return;
      }
      if (!isConnected(message)) return;
      finish(() => {
        socket.onopen = socket.onmessage = socket.onclose = null;
        if (message.v !== PROTOCOL_VERSION) {
          socket.close(1000);
          reject(
            new StagepassError(
              'ERR_PROTOCOL_VERSION',
              `The gateway speaks protocol version ${message.v}, this SDK ${PROTOCOL_VERSION}.`,
            ),
          );
          return;
        }
        resolve({ socket, connected: message });
      });
    };
  });
}

function isConnected(message: unknown): message is ConnectedMessage {
  return typeof message === 'object' && message !== null && (message as { type?: unknown }).type === 'connected';
}
