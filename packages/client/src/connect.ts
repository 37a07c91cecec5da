import {
  CONNECT_PATH,
  PROTOCOL_VERSION,
  checkOptionNames,
  invalidOption,
  isOpaqueId,
  wholeNumberOption,
} from '@stagepass/protocol';
import { admit } from './admit.js';
import { Session } from './session.js';
import { tokenFrom, type TokenSource } from './token-source.js';
import type { WebSocketConstructor } from './web-socket-like.js';

export type { TokenSource } from './token-source.js';

/** Options of {@link connect}. */
export interface ConnectOptions {
  /**
   * The gateway: `ws(s)://host:port` (or `http(s)://`, the same address), optionally with a path
   * prefix when a proxy mounts it; the SDK appends `/v1/connect?appId=…&sessionId=…` (a URL that
   * already ends in `/v1/connect` is taken as is).
   */
  readonly url: string;
  readonly appId: string;
  readonly sessionId: string;
  /**
   * The token, or a provider called for it. The token is sent in the first message, never in the URL.
   * After a drop the SDK resumes with its resume secret; when the gateway refuses that, it rejoins
   * with a fresh token from the provider (a string token is reused only until its expiry).
   */
  readonly token: TokenSource;
  /**
   * STUN/TURN servers for every RTCPeerConnection. Default: the gateway's, from `connected`/`resumed`
   * (`[]` when it has none: enough on one machine or one LAN, with fresh TURN credentials after each
   * reconnect). A list given here is used instead of the gateway's (`[]` too).
   */
  readonly iceServers?: readonly RTCIceServer[];
  /** The WebSocket constructor. Default `globalThis.WebSocket`; in Node 20 pass `ws`'s. */
  readonly WebSocket?: WebSocketConstructor;
  /** The RTCPeerConnection constructor. Default `globalThis.RTCPeerConnection`; needed to publish and subscribe. */
  readonly RTCPeerConnection?: new (configuration: RTCConfiguration) => RTCPeerConnection;
  /** The MediaStream constructor (for subscribers' remote tracks). Default `globalThis.MediaStream`. */
  readonly MediaStream?: new () => MediaStream;
  /** How long to wait for admission, ms. Default 15000 (the gateway itself allows 10 s for the token). */
  readonly timeoutMs?: number;
}

const OPTION_NAMES: ReadonlySet<string> = new Set([
  'url',
  'appId',
  'sessionId',
  'token',
  'iceServers',
  'WebSocket',
  'RTCPeerConnection',
  'MediaStream',
  'timeoutMs',
]);
const SCOPE = { scope: 'connect' };
const MAX_APP_ID_LENGTH = 256;
const MAX_SESSION_ID_LENGTH = 512;

/**
 * Joins a session: opens a WebSocket to the gateway, presents the token and resolves with the
 * {@link Session} once admitted. An admission refusal rejects with its `StagepassError` code
 * (`ERR_TOKEN_EXPIRED`, `ERR_SESSION_FULL`, …); an unreachable gateway with `ERR_NOT_CONNECTED`;
 * a bad option with `ERR_INVALID_OPTION` naming it.
 *
 * @example
 * ```ts
 * import { connect } from '@stagepass/client';
 * const session = await connect({ url: 'wss://video.example.com', appId, sessionId, token: () => fetchToken() });
 * session.on('streamCreated', async ({ stream, local }) => { if (!local) show(await session.subscribe(stream.id)); });
 * ```
 */
export async function connect(options: ConnectOptions): Promise<Session> {
  checkOptionNames(options, OPTION_NAMES, { ...SCOPE, what: 'url, appId, sessionId and token' });
  const base = gatewayUrl(options.url);
  if (!isOpaqueId(options.appId, MAX_APP_ID_LENGTH))
    throw invalidOption('appId', 'must be 1–256 printable ASCII characters without spaces', 'connect');
  if (!isOpaqueId(options.sessionId, MAX_SESSION_ID_LENGTH))
    throw invalidOption('sessionId', 'must be 1–512 printable ASCII characters without spaces', 'connect');
  const tokenSource = options.token;
  if (typeof tokenSource !== 'function' && (typeof tokenSource !== 'string' || tokenSource === '')) {
    throw invalidOption('token', 'must be a token string or a function returning one', 'connect');
  }
  const iceServers = options.iceServers;
  if (iceServers !== undefined && !Array.isArray(iceServers))
    throw invalidOption('iceServers', 'must be a list of RTCIceServer', 'connect');
  const WebSocketCtor = constructorOption(options.WebSocket, 'WebSocket', 'must be a WebSocket constructor');
  if (WebSocketCtor === undefined) {
    throw invalidOption(
      'WebSocket',
      "is needed: this runtime has no globalThis.WebSocket, pass connect({ WebSocket }) (in Node 20: `import { WebSocket } from 'ws'`)",
      'connect',
    );
  }
  const RTCPeerConnectionCtor = constructorOption(
    options.RTCPeerConnection,
    'RTCPeerConnection',
    'must be a constructor',
  );
  const MediaStreamCtor = constructorOption(options.MediaStream, 'MediaStream', 'must be a constructor');
  const timeoutMs = wholeNumberOption(options.timeoutMs, 'timeoutMs', 15_000, 1, 600_000, SCOPE);

  const token = await tokenFrom(tokenSource);
  const url = `${base}${CONNECT_PATH}?appId=${encodeURIComponent(options.appId)}&sessionId=${encodeURIComponent(options.sessionId)}`;
  const { socket, connected, early } = await admit(
    WebSocketCtor,
    url,
    { type: 'connect', v: PROTOCOL_VERSION, token },
    timeoutMs,
  );
  return new Session({
    socket,
    connected,
    early,
    url,
    token: tokenSource,
    WebSocket: WebSocketCtor,
    timeoutMs,
    iceServers,
    RTCPeerConnection: RTCPeerConnectionCtor,
    MediaStream: MediaStreamCtor,
  });
}

/** The gateway's base URL as ws(s)://host[:port][/prefix], without a trailing slash. */
function gatewayUrl(value: unknown): string {
  let url: URL;
  try {
    if (typeof value !== 'string') throw new TypeError('not a string');
    url = new URL(value);
  } catch {
    throw invalidOption('url', "must be the gateway's ws://, wss://, http:// or https:// URL", 'connect');
  }
  const scheme = { 'ws:': 'ws:', 'wss:': 'wss:', 'http:': 'ws:', 'https:': 'wss:' }[url.protocol];
  if (scheme === undefined)
    throw invalidOption('url', "must be the gateway's ws://, wss://, http:// or https:// URL", 'connect');
  if (url.search !== '' || url.hash !== '')
    throw invalidOption('url', 'must not have a query or fragment (appId and sessionId are options)', 'connect');
  // The connect path itself is accepted too (a URL copied from docs/protocol.md).
  const prefix = url.pathname.replace(/\/+$/, '').replace(/\/v1\/connect$/, '');
  return `${scheme}//${url.host}${prefix}`;
}

/** The option's constructor, else the global of that name (undefined when neither exists). */
function constructorOption<T>(
  value: T | undefined,
  name: 'WebSocket' | 'RTCPeerConnection' | 'MediaStream',
  rule: string,
): T | undefined {
  if (value !== undefined) {
    if (typeof value !== 'function') throw invalidOption(name, rule, 'connect');
    return value;
  }
  const global = (globalThis as Record<string, unknown>)[name];
  return typeof global === 'function' ? (global as T) : undefined;
}
