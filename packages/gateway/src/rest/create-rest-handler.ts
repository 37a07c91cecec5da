import type { IncomingMessage, ServerResponse } from 'node:http';
import { performance } from 'node:perf_hooks';
import type { Logger } from 'pino';
import {
  ERROR_CODES,
  StagepassError,
  invalidOption,
  isErrorCode,
  isOpaqueId,
  isStagepassError,
  wireLimits,
} from '@stagepass/protocol';
import type { AppRegistry, ReplayGuard } from '../registry/app-registry.js';
import type { SessionService, SessionSnapshot } from '../session/session-service.js';
import { createAppJwtAuthenticator } from './authenticate-app-jwt.js';
import {
  isEntityId,
  isSessionId,
  readCreateSessionBody,
  readMuteBody,
  readRevocationBody,
  readSignalBody,
  MAX_SESSION_ID_LENGTH,
  type JsonBody,
} from './parse-rest-body.js';
import { hasBody, readJsonBody } from './read-json-body.js';
import { HttpRefusal, matchRoute, type MatchedRoute, type RestRoute } from './rest-routes.js';

export interface RestHandlerOptions {
  readonly registry: AppRegistry;
  readonly sessions: SessionService;
  /** Remembers app JWT IDs (`jti`), so each app JWT is accepted once. */
  readonly replay: ReplayGuard;
  /** Logs method, route pattern, status and App ID per request; never a JWT, a body or a secret. */
  readonly logger?: Logger;
  /** The clock, in milliseconds. Default Date.now. */
  readonly now?: () => number;
  /** Largest request body, in bytes. Default 64 KiB. */
  readonly maxBodyBytes?: number;
  /** Seconds of clock skew forgiven on an app JWT's `iat` and `exp` (the gateway's clockTolerance), 0–300. Default 30. */
  readonly clockTolerance?: number;
}

/** A Node `http` request listener. */
export type RestHandler = (req: IncomingMessage, res: ServerResponse) => void;

/** Request bodies: 64 KiB by default (docs/protocol.md). */
export const DEFAULT_MAX_BODY_BYTES = 64 * 1024;
const MAX_MAX_BODY_BYTES = 16 * 1024 * 1024;

interface Answer {
  readonly status: number;
  readonly body?: unknown;
  readonly headers?: Readonly<Record<string, string>>;
}

function checkOptions(options: RestHandlerOptions): number {
  if (typeof options !== 'object' || options === null) throw invalidOption('options', 'must be an object');
  for (const name of ['registry', 'sessions', 'replay'] as const) {
    if (typeof options[name] !== 'object' || options[name] === null) throw invalidOption(name, 'is required');
  }
  if (options.now !== undefined && typeof options.now !== 'function')
    throw invalidOption('now', 'must be a function returning milliseconds');
  const max = options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
  if (!Number.isSafeInteger(max) || max < 1 || max > MAX_MAX_BODY_BYTES) {
    throw invalidOption('maxBodyBytes', `must be a whole number of bytes from 1 to ${MAX_MAX_BODY_BYTES}`);
  }
  return max;
}

function badParam(name: string, problem: string): never {
  throw new StagepassError('ERR_MESSAGE_INVALID', `The path's ${name} ${problem}.`);
}

/** The path's IDs, percent-decoded by the router, checked against the protocol's shapes. */
function pathIds(matched: MatchedRoute): { sessionId: string; connectionId: string; streamId: string } {
  const { sessionId, connectionId, streamId } = matched.params;
  if (sessionId !== undefined && !isSessionId(sessionId)) {
    badParam('sessionId', `must be 1–${MAX_SESSION_ID_LENGTH} printable ASCII characters without spaces`);
  }
  if (connectionId !== undefined && !isEntityId(connectionId)) badParam('connectionId', 'is not a connection ID');
  if (streamId !== undefined && !isEntityId(streamId)) badParam('streamId', 'is not a stream ID');
  return { sessionId: sessionId ?? '', connectionId: connectionId ?? '', streamId: streamId ?? '' };
}

function sessionLocation(appId: string, sessionId: string): string {
  return `/v1/apps/${encodeURIComponent(appId)}/sessions/${encodeURIComponent(sessionId)}`;
}

function sessionView(snapshot: SessionSnapshot): Record<string, unknown> {
  return {
    sessionId: snapshot.sessionId,
    createdAt: snapshot.createdAt,
    connections: snapshot.connections,
    streams: snapshot.streams,
    forceMute: snapshot.forceMute,
  };
}

/** POST /sessions. Idempotent: a session that exists is answered 200 with its own createdAt; 201 only for a new one. */
async function createSession(sessions: SessionService, appId: string, asked: string | undefined): Promise<Answer> {
  const existed = asked !== undefined && (await sessions.getSession(appId, asked)) !== undefined;
  const created = await sessions.createSession(appId, asked);
  return {
    status: existed ? 200 : 201,
    body: { sessionId: created.sessionId, createdAt: created.createdAt },
    headers: { location: sessionLocation(appId, created.sessionId) },
  };
}

const NO_CONTENT: Answer = { status: 204 };

/** The answer to a refused request: its HTTP status and `{"code","message"}`; anything unexpected is a bare 500. */
function refusal(err: unknown): Answer {
  if (err instanceof HttpRefusal) {
    return { status: err.status, body: { code: err.code, message: err.message }, headers: err.headers };
  }
  if (isStagepassError(err) && isErrorCode(err.code)) {
    const status = ERROR_CODES[err.code].httpStatus;
    const headers = status === 401 ? { 'www-authenticate': 'Bearer realm="stagepass"' } : undefined;
    return { status, body: { code: err.code, message: err.message }, ...(headers === undefined ? {} : { headers }) };
  }
  return { status: 500, body: { code: 'ERR_INTERNAL', message: 'Internal error; the gateway log has the details.' } };
}

/** Writes an answer (JSON, never cached). */
function send(req: IncomingMessage, res: ServerResponse, result: Answer): void {
  if (res.headersSent || res.destroyed) return;
  const headers: Record<string, string> = { 'cache-control': 'no-store', ...result.headers };
  // A body left unread (refused early, or too large) is not drained: the connection closes instead.
  if (hasBody(req) && !req.complete) headers.connection = 'close';
  if (result.body === undefined) {
    res.writeHead(result.status, headers).end();
    return;
  }
  const text = JSON.stringify(result.body);
  res
    .writeHead(result.status, {
      ...headers,
      'content-type': 'application/json; charset=utf-8',
      'content-length': String(Buffer.byteLength(text)),
      'x-content-type-options': 'nosniff',
    })
    .end(text);
}

/**
 * Creates the REST API for app backends (docs/protocol.md, "REST API for app backends") as a
 * plain Node request listener: the gateway routes every request under `/v1/apps/` to it.
 *
 * Each request: route (404 / 405 with `allow`), app JWT from `Authorization: Bearer` or
 * `X-OPENTOK-AUTH` verified with the app's active keys, its `iss` equal to the path's App ID and
 * its `jti` claimed once (401 `ERR_AUTH_INVALID` / `ERR_AUTH_EXPIRED` / `ERR_AUTH_REPLAYED`; an
 * unknown app is answered exactly like a bad signature), path IDs checked, then the JSON body
 * (415 without `content-type: application/json`, 413 past `maxBodyBytes`, 400 when invalid; unknown
 * members refused), then the session service. Anything not this app's is 404 `ERR_NOT_FOUND`.
 *
 * @example
 * ```ts
 * const rest = createRestHandler({ registry, sessions, replay: registry, logger });
 * http.createServer((req, res) => req.url?.startsWith('/v1/apps/') ? rest(req, res) : other(req, res));
 * ```
 */
export function createRestHandler(options: RestHandlerOptions): RestHandler {
  const maxBodyBytes = checkOptions(options);
  const { registry, sessions, replay, logger } = options;
  const now = options.now ?? Date.now;
  const authenticate = createAppJwtAuthenticator({ registry, replay, logger, clockTolerance: options.clockTolerance });

  /** The operation itself, once the caller is authenticated and the path and body are valid. */
  async function act(
    route: RestRoute,
    appId: string,
    ids: ReturnType<typeof pathIds>,
    body: JsonBody,
  ): Promise<Answer> {
    const { sessionId, connectionId, streamId } = ids;
    switch (route.operation) {
      case 'createSession':
        return createSession(sessions, appId, readCreateSessionBody(body).sessionId);
      case 'getSession': {
        const snapshot = await sessions.getSession(appId, sessionId);
        if (snapshot === undefined) throw new StagepassError('ERR_NOT_FOUND', 'No session with that ID in this app.');
        return { status: 200, body: sessionView(snapshot) };
      }
      case 'forceDisconnect':
        await sessions.forceDisconnect(appId, sessionId, connectionId);
        return NO_CONTENT;
      case 'forceUnpublish':
        await sessions.forceUnpublish(appId, sessionId, streamId);
        return NO_CONTENT;
      case 'forceMuteStream':
        await sessions.forceMuteStream(appId, sessionId, streamId);
        return NO_CONTENT;
      case 'muteSession': {
        const mute = readMuteBody(body);
        if (mute.active) await sessions.forceMuteAll(appId, sessionId, mute.excludedStreamIds);
        else await sessions.disableForceMute(appId, sessionId);
        return NO_CONTENT;
      }
      case 'signalSession':
      case 'signalConnection': {
        const { signalType, data } = readSignalBody(body);
        const to = route.operation === 'signalConnection' ? connectionId : undefined;
        await sessions.signal(appId, sessionId, {
          data,
          ...(signalType === undefined ? {} : { signalType }),
          ...(to === undefined ? {} : { to }),
        });
        return NO_CONTENT;
      }
      case 'revoke': {
        const revocation = readRevocationBody(body);
        try {
          registry.revoke(appId, revocation);
        } catch (err) {
          // The registry checks the revocation too (e.g. issuedBefore in the future): a bad body, here.
          if (isStagepassError(err) && err.code === 'ERR_INVALID_OPTION') {
            throw new StagepassError('ERR_MESSAGE_INVALID', err.message.replace(/^revocation\./, ''));
          }
          throw err;
        }
        // The revocation travels as data: the session side finds the live connections it reaches.
        const closed = await sessions.disconnectRevoked(appId, revocation);
        if (closed > 0) logger?.info({ appId, closed }, 'revoked connections closed');
        return NO_CONTENT;
      }
    }
  }

  async function answer(req: IncomingMessage, matched: MatchedRoute): Promise<Answer> {
    const { route, appId } = matched;
    await authenticate(req, appId, now());
    const ids = pathIds(matched);
    let body: JsonBody = {};
    if (route.body) body = await readJsonBody(req, maxBodyBytes);
    else if (hasBody(req))
      throw new StagepassError('ERR_MESSAGE_INVALID', `${route.method} ${route.pattern} takes no body.`);
    return act(route, appId, ids, body);
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const started = performance.now();
    let route: RestRoute | undefined;
    let appId: string | undefined;
    let result: Answer;
    try {
      const matched = matchRoute(req.method, req.url);
      route = matched.route;
      appId = matched.appId;
      result = await answer(req, matched);
    } catch (err) {
      result = refusal(err);
      if (result.status >= 500)
        logger?.error({ err, method: req.method, route: route?.pattern }, 'rest request failed');
    }
    send(req, res, result);
    logger?.info(
      {
        method: req.method,
        route: route?.pattern ?? null,
        status: result.status,
        // Only an App ID of the right shape is logged: the path is the caller's.
        appId: isOpaqueId(appId, wireLimits.MAX_APP_ID_LENGTH) ? appId : null,
        code: (result.body as { code?: unknown } | undefined)?.code ?? null,
        ms: Math.round((performance.now() - started) * 10) / 10,
      },
      'rest request',
    );
  }

  return (req, res) => {
    handle(req, res).catch((err: unknown) => {
      logger?.error({ err }, 'rest handler failed');
      if (!res.headersSent && !res.destroyed) res.writeHead(500).end();
    });
  };
}
