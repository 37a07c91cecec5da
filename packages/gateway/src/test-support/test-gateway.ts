/**
 * Starts a real gateway on port 0 with a real (in-memory SQLite) registry, and opens raw WebSocket
 * clients against it. Tokens are minted with @stagepass/token for apps created in the registry.
 */
import { PROTOCOL_VERSION, type ConnectedMessage, type Role } from '@stagepass/protocol';
import { createToken, type MinterOptions, type MintOptions } from '@stagepass/token';
import type { ClientOptions } from 'ws';
import { createGateway, type Gateway, type GatewayOptions } from '../gateway.js';
import type { AppSettings } from '../registry/app-record.js';
import { createSqliteAppRegistry, type SqliteAppRegistry } from '../registry/sqlite-app-registry.js';
import { TestClient, WAIT_MS, type CloseInfo } from './test-client.js';

export interface TestApp {
  readonly appId: string;
  readonly secret: string;
}

export interface StartOptions extends Partial<Omit<GatewayOptions, 'registry'>> {
  /** Settings of the default app. */
  readonly appSettings?: Partial<AppSettings>;
}

export interface TokenOptions extends Partial<MintOptions>, Partial<Pick<MinterOptions, 'format'>> {
  readonly app?: TestApp;
}

export interface JoinOptions extends TokenOptions {
  readonly role?: Role;
  /** Presented instead of a freshly minted token. */
  readonly token?: string;
  /** The App ID put in the URL (default: the token's app). */
  readonly urlAppId?: string;
  readonly client?: ClientOptions;
}

export interface Joined {
  readonly client: TestClient;
  /** The connection ID the gateway gave it. */
  readonly id: string;
  readonly connected: ConnectedMessage;
}

export interface HttpAnswer {
  readonly status: number;
  readonly text: string;
  readonly headers: Headers;
  json(): Record<string, unknown>;
}

let sessionCounter = 0;
/** A session ID no other test uses. */
export function newSessionId(prefix = 's'): string {
  sessionCounter++;
  return `${prefix}-${process.pid}-${sessionCounter}`;
}

/**
 * Raw protocol clients and HTTP calls against a gateway at `base` (`http://host:port`), for the app `app`: what
 * a test needs of a gateway it did not start itself, e.g. a `stagepass serve` child process.
 */
export class GatewayClients {
  readonly clients = new Set<TestClient>();

  constructor(
    readonly app: TestApp,
    public base = '',
  ) {}

  token(options: TokenOptions = {}): string {
    const app = options.app ?? this.app;
    const { app: _app, ...mint } = options;
    return createToken({
      appId: app.appId,
      secret: app.secret,
      sessionId: options.sessionId ?? newSessionId(),
      ...mint,
    });
  }

  url(sessionId: string, appId: string = this.app.appId): string {
    return `${this.base.replace('http', 'ws')}/v1/connect?appId=${encodeURIComponent(appId)}&sessionId=${encodeURIComponent(sessionId)}`;
  }

  /** Opens a socket to a raw URL path (with its query). */
  openPath(pathAndQuery: string, options: ClientOptions = {}): TestClient {
    const client = new TestClient(`${this.base.replace('http', 'ws')}${pathAndQuery}`, options);
    this.clients.add(client);
    return client;
  }

  /** Opens a socket for a session; nothing is sent. */
  open(sessionId: string, appId: string = this.app.appId, options: ClientOptions = {}): TestClient {
    return this.openPath(this.url(sessionId, appId).slice(this.base.length - 2), options);
  }

  /** Opens a socket and sends `connect` with the token (minted unless given). */
  async connect(sessionId: string, options: JoinOptions = {}): Promise<TestClient> {
    const app = options.app ?? this.app;
    const client = this.open(sessionId, options.urlAppId ?? app.appId, options.client);
    await client.opened;
    const { token, urlAppId: _u, client: _c, ...mint } = options;
    client.send({
      type: 'connect',
      v: PROTOCOL_VERSION,
      token: token ?? this.token({ ...mint, sessionId: options.sessionId ?? sessionId }),
    });
    return client;
  }

  /** Connects and waits for `connected`. */
  async join(sessionId: string, options: JoinOptions = {}): Promise<Joined> {
    const client = await this.connect(sessionId, options);
    const connected = await Promise.race([
      client.next('connected'),
      client.closed.then((info) => {
        throw new Error(`refused: ${info.code} ${info.reason}`);
      }),
    ]);
    return { client, id: connected.connection.id, connected };
  }

  /** Connects and resolves with the close the gateway answered with. */
  async refusal(sessionId: string, options: JoinOptions = {}): Promise<CloseInfo> {
    const client = await this.connect(sessionId, options);
    const info = await client.closedWithin(WAIT_MS);
    const connected = client.received.find((m) => m.type === 'connected');
    if (connected !== undefined) throw new Error('admitted, expected a refusal');
    return info;
  }

  async http(path: string, init: RequestInit = {}): Promise<HttpAnswer> {
    const res = await fetch(`${this.base}${path}`, init);
    const text = await res.text();
    return { status: res.status, text, headers: res.headers, json: () => JSON.parse(text) as Record<string, unknown> };
  }

  /** A metric's value from /metrics, by name and label text (e.g. `result="ok"`); 0 when absent. */
  async metric(name: string, labels = ''): Promise<number> {
    return valueIn((await this.http('/metrics')).text, name, labels);
  }
}

/** A real gateway this process started (port 0, in-memory SQLite registry), with its clients. */
export class TestGateway extends GatewayClients {
  constructor(
    readonly gateway: Gateway,
    readonly registry: SqliteAppRegistry,
    app: TestApp,
  ) {
    super(app);
  }

  static async start(options: StartOptions = {}): Promise<TestGateway> {
    const registry = createSqliteAppRegistry({ path: ':memory:' });
    const { appSettings, ...gatewayOptions } = options;
    const created = registry.createApp({ name: 'test app', settings: appSettings });
    // Tests read a metric right after what moved it: no /metrics cache unless a test asks for one.
    const gateway = createGateway({ registry, port: 0, metricsCacheMs: 0, ...gatewayOptions });
    const started = new TestGateway(gateway, registry, { appId: created.app.appId, secret: created.secret });
    const { host, port } = await gateway.listen();
    started.base = `http://${host}:${port}`;
    return started;
  }

  /** Creates another app in the registry. */
  createApp(settings: Partial<AppSettings> = {}): TestApp {
    const { app, secret } = this.registry.createApp({ name: 'other app', settings });
    return { appId: app.appId, secret };
  }

  /** {@link metric} read from the registry itself: no connection, so nothing counted under maxSocketsPerIp. */
  async registryMetric(name: string, labels = ''): Promise<number> {
    return valueIn(await this.gateway.metrics.metrics(), name, labels);
  }

  async stop(): Promise<void> {
    for (const client of this.clients) client.ws.terminate();
    await this.gateway.close({ drainMs: 200 });
    this.registry.close();
  }
}

/** A metric's value in Prometheus text; 0 when absent. */
function valueIn(text: string, name: string, labels: string): number {
  const prefix = labels === '' ? `${name} ` : `${name}{${labels}} `;
  const line = text.split('\n').find((l) => l.startsWith(prefix));
  return line === undefined ? 0 : Number(line.slice(prefix.length));
}
