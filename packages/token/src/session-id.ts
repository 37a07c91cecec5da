import { invalidOption, isOpaqueId, wireLimits, type EpochMilliseconds } from '@stagepass/protocol';
import { randomBase64url } from './lib/random.js';
import { checkAppId } from './lib/validate.js';

/**
 * How a session's media flows, as OpenTok's `mediaMode` (`p2p.preference`) says it: `relayed`
 * (peer to peer where possible) or `routed` (through a media server). Stagepass records it in
 * OpenTok-shaped session IDs, and the gateway reads a session's mode from its ID (docs/protocol.md "Media modes").
 */
export type SessionMediaMode = 'relayed' | 'routed';

/** Options of {@link createSessionId}; without `appId`, the ID is a plain random one. */
export interface SessionIdOptions {
  /**
   * The App ID (an OpenTok API key): gives the ID the OpenTok shape
   * `1_` + base64url(`1~{appId}~{location}~{createdAt}~{random}~{P or empty}~`), which the
   * `opentok` SDK's `generateToken` checks belongs to its API key.
   */
  readonly appId?: string;
  /** Recorded in OpenTok-shaped IDs: `P` in the sixth field for relayed, empty for routed. Default relayed. */
  readonly mediaMode?: SessionMediaMode;
  /** OpenTok's location hint (an IPv4 address), recorded in OpenTok-shaped IDs. Default none. */
  readonly location?: string;
  /** The creation time written into OpenTok-shaped IDs, in milliseconds. Default now. */
  readonly now?: EpochMilliseconds;
}

/** What an OpenTok-shaped session ID records (see {@link readOpenTokSessionId}). */
export interface OpenTokSessionIdInfo {
  readonly appId: string;
  /** The location hint, or '' when none was given. */
  readonly location: string;
  /** Milliseconds since the epoch, or null when the field is not a number of milliseconds. */
  readonly createdAt: EpochMilliseconds | null;
  readonly mediaMode: SessionMediaMode;
}

const IPV4 = /^(?:(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)\.){3}(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)$/;
/** Characters an App ID may have in an OpenTok-shaped ID: the fields are separated by `~`. */
const FIELD_SAFE = /^[^~]*$/;

/**
 * Makes a new session ID offline. Without options: 192 bits from a CSPRNG, base64url (32 URL-safe
 * characters). With `appId`: the OpenTok shape, holding the App ID, the location hint, the creation
 * time, 144 random bits and the media mode, so the `opentok` SDK's `generateToken(sessionId)` accepts
 * it for that API key. Session IDs are opaque to the gateway; any 1–512 printable ASCII characters
 * without spaces are accepted, so OpenTok's own `1_MX4…` IDs work too. Throws StagepassError
 * `ERR_INVALID_OPTION` naming a bad option.
 *
 * @example
 * ```ts
 * const sessionId = createSessionId(); // e.g. "qK2v…"
 * const legacy = createSessionId({ appId: '47123456', mediaMode: 'routed' }); // "1_MX40NzEyMzQ1Nn5…"
 * ```
 */
export function createSessionId(options?: SessionIdOptions): string {
  if (options === undefined) return randomBase64url(24);
  if (typeof options !== 'object' || options === null) throw invalidOption('options', 'must be an object');
  if (options.appId === undefined) {
    if (options.mediaMode !== undefined || options.location !== undefined) {
      throw invalidOption('appId', 'is needed for mediaMode and location (they are kept in OpenTok-shaped IDs)');
    }
    return randomBase64url(24);
  }
  const appId = checkAppId(options.appId);
  if (!FIELD_SAFE.test(appId)) throw invalidOption('appId', 'must not contain "~" in an OpenTok-shaped session ID');
  const mediaMode = options.mediaMode ?? 'relayed';
  if (mediaMode !== 'relayed' && mediaMode !== 'routed') throw invalidOption('mediaMode', 'must be relayed or routed');
  const location = options.location ?? '';
  if (location !== '' && !IPV4.test(location)) throw invalidOption('location', 'must be an IPv4 address');
  const now = options.now ?? Date.now();
  if (!Number.isSafeInteger(now) || now < 0) throw invalidOption('now', 'must be whole milliseconds since the epoch');
  const inner = `1~${appId}~${location}~${now}~${randomBase64url(18)}~${mediaMode === 'relayed' ? 'P' : ''}~`;
  const id = `1_${Buffer.from(inner, 'utf8').toString('base64url')}`;
  if (id.length > wireLimits.MAX_SESSION_ID_LENGTH) {
    throw invalidOption(
      'appId',
      `is too long for an OpenTok-shaped session ID (${wireLimits.MAX_SESSION_ID_LENGTH} at most)`,
    );
  }
  return id;
}

/**
 * Reads an OpenTok-shaped session ID (ours, or one OpenTok made): the App ID, location hint,
 * creation time and media mode. Undefined when the ID does not have that shape; never throws.
 *
 * @example
 * ```ts
 * readOpenTokSessionId(createSessionId({ appId: '4711', mediaMode: 'routed' }))?.mediaMode; // 'routed'
 * ```
 */
export function readOpenTokSessionId(sessionId: unknown): OpenTokSessionIdInfo | undefined {
  if (!isOpaqueId(sessionId, wireLimits.MAX_SESSION_ID_LENGTH) || !/^\d_[A-Za-z0-9_+/=-]+$/.test(sessionId)) {
    return undefined;
  }
  const inner = Buffer.from(sessionId.slice(2).replace(/\+/g, '-').replace(/\//g, '_'), 'base64url').toString('utf8');
  const fields = inner.split('~');
  if (fields.length < 5 || !/^\d+$/.test(fields[0]!) || !isOpaqueId(fields[1], wireLimits.MAX_APP_ID_LENGTH)) {
    return undefined;
  }
  const created = /^\d{1,15}$/.test(fields[3]!) ? Number(fields[3]) : null;
  return {
    appId: fields[1]!,
    location: fields[2]!,
    createdAt: created,
    mediaMode: fields[5] === 'P' ? 'relayed' : 'routed',
  };
}
