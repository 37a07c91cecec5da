import {
  PROTOCOL_VERSION,
  StagepassError,
  type ConnectMessage,
  type ConnectedMessage,
  type ResumeMessage,
  type ResumedMessage,
} from '@stagepass/protocol';
import { admissionError } from './close-reason.js';
import { notConnected } from './not-connected.js';
import type { WebSocketConstructor, WebSocketLike } from './web-socket-like.js';

/** An admitted socket, with the gateway's `connected` (for a `connect`) or `resumed` (for a `resume`). */
export interface Admission {
  readonly socket: WebSocketLike;
  readonly connected: ConnectedMessage | ResumedMessage;
  /** Messages that arrived after the answer, before the session took the socket over (handled first). */
  readonly early: readonly string[];
}

/**
 * Opens a socket, sends the first message — `connect` with the token, or `resume` with the resume
 * secret — and waits for its answer, `connected` or `resumed` (docs/protocol.md, "Connecting" and
 * "Resume"). A close before it rejects with the refusal its close carries (the reason is the error
 * code, e.g. ERR_RESUME_REFUSED); no answer within `timeoutMs` closes the socket and rejects
 * ERR_NOT_CONNECTED. Kept apart from the session so that a resume or a rejoin admits on a fresh socket.
 */
export function admit(
  WebSocketCtor: WebSocketConstructor,
  url: string,
  hello: ConnectMessage | ResumeMessage,
  timeoutMs: number,
): Promise<Admission> {
  const answer = hello.type === 'connect' ? 'connected' : 'resumed';
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
    socket.onopen = () => socket.send(JSON.stringify(hello));
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
      if (!isAnswer(message, answer)) return;
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
        // Messages right behind the answer (in Node, ws may deliver several in one turn) wait for the session.
        const early: string[] = [];
        socket.onmessage = (event) => {
          if (typeof event.data === 'string') early.push(event.data);
        };
        resolve({ socket, connected: message, early });
      });
    };
  });
}

function isAnswer(message: unknown, type: 'connected' | 'resumed'): message is ConnectedMessage | ResumedMessage {
  return typeof message === 'object' && message !== null && (message as { type?: unknown }).type === type;
}
