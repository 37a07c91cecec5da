/**
 * A WebSocket client for gateway tests: the `ws` client used as a plain socket. Tests write the JSON
 * themselves; this only queues what arrives and waits for it.
 */
import { WebSocket, type ClientOptions } from 'ws';
import type { ServerMessage } from '@stagepass/protocol';

/** Default wait for something the gateway should do at once. */
export const WAIT_MS = 2000;

export interface CloseInfo {
  readonly code: number;
  readonly reason: string;
}

type Of<T extends ServerMessage['type']> = Extract<ServerMessage, { type: T }>;

interface Waiter {
  readonly match: (message: ServerMessage) => boolean;
  readonly resolve: (message: ServerMessage) => void;
}

export class TestClient {
  readonly ws: WebSocket;
  /** Received and not yet taken by next(). */
  readonly inbox: ServerMessage[] = [];
  /** Everything received, in order. */
  readonly received: ServerMessage[] = [];
  /** Resolves when the socket closes, with the close code and reason the client saw. */
  readonly closed: Promise<CloseInfo>;
  /** Resolves when the upgrade succeeded; rejects with the HTTP status when it was refused. */
  readonly opened: Promise<void>;
  closeInfo: CloseInfo | undefined;
  private readonly waiters: Waiter[] = [];
  private nextId = 1;

  constructor(url: string, options: ClientOptions = {}) {
    this.ws = new WebSocket(url, options);
    this.opened = new Promise((resolve, reject) => {
      this.ws.once('open', () => resolve());
      this.ws.once('unexpected-response', (_req, res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          body += chunk;
        });
        res.on('end', () =>
          reject(Object.assign(new Error(`HTTP ${res.statusCode}`), { status: res.statusCode, body })),
        );
        res.on('error', () =>
          reject(Object.assign(new Error(`HTTP ${res.statusCode}`), { status: res.statusCode, body })),
        );
      });
      this.ws.once('error', reject);
    });
    this.opened.catch(() => {});
    this.closed = new Promise((resolve) => {
      this.ws.on('close', (code, reason) => {
        this.closeInfo = { code, reason: reason.toString() };
        resolve(this.closeInfo);
      });
    });
    this.ws.on('error', () => {});
    this.ws.on('message', (data, isBinary) => {
      if (isBinary) throw new Error('the gateway sent a binary frame');
      const message = JSON.parse(data.toString()) as ServerMessage;
      this.received.push(message);
      const waiter = this.waiters.findIndex((w) => w.match(message));
      if (waiter >= 0) this.waiters.splice(waiter, 1)[0]!.resolve(message);
      else this.inbox.push(message);
    });
  }

  /** Sends a JSON value as one text frame, exactly as given. */
  send(message: unknown): void {
    this.ws.send(JSON.stringify(message));
  }

  /** Sends raw text as one text frame. */
  sendText(text: string): void {
    this.ws.send(text);
  }

  /** The next message of this type (and matching `where`), waiting for it if need be. */
  next<T extends ServerMessage['type']>(
    type: T,
    where: (message: Of<T>) => boolean = () => true,
    timeoutMs = WAIT_MS,
  ): Promise<Of<T>> {
    return this.nextMatching((m) => m.type === type && where(m as Of<T>), type, timeoutMs) as Promise<Of<T>>;
  }

  /** The next message `match` accepts, taken from the inbox or waited for. */
  nextMatching(match: (message: ServerMessage) => boolean, label: string, timeoutMs = WAIT_MS): Promise<ServerMessage> {
    const queued = this.inbox.findIndex(match);
    if (queued >= 0) return Promise.resolve(this.inbox.splice(queued, 1)[0]!);
    return new Promise((resolve, reject) => {
      const waiter: Waiter = {
        match,
        resolve: (m) => {
          clearTimeout(timer);
          resolve(m);
        },
      };
      const timer = setTimeout(() => {
        this.waiters.splice(this.waiters.indexOf(waiter), 1);
        reject(
          new Error(
            `no ${label} message within ${timeoutMs} ms; inbox: ${JSON.stringify(this.inbox.map((m) => m.type))}`,
          ),
        );
      }, timeoutMs);
      this.waiters.push(waiter);
    });
  }

  /** Sends a request with a fresh id and resolves with its reply: the `ack` or the `error`. */
  async request(message: Record<string, unknown>, timeoutMs = WAIT_MS): Promise<Of<'ack'> | Of<'error'>> {
    const id = this.nextId++;
    this.send({ ...message, id });
    const reply = await this.nextMatching(
      (m) => (m.type === 'ack' || m.type === 'error') && m.id === id,
      `reply to ${String(message.type)}`,
      timeoutMs,
    );
    return reply as Of<'ack'> | Of<'error'>;
  }

  /** Waits for the close, failing the test after `timeoutMs`. */
  async closedWithin(timeoutMs = WAIT_MS): Promise<CloseInfo> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`the socket did not close within ${timeoutMs} ms`)), timeoutMs);
    });
    try {
      return await Promise.race([this.closed, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  /** Resolves after `ms` if nothing of this type arrived meanwhile; rejects if one did. */
  async nothing(type: ServerMessage['type'], ms = 100): Promise<void> {
    const got = await this.next(type, () => true, ms).catch(() => undefined);
    if (got !== undefined) throw new Error(`unexpected ${type}: ${JSON.stringify(got)}`);
  }

  close(code?: number): void {
    this.ws.close(code);
  }
}
