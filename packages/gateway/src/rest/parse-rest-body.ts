import { StagepassError, isOpaqueId, wireLimits, type MediaMode } from '@stagepass/protocol';
import type { Revocation } from '../registry/app-registry.js';
import { limits } from '@stagepass/token';

/** Session IDs: 1–512 printable ASCII characters without spaces (docs/protocol.md). */
export const MAX_SESSION_ID_LENGTH = wireLimits.MAX_SESSION_ID_LENGTH;
/** Token IDs named in a revocation: a `jti` (1–256 printable ASCII) or a `sha256:` digest. */
export const MAX_TOKEN_ID_LENGTH = limits.MAX_TOKEN_ID_LENGTH;
/** Any time at or above this looks like milliseconds, not UNIX seconds. */
const MILLISECONDS_THRESHOLD = 1e11;

export type JsonBody = Readonly<Record<string, unknown>>;

function invalid(message: string): never {
  throw new StagepassError('ERR_MESSAGE_INVALID', message);
}

export const isSessionId = (value: unknown): value is string => isOpaqueId(value, MAX_SESSION_ID_LENGTH);
/** Connection and stream IDs, as the protocol assigns them. */
export const isEntityId = (value: unknown): value is string => isOpaqueId(value, wireLimits.MAX_ID_LENGTH);

/** Refuses any member not in `allowed` and any missing required one (`?` marks optional ones). */
function checkMembers(body: JsonBody, shape: readonly string[], what: string): void {
  const allowed = new Set(shape.map((m) => m.replace('?', '')));
  for (const key of Object.keys(body)) {
    // Names are cut short and limited to printable ASCII: a refusal never echoes much of the body.
    if (!allowed.has(key)) invalid(`${what} has no member "${key.slice(0, 32).replace(/[^\x20-\x7e]/g, '?')}"`);
  }
  for (const member of shape) {
    if (!member.endsWith('?') && body[member] === undefined) invalid(`${what} needs ${member}`);
  }
}

function unixSeconds(value: unknown, name: string): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0)
    invalid(`${name} must be a whole number of UNIX seconds`);
  if (value >= MILLISECONDS_THRESHOLD) invalid(`${name} looks like milliseconds; give UNIX seconds`);
  return value;
}

/** `POST …/sessions`: `{}` or `{"sessionId"}`. */
export function readCreateSessionBody(body: JsonBody): {
  readonly sessionId: string | undefined;
  readonly mediaMode: MediaMode | undefined;
} {
  checkMembers(body, ['sessionId?', 'mediaMode?'], 'the body');
  const { sessionId, mediaMode } = body;
  if (sessionId !== undefined && !isSessionId(sessionId)) {
    invalid(`sessionId must be 1–${MAX_SESSION_ID_LENGTH} printable ASCII characters without spaces`);
  }
  if (mediaMode !== undefined && mediaMode !== 'relayed' && mediaMode !== 'routed')
    invalid('mediaMode must be "relayed" or "routed"');
  return { sessionId, mediaMode };
}

export type MuteRequest =
  { readonly active: true; readonly excludedStreamIds: readonly string[] } | { readonly active: false };

/** `POST …/mute`: `{"active": true, "excludedStreamIds"?: […]}` or `{"active": false}`. */
export function readMuteBody(body: JsonBody): MuteRequest {
  const { active } = body;
  if (typeof active !== 'boolean') invalid('active must be true or false');
  if (!active) {
    checkMembers(body, ['active'], 'the body with active false');
    return { active };
  }
  checkMembers(body, ['active', 'excludedStreamIds?'], 'the body');
  const excluded = body.excludedStreamIds ?? [];
  if (!Array.isArray(excluded) || excluded.length > wireLimits.MAX_EXCLUDED_STREAMS || !excluded.every(isEntityId)) {
    invalid(`excludedStreamIds must be a list of at most ${wireLimits.MAX_EXCLUDED_STREAMS} stream IDs`);
  }
  return { active, excludedStreamIds: excluded };
}

/** `POST …/signal`: `{"type"?, "data"}`, with the protocol's signal limits. */
export function readSignalBody(body: JsonBody): { readonly signalType: string | undefined; readonly data: string } {
  checkMembers(body, ['type?', 'data'], 'the body');
  const { type, data } = body;
  if (type !== undefined && (typeof type !== 'string' || !wireLimits.SIGNAL_TYPE_PATTERN.test(type))) {
    invalid(`type must be at most ${wireLimits.MAX_SIGNAL_TYPE_LENGTH} characters of A-Z a-z 0-9 - _ ~`);
  }
  if (typeof data !== 'string' || !data.isWellFormed()) invalid('data must be text');
  if (Buffer.byteLength(data, 'utf8') > wireLimits.MAX_SIGNAL_DATA_BYTES) {
    invalid(`data must be at most ${wireLimits.MAX_SIGNAL_DATA_BYTES} bytes (UTF-8)`);
  }
  return { signalType: type, data };
}

/** `POST …/revocations`: `{"tokenId", "expireTime"}` or `{"issuedBefore", "sessionId"?}`. */
export function readRevocationBody(body: JsonBody): Revocation {
  if (body.tokenId !== undefined) {
    checkMembers(body, ['tokenId', 'expireTime'], 'a revocation by token ID');
    if (!isOpaqueId(body.tokenId, MAX_TOKEN_ID_LENGTH))
      invalid(`tokenId must be 1–${MAX_TOKEN_ID_LENGTH} printable ASCII characters`);
    return { kind: 'token', tokenId: body.tokenId, expireTime: unixSeconds(body.expireTime, 'expireTime') };
  }
  if (body.issuedBefore === undefined) invalid('a revocation needs tokenId and expireTime, or issuedBefore');
  checkMembers(body, ['issuedBefore', 'sessionId?'], 'a revocation by issue time');
  const { sessionId } = body;
  if (sessionId !== undefined && !isSessionId(sessionId)) {
    invalid(`sessionId must be 1–${MAX_SESSION_ID_LENGTH} printable ASCII characters without spaces`);
  }
  return {
    kind: 'issuedBefore',
    sessionId: sessionId ?? null,
    issuedBefore: unixSeconds(body.issuedBefore, 'issuedBefore'),
  };
}
