import { StagepassError } from '@stagepass/protocol';

/** The operations of the REST API for app backends (docs/protocol.md). */
export type RestOperation =
  | 'createSession'
  | 'getSession'
  | 'forceDisconnect'
  | 'forceUnpublish'
  | 'forceMuteStream'
  | 'muteSession'
  | 'signalSession'
  | 'signalConnection'
  | 'revoke';

export type RestMethod = 'GET' | 'POST' | 'DELETE';

/** Path parameters a route can have, besides `appId`. */
export type RestParam = 'sessionId' | 'connectionId' | 'streamId';

export interface RestRoute {
  readonly operation: RestOperation;
  readonly method: RestMethod;
  /** The path pattern, as logged (never the concrete IDs). */
  readonly pattern: string;
  /** Whether the request carries a JSON body. */
  readonly body: boolean;
  /** The segments after `/v1/apps/{appId}`: literals, or `:param`. */
  readonly segments: readonly string[];
}

function route(operation: RestOperation, method: RestMethod, path: string, body: boolean): RestRoute {
  return { operation, method, pattern: `/v1/apps/:appId/${path}`, body, segments: path.split('/') };
}

/** Exactly the table of docs/protocol.md, "REST API for app backends". */
export const REST_ROUTES: readonly RestRoute[] = [
  route('createSession', 'POST', 'sessions', true),
  route('getSession', 'GET', 'sessions/:sessionId', false),
  route('forceDisconnect', 'DELETE', 'sessions/:sessionId/connections/:connectionId', false),
  route('forceUnpublish', 'DELETE', 'sessions/:sessionId/streams/:streamId', false),
  route('forceMuteStream', 'POST', 'sessions/:sessionId/streams/:streamId/mute', false),
  route('muteSession', 'POST', 'sessions/:sessionId/mute', true),
  route('signalSession', 'POST', 'sessions/:sessionId/signal', true),
  route('signalConnection', 'POST', 'sessions/:sessionId/connections/:connectionId/signal', true),
  route('revoke', 'POST', 'revocations', true),
];

/** A refusal with an HTTP status of its own (405, 415) or extra headers; the body stays `{code, message}`. */
export class HttpRefusal extends StagepassError {
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;

  constructor(
    status: number,
    code: StagepassError['code'],
    message: string,
    headers: Readonly<Record<string, string>> = {},
  ) {
    super(code, message);
    this.status = status;
    this.headers = headers;
  }
}

/** A request matched to a route: the percent-decoded App ID and parameters, not yet validated. */
export interface MatchedRoute {
  readonly route: RestRoute;
  readonly appId: string;
  readonly params: Readonly<Partial<Record<RestParam, string>>>;
}

const PREFIX = ['', 'v1', 'apps'];

function notFound(): HttpRefusal {
  return new HttpRefusal(404, 'ERR_NOT_FOUND', 'No such endpoint; see docs/protocol.md, "REST API for app backends".');
}

/**
 * Matches a request target to a route. The raw path is split on `/` before percent-decoding, so
 * an ID may hold an encoded `/` (`%2F`) and dot segments are never interpreted. Unknown path →
 * 404; known path with another method → 405 with `allow`; bad percent-encoding → 400.
 */
export function matchRoute(method: string | undefined, target: string | undefined): MatchedRoute {
  const raw = (target ?? '').split(/[?#]/, 1)[0] ?? '';
  const parts = raw.split('/');
  if (parts.length < PREFIX.length + 2 || PREFIX.some((word, i) => parts[i] !== word)) throw notFound();
  let decoded: string[];
  try {
    decoded = parts.slice(PREFIX.length).map((part) => decodeURIComponent(part));
  } catch {
    throw new HttpRefusal(400, 'ERR_MESSAGE_INVALID', 'The path is not valid percent-encoding.');
  }
  const [appId, ...rest] = decoded as [string, ...string[]];
  const candidates = REST_ROUTES.filter(
    (r) =>
      r.segments.length === rest.length &&
      r.segments.every((segment, i) => (segment.startsWith(':') ? rest[i] !== '' : segment === rest[i])),
  );
  if (candidates.length === 0) throw notFound();
  const matched = candidates.find((r) => r.method === method);
  if (matched === undefined) {
    const allow = candidates.map((r) => r.method).join(', ');
    throw new HttpRefusal(405, 'ERR_MESSAGE_INVALID', `Method not allowed here; use ${allow}.`, { allow });
  }
  const params: Partial<Record<RestParam, string>> = {};
  matched.segments.forEach((segment, i) => {
    if (segment.startsWith(':')) params[segment.slice(1) as RestParam] = rest[i]!;
  });
  return { route: matched, appId, params };
}
