import { HttpRefusal } from '../rest-routes.js';

/** The operations of the OpenTok-compatible REST routes (docs/protocol.md, "OpenTok-compatible REST routes"). */
export type OpenTokOperation =
  | 'createSession'
  | 'listStreams'
  | 'getStream'
  | 'setLayoutClassLists'
  | 'signalSession'
  | 'signalConnection'
  | 'forceDisconnect'
  | 'muteStream'
  | 'muteSession';

export type OpenTokMethod = 'GET' | 'POST' | 'PUT' | 'DELETE';

/** Path parameters of the OpenTok routes, besides `appId`. */
export type OpenTokParam = 'sessionId' | 'connectionId' | 'streamId';

/** What a route's request body is. */
export type OpenTokBody = 'form' | 'json' | 'optional-json' | 'none';

export interface OpenTokRoute {
  readonly operation: OpenTokOperation;
  readonly method: OpenTokMethod;
  /** The path pattern, as documented and logged: `/v2/project/{appId}/…` or `/session/create`. */
  readonly pattern: string;
  readonly body: OpenTokBody;
  /** The segments after `/v2/project/{appId}` (literals, or `:param`); undefined for `/session/create`. */
  readonly segments: readonly string[] | undefined;
}

const PROJECT = '/v2/project/{appId}/';

function route(operation: OpenTokOperation, method: OpenTokMethod, path: string, body: OpenTokBody): OpenTokRoute {
  return {
    operation,
    method,
    pattern: `${PROJECT}${path}`,
    body,
    segments: path.split('/').map((s) => s.replace(/^\{(\w+)\}$/, ':$1')),
  };
}

/** Exactly the table of docs/protocol.md, "OpenTok-compatible REST routes". */
export const OPENTOK_ROUTES: readonly OpenTokRoute[] = [
  { operation: 'createSession', method: 'POST', pattern: '/session/create', body: 'form', segments: undefined },
  route('listStreams', 'GET', 'session/{sessionId}/stream', 'none'),
  route('getStream', 'GET', 'session/{sessionId}/stream/{streamId}', 'none'),
  route('setLayoutClassLists', 'PUT', 'session/{sessionId}/stream', 'json'),
  route('signalSession', 'POST', 'session/{sessionId}/signal', 'json'),
  route('signalConnection', 'POST', 'session/{sessionId}/connection/{connectionId}/signal', 'json'),
  route('forceDisconnect', 'DELETE', 'session/{sessionId}/connection/{connectionId}', 'none'),
  route('muteStream', 'POST', 'session/{sessionId}/stream/{streamId}/mute', 'optional-json'),
  route('muteSession', 'POST', 'session/{sessionId}/mute', 'json'),
];

/**
 * OpenTok features Stagepass does not have: any path under `/v2/project/{appId}/` that starts with
 * one of these segments, or a session's `play-dtmf`, is answered 501 `ERR_NOT_SUPPORTED` naming it.
 */
export const UNSUPPORTED_FEATURES: Readonly<Record<string, string>> = {
  archive: 'Archiving',
  broadcast: 'Live streaming broadcasts',
  dial: 'SIP interconnect (dial)',
  connect: 'The Audio Connector (WebSocket connect)',
  captions: 'Live captions',
  render: 'The Experience Composer (render)',
  callback: 'Session monitoring callbacks',
  'play-dtmf': 'DTMF (play-dtmf)',
};

/** A matched OpenTok route: the percent-decoded App ID (undefined for `/session/create`) and parameters. */
export interface MatchedOpenTokRoute {
  readonly route: OpenTokRoute;
  readonly appId: string | undefined;
  readonly params: Readonly<Partial<Record<OpenTokParam, string>>>;
}

/** True for the paths these routes own: `/session/create` and everything under `/v2/project/`. */
export function isOpenTokPath(path: string): boolean {
  return path === '/session/create' || path.startsWith('/v2/project/');
}

function notFound(): HttpRefusal {
  return new HttpRefusal(
    404,
    'ERR_NOT_FOUND',
    'No such endpoint; see docs/protocol.md, "OpenTok-compatible REST routes".',
  );
}

function methodNotAllowed(candidates: readonly OpenTokRoute[]): HttpRefusal {
  const allow = candidates.map((r) => r.method).join(', ');
  return new HttpRefusal(405, 'ERR_MESSAGE_INVALID', `Method not allowed here; use ${allow}.`, { allow });
}

/** 501 for a known OpenTok feature Stagepass does not have: its name, and what to do. */
function unsupported(rest: readonly string[]): HttpRefusal | undefined {
  const first = rest[0] ?? '';
  let feature: string | undefined;
  if (first === 'session') {
    if (rest.at(-1) === 'play-dtmf') feature = UNSUPPORTED_FEATURES['play-dtmf'];
  } else if (Object.hasOwn(UNSUPPORTED_FEATURES, first) && first !== 'play-dtmf') {
    feature = UNSUPPORTED_FEATURES[first];
  }
  if (feature === undefined) return undefined;
  return new HttpRefusal(
    501,
    'ERR_NOT_SUPPORTED',
    `${feature} is not supported by Stagepass; see docs/migration.md, "What is not supported".`,
  );
}

function decode(parts: readonly string[]): string[] {
  try {
    return parts.map((part) => decodeURIComponent(part));
  } catch {
    throw new HttpRefusal(400, 'ERR_MESSAGE_INVALID', 'The path is not valid percent-encoding.');
  }
}

/**
 * Matches a request to an OpenTok route. As in `/v1`, the raw path is split on `/` before
 * percent-decoding and dot segments are never interpreted. A known unsupported feature → 501;
 * unknown path → 404; known path with another method → 405 with `allow`; bad encoding → 400.
 */
export function matchOpenTokRoute(method: string | undefined, target: string | undefined): MatchedOpenTokRoute {
  const raw = (target ?? '').split(/[?#]/, 1)[0] ?? '';
  if (raw === '/session/create') {
    const create = OPENTOK_ROUTES[0]!;
    if (method !== create.method) throw methodNotAllowed([create]);
    return { route: create, appId: undefined, params: {} };
  }
  const parts = raw.split('/');
  if (parts.length < 5 || parts[0] !== '' || parts[1] !== 'v2' || parts[2] !== 'project') throw notFound();
  const [appId, ...rest] = decode(parts.slice(3)) as [string, ...string[]];
  if (appId === '') throw notFound();
  const refused = unsupported(rest);
  if (refused !== undefined) throw refused;
  const candidates = OPENTOK_ROUTES.filter(
    (r) =>
      r.segments !== undefined &&
      r.segments.length === rest.length &&
      r.segments.every((segment, i) => (segment.startsWith(':') ? rest[i] !== '' : segment === rest[i])),
  );
  if (candidates.length === 0) throw notFound();
  const matched = candidates.find((r) => r.method === method);
  if (matched === undefined) throw methodNotAllowed(candidates);
  const params: Partial<Record<OpenTokParam, string>> = {};
  matched.segments!.forEach((segment, i) => {
    if (segment.startsWith(':')) params[segment.slice(1) as OpenTokParam] = rest[i]!;
  });
  return { route: matched, appId, params };
}
