/**
 * The real gateway on port 0 (in-memory SQLite registry, one app), SDK sessions joined to it with
 * `ws` as their WebSocket, and raw protocol clients for what the SDK cannot do without media.
 */
import {
  createGateway,
  createSqliteAppRegistry,
  type Gateway,
  type GatewayOptions,
  type AppSettings,
} from '@stagepass/gateway';
import { PROTOCOL_VERSION, type Role, type ServerMessage } from '@stagepass/protocol';
import { createToken, type MintOptions } from '@stagepass/token';
import { WebSocket } from 'ws';
import { connect, type ConnectOptions, type Session, type SessionEvents } from '../index.js';

export const WAIT_MS = 2000;

export interface HarnessOptions extends Partial<Omit<GatewayOptions, 'registry'>> {
  readonly appSettings?: Partial<AppSettings>;
}

let counter = 0;
/** A session ID no other test uses. */
export function newSessionId(): string {
  counter++;
  return `client-${process.pid}-${counter}`;
}

export class Harness {
  readonly sessions = new Set<Session>();
  readonly raws = new Set<RawClient>();

  private constructor(
    readonly gateway: Gateway,
    private readonly registry: ReturnType<typeof createSqliteAppRegistry>,
    readonly appId: string,
    readonly secret: string,
    readonly url: string,
  ) {}

  static async start(options: HarnessOptions = {}): Promise<Harness> {
    const registry = createSqliteAppRegistry({ path: ':memory:' });
    const { appSettings, ...gatewayOptions } = options;
    const { app, secret } = registry.createApp({ name: 'client tests', settings: appSettings });
    const gateway = createGateway({ registry, port: 0, metricsCacheMs: 0, ...gatewayOptions }); // metric() reads fresh counts
    const { host, port } = await gateway.listen();
    return new Harness(gateway, registry, app.appId, secret, `ws://${host}:${port}`);
  }

  token(sessionId: string, mint: Partial<MintOptions> = {}): string {
    return createToken({ appId: this.appId, secret: this.secret, sessionId, ...mint });
  }

  /** The options of an SDK connect to this gateway (with `ws`). */
  options(sessionId: string, role: Role = 'publisher', mint: Partial<MintOptions> = {}): ConnectOptions {
    return { url: this.url, appId: this.appId, sessionId, token: this.token(sessionId, { role, ...mint }), WebSocket };
  }

  /** Joins through the SDK. */
  async join(
    sessionId: string,
    role: Role = 'publisher',
    mint: Partial<MintOptions> = {},
    extra: Partial<ConnectOptions> = {},
  ): Promise<Session> {
    const session = await connect({ ...this.options(sessionId, role, mint), ...extra });
    this.sessions.add(session);
    return session;
  }

  /** Joins with a raw protocol client. */
  async raw(sessionId: string, role: Role = 'publisher', mint: Partial<MintOptions> = {}): Promise<RawClient> {
    const client = new RawClient(
      `${this.url}/v1/connect?appId=${encodeURIComponent(this.appId)}&sessionId=${encodeURIComponent(sessionId)}`,
    );
    this.raws.add(client);
    await client.opened;
    client.send({ type: 'connect', v: PROTOCOL_VERSION, token: this.token(sessionId, { role, ...mint }) });
    const connected = await client.next('connected');
    client.id = connected.connection.id;
    return client;
  }

  /** A counter's value from /metrics (0 when absent). */
  async metric(name: string, labels = ''): Promise<number> {
    const text = await (await fetch(`${this.url.replace('ws', 'http')}/metrics`)).text();
    const prefix = labels === '' ? `${name} ` : `${name}{${labels}} `;
    const line = text.split('\n').find((l) => l.startsWith(prefix));
    return line === undefined ? 0 : Number(line.slice(prefix.length));
  }

  /** Stops the gateway while the sessions are still in (they get its 1012), then the registry. */
  async shutdown(): Promise<void> {
    for (const raw of this.raws) raw.ws.terminate();
    await this.gateway.close({ drainMs: 100 });
    this.registry.close();
  }

  async stop(): Promise<void> {
    for (const raw of this.raws) raw.ws.terminate();
    await Promise.all([...this.sessions].map((s) => s.disconnect()));
    await this.gateway.close({ drainMs: 100 });
    this.registry.close();
  }
}

type Of<T extends ServerMessage['type']> = Extract<ServerMessage, { type: T }>;

/** A plain `ws` client speaking the protocol by hand. */
export class RawClient {
  readonly ws: WebSocket;
  readonly opened: Promise<void>;
  readonly inbox: ServerMessage[] = [];
  id = '';
  #nextId = 1;
  readonly #waiters: { match: (m: ServerMessage) => boolean; resolve: (m: ServerMessage) => void }[] = [];

  constructor(url: string) {
    this.ws = new WebSocket(url);
    this.opened = new Promise((resolve, reject) => {
      this.ws.once('open', () => resolve());
      this.ws.once('error', reject);
    });
    this.ws.on('message', (data) => {
      const message = JSON.parse(String(data)) as ServerMessage;
      const i = this.#waiters.findIndex((w) => w.match(message));
      if (i >= 0) this.#waiters.splice(i, 1)[0]!.resolve(message);
      else this.inbox.push(message);
    });
  }

  send(message: unknown): void {
    this.ws.send(JSON.stringify(message));
  }

  next<T extends ServerMessage['type']>(type: T, where: (m: Of<T>) => boolean = () => true): Promise<Of<T>> {
    return this.#nextMatch((m) => m.type === type && where(m as Of<T>), type) as Promise<Of<T>>;
  }

  #nextMatch(match: (m: ServerMessage) => boolean, label: string): Promise<ServerMessage> {
    const queued = this.inbox.findIndex(match);
    if (queued >= 0) return Promise.resolve(this.inbox.splice(queued, 1)[0]!);
    return new Promise((resolve, reject) => {
      const waiter = {
        match,
        resolve: (m: ServerMessage) => {
          clearTimeout(timer);
          resolve(m);
        },
      };
      const timer = setTimeout(() => {
        this.#waiters.splice(this.#waiters.indexOf(waiter), 1);
        reject(new Error(`no ${label} within ${WAIT_MS} ms`));
      }, WAIT_MS);
      this.#waiters.push(waiter);
    });
  }

  /** Sends a request with an id; resolves with the ack's result, rejects with an Error whose message is the code. */
  async request(message: Record<string, unknown>): Promise<Record<string, unknown>> {
    const id = this.#nextId++;
    this.send({ ...message, id });
    const reply = await this.#nextMatch(
      (m) => (m.type === 'ack' || m.type === 'error') && m.id === id,
      `reply to ${String(message.type)}`,
    );
    if (reply.type === 'error') throw new Error(reply.code);
    return (reply as Of<'ack'>).result as Record<string, unknown>;
  }

  /** Publishes a stream without media (the gateway never sees media in relayed mode). */
  async publish(name = 'raw', hasAudio = true, hasVideo = true): Promise<string> {
    const result = await this.request({ type: 'publish', name, hasAudio, hasVideo });
    return result.streamId as string;
  }
}

/** The next `type` event of a session, or a failure after `ms`. */
export function nextEvent<K extends keyof SessionEvents>(
  session: Session,
  type: K,
  ms = WAIT_MS,
): Promise<SessionEvents[K]> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      session.off(type, handler);
      reject(new Error(`no ${String(type)} event within ${ms} ms`));
    }, ms);
    const handler = (event: SessionEvents[K]) => {
      clearTimeout(timer);
      session.off(type, handler);
      resolve(event);
    };
    session.on(type, handler);
  });
}

/** The rejection of `promise` (fails when it resolves). */
export async function rejection(
  promise: Promise<unknown>,
): Promise<{ code: string; message: string; details: Record<string, unknown> }> {
  try {
    await promise;
  } catch (err) {
    return err as { code: string; message: string; details: Record<string, unknown> };
  }
  throw new Error('expected a rejection');
}
