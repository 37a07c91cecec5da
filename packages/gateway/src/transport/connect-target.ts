import { CONNECT_PATH, isOpaqueId, type ErrorCode } from '@stagepass/protocol';
import { limits } from '@stagepass/token';

/** The App ID and session a client asks to join, read from its upgrade URL. */
export interface ConnectTarget {
  readonly appId: string;
  readonly sessionId: string;
}

/** Why an upgrade is refused before it happens: an HTTP status, a code and one sentence. */
export interface UpgradeRefusal {
  readonly status: number;
  readonly code: ErrorCode;
  readonly message: string;
}

const { MAX_APP_ID_LENGTH, MAX_SESSION_ID_LENGTH } = limits;

/** The path of a request URL, without its query string: what access logs may show. */
export function pathOf(url: string | undefined): string {
  if (url === undefined) return '';
  const query = url.indexOf('?');
  return query === -1 ? url : url.slice(0, query);
}

/** The query parameters a connect URL is read for, each with every value it was given. */
interface TargetParams {
  readonly appId: string[];
  readonly sessionId: string[];
}

/**
 * The values of appId and sessionId in a query string, percent-decoded as URLSearchParams decodes
 * them, except that `+` stays a plus (docs/protocol.md "Connecting"): an ID never holds a space, so a
 * raw `+` can only mean the plus it is in an ID (as in the REST paths), never a form-encoded space.
 */
export function readTargetParams(query: string): TargetParams {
  // URLSearchParams for every query: a hand-split fast path for undecoded ones measured 0.9 % of an
  // admission (docs/benchmarks.md "Shortcut ledger") and was removed.
  const params = new URLSearchParams(query.includes('+') ? query.replaceAll('+', '%2B') : query);
  return { appId: params.getAll('appId'), sessionId: params.getAll('sessionId') };
}

function one(params: TargetParams, name: 'appId' | 'sessionId', max: number): string | UpgradeRefusal {
  const values = params[name];
  if (values.length !== 1) {
    return {
      status: 400,
      code: 'ERR_INVALID_OPTION',
      message:
        values.length === 0
          ? `The connect URL needs the ${name} query parameter.`
          : `The connect URL must give ${name} once.`,
    };
  }
  const value = values[0]!;
  if (!isOpaqueId(value, max)) {
    return {
      status: 400,
      code: 'ERR_INVALID_OPTION',
      message: `${name} must be 1–${max} printable ASCII characters without spaces.`,
    };
  }
  return value;
}

/**
 * Reads `/v1/connect?appId=…&sessionId=…` (docs/protocol.md "Connecting"): another path is 404;
 * `appId` or `sessionId` missing, repeated or malformed is 400. Other query parameters are ignored.
 */
export function readConnectTarget(url: string | undefined): ConnectTarget | UpgradeRefusal {
  const path = pathOf(url);
  if (path !== CONNECT_PATH)
    return { status: 404, code: 'ERR_NOT_FOUND', message: `WebSocket clients connect to ${CONNECT_PATH}.` };
  const query = url!.length > path.length ? url!.slice(path.length + 1) : '';
  const params = readTargetParams(query);
  const appId = one(params, 'appId', MAX_APP_ID_LENGTH);
  if (typeof appId !== 'string') return appId;
  const sessionId = one(params, 'sessionId', MAX_SESSION_ID_LENGTH);
  if (typeof sessionId !== 'string') return sessionId;
  return { appId, sessionId };
}
