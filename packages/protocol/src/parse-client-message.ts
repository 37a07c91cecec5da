import { isOpaqueId } from './opaque-id.js';
import { StagepassError } from './stagepass-error.js';
import {
  MAX_EXCLUDED_STREAMS,
  MAX_ID_LENGTH,
  MAX_PAYLOAD_DEPTH,
  MAX_REQUEST_ID,
  MAX_SIGNAL_DATA_BYTES,
  MAX_SIGNAL_RECIPIENTS,
  MAX_STREAM_NAME_LENGTH,
  SIGNAL_TYPE_PATTERN,
} from './wire-limits.js';
import type { ClientMessage, ClientRequestType } from './wire-types.js';

/**
 * The members each client message may have (besides `type`); `?` marks optional ones. Exactly the
 * "members" column of docs/protocol.md (a test keeps the two in step), plus every request's `id?`.
 *
 * @example
 * ```ts
 * import { CLIENT_MESSAGE_MEMBERS } from '@stagepass/protocol';
 * CLIENT_MESSAGE_MEMBERS.subscribe; // ['id?', 'streamId']
 * ```
 */
export const CLIENT_MESSAGE_MEMBERS: Readonly<Record<ClientMessage['type'], readonly string[]>> = Object.freeze({
  connect: ['v', 'token'],
  resume: ['v', 'connectionId', 'resumeSecret'],
  publish: ['id?', 'name?', 'hasAudio', 'hasVideo', 'videoType?'],
  unpublish: ['id?', 'streamId'],
  setStreamProperty: ['id?', 'streamId', 'property', 'value'],
  subscribe: ['id?', 'streamId'],
  unsubscribe: ['id?', 'subscriptionId'],
  webrtc: ['id?', 'subscriptionId?', 'streamId?', 'kind', 'payload'],
  signal: ['id?', 'to?', 'signalType?', 'data'],
  forceDisconnect: ['id?', 'connectionId'],
  forceUnpublish: ['id?', 'streamId'],
  forceMuteStream: ['id?', 'streamId'],
  forceMuteAll: ['id?', 'excludedStreamIds?'],
  disableForceMute: ['id?'],
});

/**
 * The request types, in the order docs/protocol.md lists them.
 *
 * @example
 * ```ts
 * CLIENT_REQUEST_TYPES.includes('publish'); // true
 * ```
 */
export const CLIENT_REQUEST_TYPES = Object.keys(CLIENT_MESSAGE_MEMBERS).filter(
  (t) => t !== 'connect' && t !== 'resume',
) as ClientRequestType[];

/** A resume secret on the wire: 32 bytes in base64url without padding. */
const RESUME_SECRET_PATTERN = /^[A-Za-z0-9_-]{43}$/;

/**
 * A refused message: ERR_MESSAGE_INVALID with the request id, when one could be read.
 *
 * @example
 * ```ts
 * catch (err) { if (err instanceof MessageError) reply({ type: 'error', id: err.requestId, code: err.code, message: err.message }); }
 * ```
 */
export class MessageError extends StagepassError {
  readonly requestId: number | null;
  constructor(message: string, requestId: number | null) {
    super('ERR_MESSAGE_INVALID', message);
    this.requestId = requestId;
  }
}

type Checker = (value: unknown, name: string) => void;

const isId = (value: unknown): value is string => isOpaqueId(value, MAX_ID_LENGTH);

/**
 * UTF-8 length of well-formed text, without Buffer (this package also runs in browsers).
 *
 * @example
 * ```ts
 * utf8Length('é🎉'); // 6
 * ```
 */
export function utf8Length(text: string): number {
  let bytes = text.length;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff) {
      bytes += 2;
      i++;
    } // a pair: 2 units, 4 bytes
    else if (c >= 0x800) bytes += 2;
    else if (c >= 0x80) bytes += 1;
  }
  return bytes;
}

/**
 * True when `value` (parsed JSON) nests objects or arrays more than `max` levels deep; `value` itself is
 * level 1. Iterative, and it stops at the first value past `max`: a hostile 5,000-level payload costs
 * 33 steps, not a stack overflow.
 */
function nestsDeeperThan(value: object, max: number): boolean {
  const pending: unknown[] = [value];
  const depths: number[] = [1];
  while (pending.length > 0) {
    const next = pending.pop() as object;
    const depth = depths.pop()!;
    for (const child of Array.isArray(next) ? next : Object.values(next)) {
      if (typeof child !== 'object' || child === null) continue;
      if (depth >= max) return true;
      pending.push(child);
      depths.push(depth + 1);
    }
  }
  return false;
}

function fail(problem: string, id: number | null): never {
  throw new MessageError(problem, id);
}

/**
 * Reads one client message from a WebSocket text frame: valid JSON, a known `type`, exactly the
 * members that type has, each of the right type and size. Throws {@link MessageError} otherwise.
 * Size limits of the whole frame are the transport's job.
 *
 * @example
 * ```ts
 * const message = parseClientMessage('{"type":"subscribe","id":3,"streamId":"S1"}');
 * ```
 */
export function parseClientMessage(text: string): ClientMessage {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    fail('the message is not valid JSON', null);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    fail('the message must be a JSON object', null);
  const message = value as Record<string, unknown>;
  const rawId = message.id;
  const id =
    typeof rawId === 'number' && Number.isInteger(rawId) && rawId >= 0 && rawId <= MAX_REQUEST_ID ? rawId : null;
  if (rawId !== undefined && id === null) fail(`id must be an integer from 0 to ${MAX_REQUEST_ID}`, null);
  const type = message.type;
  if (typeof type !== 'string' || !Object.hasOwn(CLIENT_MESSAGE_MEMBERS, type)) fail('type is missing or unknown', id);
  const shape = CLIENT_MESSAGE_MEMBERS[type as ClientMessage['type']];
  const allowed = new Set(shape.map((m) => m.replace('?', '')));
  for (const key of Object.keys(message)) {
    if (key !== 'type' && !allowed.has(key)) fail(`${type} has no member "${key.slice(0, 32)}"`, id);
  }
  for (const member of shape) {
    if (!member.endsWith('?') && message[member] === undefined) fail(`${type} needs ${member}`, id);
  }
  const check = (name: string, checker: Checker) => {
    if (message[name] !== undefined) {
      try {
        checker(message[name], name);
      } catch (err) {
        fail(`${type}.${name} ${(err as Error).message}`, id);
      }
    }
  };
  const problem = (text: string): never => {
    throw new Error(text);
  };
  const anId: Checker = (v) => {
    if (!isId(v)) problem(`must be an ID (1–${MAX_ID_LENGTH} printable ASCII characters)`);
  };
  const aBoolean: Checker = (v) => {
    if (typeof v !== 'boolean') problem('must be true or false');
  };
  const aVersion: Checker = (v) => {
    if (typeof v !== 'number' || !Number.isInteger(v) || v < 1) problem('must be a positive integer');
  };
  switch (type) {
    case 'resume':
      check('v', aVersion);
      check('connectionId', anId);
      check('resumeSecret', (v) => {
        if (typeof v !== 'string' || !RESUME_SECRET_PATTERN.test(v)) problem('must be 43 base64url characters');
      });
      break;
    case 'connect':
      check('v', aVersion);
      // No length limit here: the token verifier refuses one over 8 KiB as ERR_TOKEN_TOO_LARGE (close 4001),
      // before decoding it, which is what docs/protocol.md and docs/tokens.md promise; the frame limit bounds it.
      check('token', (v) => {
        if (typeof v !== 'string' || v.length === 0) problem('must be a non-empty string');
      });
      break;
    case 'publish':
      check('name', (v) => {
        if (typeof v !== 'string' || v.length > MAX_STREAM_NAME_LENGTH || !v.isWellFormed())
          problem(`must be text of at most ${MAX_STREAM_NAME_LENGTH} characters`);
      });
      check('hasAudio', aBoolean);
      check('hasVideo', aBoolean);
      check('videoType', (v) => {
        if (v !== 'camera' && v !== 'screen') problem('must be "camera" or "screen"');
      });
      break;
    case 'setStreamProperty':
      check('streamId', anId);
      check('property', (v) => {
        if (v !== 'hasAudio' && v !== 'hasVideo') problem('must be "hasAudio" or "hasVideo"');
      });
      check('value', aBoolean);
      break;
    case 'webrtc':
      if ((message.subscriptionId === undefined) === (message.streamId === undefined))
        fail('webrtc needs exactly one of subscriptionId and streamId', id);
      check('subscriptionId', anId);
      check('streamId', anId);
      check('kind', (v) => {
        if (v !== 'offer' && v !== 'answer' && v !== 'candidate') problem('must be "offer", "answer" or "candidate"');
      });
      check('payload', (v) => {
        if (typeof v !== 'object' || v === null || Array.isArray(v)) problem('must be an object');
        if (nestsDeeperThan(v as object, MAX_PAYLOAD_DEPTH))
          problem(`must nest objects and arrays at most ${MAX_PAYLOAD_DEPTH} levels deep`);
      });
      break;
    case 'signal':
      check('to', (v) => {
        if (Array.isArray(v)) {
          if (v.length === 0 || v.length > MAX_SIGNAL_RECIPIENTS || !v.every(isId))
            problem(`must be a connection ID or a list of 1–${MAX_SIGNAL_RECIPIENTS} of them`);
        } else if (!isId(v)) problem('must be a connection ID or a list of them');
      });
      check('signalType', (v) => {
        if (typeof v !== 'string' || !SIGNAL_TYPE_PATTERN.test(v))
          problem('must be at most 128 characters of A-Z a-z 0-9 - _ ~');
      });
      check('data', (v) => {
        if (typeof v !== 'string' || !v.isWellFormed()) problem('must be text');
        if (utf8Length(v as string) > MAX_SIGNAL_DATA_BYTES)
          problem(`must be at most ${MAX_SIGNAL_DATA_BYTES} bytes (UTF-8)`);
      });
      break;
    case 'forceMuteAll':
      check('excludedStreamIds', (v) => {
        if (!Array.isArray(v) || v.length > MAX_EXCLUDED_STREAMS || !v.every(isId))
          problem(`must be a list of at most ${MAX_EXCLUDED_STREAMS} stream IDs`);
      });
      break;
    default:
      for (const name of ['streamId', 'subscriptionId', 'connectionId']) check(name, anId);
  }
  return message as unknown as ClientMessage;
}
