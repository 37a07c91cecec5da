import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import { StagepassError, type StreamInfo } from '@stagepass/protocol';
import { createSessionId } from '@stagepass/token';
import type { AppRegistry, ReplayGuard } from '../../registry/app-registry.js';
import type { SessionService, SessionSnapshot } from '../../session/session-service.js';
import { checkRestOptions, pathIds, serveRestRequests, type PathIds } from '../rest-edge.js';
import { readSignalBody, type JsonBody } from '../parse-rest-body.js';
import { hasBody, readJsonBody } from '../read-json-body.js';
import type { Answer } from '../rest-answer.js';
import { createOpenTokAuthenticator } from './authenticate-opentok-jwt.js';
import { readCreateSessionForm, readLayoutBody, readOpenTokMuteBody } from './opentok-bodies.js';
import { matchOpenTokRoute, type MatchedOpenTokRoute, type OpenTokRoute } from './opentok-routes.js';

export interface OpenTokRestHandlerOptions {
  readonly registry: AppRegistry;
  readonly sessions: SessionService;
  /** Remembers project JWT IDs (`jti`), so each JWT that has one is accepted once. */
  readonly replay: ReplayGuard;
  /** Logs method, route pattern, status and App ID per request; never a JWT, a body or a secret. */
  readonly logger?: Logger;
  /** The clock, in milliseconds. Default Date.now. */
  readonly now?: () => number;
  /** Largest request body, in bytes. Default 64 KiB. */
  readonly maxBodyBytes?: number;
}

/** A Node `http` request listener. */
export type OpenTokRestHandler = (req: IncomingMessage, res: ServerResponse) => void;

/**
 * The user agent of the `opentok` Node SDK. Its `getStream` (2.x) JSON-parses an answer it has
 * already parsed, so no `application/json` answer can reach it; it gets the same JSON text labelled
 * `text/plain`, which it parses once. Every other client gets `application/json`.
 */
const OPENTOK_NODE_SDK = /^OpenTok-Node-SDK\//;

/** A stream as OpenTok's REST API shows it. */
function streamView(stream: StreamInfo, snapshot: SessionSnapshot): Record<string, unknown> {
  return {
    id: stream.id,
    videoType: stream.videoType,
    name: stream.name,
    layoutClassList: snapshot.layoutClassLists[stream.id] ?? [],
  };
}

/** The OpenTok operations themselves, once a request is authenticated and its body read. */
function createOpenTokOperations(
  registry: OpenTokRestHandlerOptions['registry'],
  sessions: OpenTokRestHandlerOptions['sessions'],
  maxBodyBytes: number,
) {
  /** OpenTok's "project details" answer to a mute: never a secret or key. */
  function project(appId: string): Answer {
    const app = registry.getApp(appId);
    if (app === undefined) throw new StagepassError('ERR_NOT_FOUND', 'No app with that ID.');
    return {
      status: 200,
      body: { id: app.appId, status: 'ACTIVE', name: app.name, environment: 'standard', createdAt: app.createdAt },
    };
  }

  async function createSession(req: IncomingMessage, appId: string): Promise<Answer> {
    const form = await readCreateSessionForm(req, maxBodyBytes);
    const created = await sessions.createSession(
      appId,
      createSessionId({
        appId,
        mediaMode: form.mediaMode,
        ...(form.location === undefined ? {} : { location: form.location }),
      }),
    );
    const answer = {
      session_id: created.sessionId,
      project_id: appId,
      partner_id: appId,
      create_dt: new Date(created.createdAt).toUTCString(),
      media_server_url: '',
    };
    return { status: 200, body: [answer] };
  }

  async function streams(req: IncomingMessage, appId: string, sessionId: string, streamId: string): Promise<Answer> {
    // A session nobody is in has no streams (Stagepass forgets empty sessions): an empty list, as OpenTok answers.
    const snapshot = await sessions.getSession(appId, sessionId);
    const all = snapshot === undefined ? [] : snapshot.streams.map((s) => streamView(s, snapshot));
    if (streamId === '') return { status: 200, body: { count: all.length, items: all } };
    const found = all.find((s) => s.id === streamId);
    if (found === undefined) throw new StagepassError('ERR_NOT_FOUND', 'No stream with that ID in this session.');
    const opentokSdk = OPENTOK_NODE_SDK.test(req.headers['user-agent'] ?? '');
    return { status: 200, body: found, ...(opentokSdk ? { contentType: 'text/plain; charset=utf-8' } : {}) };
  }

  async function act(
    req: IncomingMessage,
    route: OpenTokRoute,
    appId: string,
    ids: PathIds,
    body: JsonBody,
  ): Promise<Answer> {
    const { sessionId, connectionId, streamId } = ids;
    switch (route.operation) {
      case 'createSession':
        return createSession(req, appId);
      case 'listStreams':
      case 'getStream':
        return streams(req, appId, sessionId, streamId);
      case 'setLayoutClassLists':
        await sessions.setLayoutClassLists(appId, sessionId, readLayoutBody(body));
        return { status: 200 };
      case 'signalSession':
      case 'signalConnection': {
        const { signalType, data } = readSignalBody(body);
        const to = route.operation === 'signalConnection' ? connectionId : undefined;
        await sessions.signal(appId, sessionId, {
          data,
          ...(signalType === undefined ? {} : { signalType }),
          ...(to === undefined ? {} : { to }),
        });
        return { status: 204 };
      }
      case 'forceDisconnect':
        await sessions.forceDisconnect(appId, sessionId, connectionId);
        return { status: 204 };
      case 'muteStream':
        if (Object.keys(body).length > 0)
          throw new StagepassError('ERR_MESSAGE_INVALID', 'The body must be {} or absent.');
        await sessions.forceMuteStream(appId, sessionId, streamId);
        return project(appId);
      case 'muteSession': {
        const mute = readOpenTokMuteBody(body);
        if (mute.active) await sessions.forceMuteAll(appId, sessionId, mute.excludedStreamIds);
        else await sessions.disableForceMute(appId, sessionId);
        return project(appId);
      }
    }
  }

  return act;
}

/**
 * Creates the OpenTok-compatible REST routes (docs/protocol.md, "OpenTok-compatible REST routes"):
 * what an unchanged `opentok` or `@vonage/video` backend calls, pointed at the gateway with
 * `new OpenTok(apiKey, secret, { apiUrl })` or `new Video(auth, { videoHost })`. Their own auth
 * profile (project JWTs: see {@link createOpenTokAuthenticator}), OpenTok's paths and answers, the
 * same session service as `/v1`. Known OpenTok features Stagepass lacks answer 501 `ERR_NOT_SUPPORTED`
 * (before any auth: it says nothing about any app); every refusal is JSON `{code, message}`.
 *
 * @example
 * ```ts
 * const opentok = createOpenTokRestHandler({ registry, sessions, replay: registry, logger });
 * http.createServer((req, res) => (isOpenTokPath(pathOf(req.url)) ? opentok(req, res) : other(req, res)));
 * ```
 */
export function createOpenTokRestHandler(options: OpenTokRestHandlerOptions): OpenTokRestHandler {
  const maxBodyBytes = checkRestOptions(options);
  const { registry, sessions, replay, logger } = options;
  const now = options.now ?? Date.now;
  const authenticate = createOpenTokAuthenticator({ registry, replay, logger });

  const act = createOpenTokOperations(registry, sessions, maxBodyBytes);

  async function answer(
    req: IncomingMessage,
    matched: MatchedOpenTokRoute,
  ): Promise<{ answer: Answer; appId: string }> {
    const { route } = matched;
    const appId = await authenticate(req, matched.appId, now());
    const ids = pathIds(matched.params);
    let body: JsonBody = {};
    if (route.body === 'json' || (route.body === 'optional-json' && hasBody(req))) {
      body = await readJsonBody(req, maxBodyBytes);
    } else if (route.body === 'none' && hasBody(req)) {
      throw new StagepassError('ERR_MESSAGE_INVALID', `${route.method} ${route.pattern} takes no body.`);
    }
    return { answer: await act(req, route, appId, ids, body), appId };
  }

  return serveRestRequests('opentok rest request', logger, async (req, notes) => {
    const matched = matchOpenTokRoute(req.method, req.url);
    notes.route = matched.route.pattern;
    notes.appId = matched.appId;
    const done = await answer(req, matched);
    notes.appId = done.appId;
    return done.answer;
  });
}
