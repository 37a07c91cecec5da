import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import { StagepassError, isStagepassError, type MediaMode } from '@stagepass/protocol';
import type { AppRegistry, ReplayGuard } from '../registry/app-registry.js';
import type { SessionService, SessionSnapshot } from '../session/session-service.js';
import { mediaModeOf, newSessionId } from '../session/media-mode.js';
import { createAppJwtAuthenticator } from './authenticate-app-jwt.js';
import {
  readCreateSessionBody,
  readMuteBody,
  readRevocationBody,
  readSignalBody,
  type JsonBody,
} from './parse-rest-body.js';
import { hasBody, readJsonBody } from './read-json-body.js';
import type { Answer } from './rest-answer.js';
import { checkRestOptions, pathIds, serveRestRequests, type PathIds } from './rest-edge.js';
import { matchRoute, type MatchedRoute, type RestRoute } from './rest-routes.js';

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

function sessionLocation(appId: string, sessionId: string): string {
  return `/v1/apps/${encodeURIComponent(appId)}/sessions/${encodeURIComponent(sessionId)}`;
}

function sessionView(snapshot: SessionSnapshot): Record<string, unknown> {
  return {
    sessionId: snapshot.sessionId,
    createdAt: snapshot.createdAt,
    mediaMode: snapshot.mediaMode,
    connections: snapshot.connections,
    streams: snapshot.streams,
    forceMute: snapshot.forceMute,
  };
}

/**
 * The session ID a POST /sessions names or makes. A session's media mode lives in its ID
 * (`mediaModeOf`): the ID is made here (OpenTok's shape where the App ID allows it), and a given ID must
 * already be of the mode asked.
 */
function sessionIdFor(appId: string, asked: string | undefined, mode: MediaMode | undefined): string | undefined {
  if (asked !== undefined) {
    if (mode !== undefined && mediaModeOf(asked) !== mode) {
      throw new StagepassError(
        'ERR_MESSAGE_INVALID',
        `sessionId names a ${mediaModeOf(asked)} session, not a ${mode} one: a routed session's ID is made by the gateway (leave sessionId out) or by createSessionId({ appId, mediaMode: 'routed' }).`,
      );
    }
    return asked;
  }
  if (mode !== 'routed') return newSessionId(appId, 'relayed');
  try {
    return newSessionId(appId, 'routed');
  } catch {
    throw new StagepassError(
      'ERR_MESSAGE_INVALID',
      'This App ID cannot be held in a routed session ID (it contains "~" or is too long): use another app for routed sessions.',
    );
  }
}

/**
 * POST /sessions. Idempotent: a session that exists is answered 200 with its own createdAt; 201 only for a new one.
 * Without `sessionId` and `mediaMode`, the new session takes the app's `mediaMode` setting (default relayed).
 */
async function createSession(
  sessions: SessionService,
  appDefault: MediaMode,
  appId: string,
  body: { readonly sessionId: string | undefined; readonly mediaMode: MediaMode | undefined },
): Promise<Answer> {
  const asked = body.sessionId;
  const mode = body.mediaMode ?? (asked === undefined ? appDefault : undefined);
  const existed = asked !== undefined && (await sessions.getSession(appId, asked)) !== undefined;
  const created = await sessions.createSession(appId, sessionIdFor(appId, asked, mode));
  return {
    status: existed ? 200 : 201,
    body: { sessionId: created.sessionId, createdAt: created.createdAt, mediaMode: created.mediaMode },
    headers: { location: sessionLocation(appId, created.sessionId) },
  };
}

const NO_CONTENT: Answer = { status: 204 };

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
  const maxBodyBytes = checkRestOptions(options);
  const { registry, sessions, replay, logger } = options;
  const now = options.now ?? Date.now;
  const authenticate = createAppJwtAuthenticator({ registry, replay, logger, clockTolerance: options.clockTolerance });

  /** The operation itself, once the caller is authenticated and the path and body are valid. */
  async function act(route: RestRoute, appId: string, ids: PathIds, body: JsonBody): Promise<Answer> {
    const { sessionId, connectionId, streamId } = ids;
    switch (route.operation) {
      case 'createSession':
        return createSession(
          sessions,
          registry.getApp(appId)?.settings.mediaMode ?? 'relayed',
          appId,
          readCreateSessionBody(body),
        );
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
          await registry.revoke(appId, revocation);
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
    const ids = pathIds(matched.params);
    let body: JsonBody = {};
    if (route.body) body = await readJsonBody(req, maxBodyBytes);
    else if (hasBody(req))
      throw new StagepassError('ERR_MESSAGE_INVALID', `${route.method} ${route.pattern} takes no body.`);
    return act(route, appId, ids, body);
  }

  return serveRestRequests('rest request', logger, (req, notes) => {
    const matched = matchRoute(req.method, req.url);
    notes.route = matched.route.pattern;
    notes.appId = matched.appId;
    return answer(req, matched);
  });
}
