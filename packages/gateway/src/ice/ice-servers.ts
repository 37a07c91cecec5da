import { invalidOption, type Clock, type IceServer, type UnixSeconds } from '@stagepass/protocol';
import { turnCredential, turnExpiry } from './turn-credential.js';

/** The ICE servers of one connection, given its ID and its token's expiry; `[]` when none are configured. */
export type IceServersFor = (connectionId: string, tokenExpireTime: UnixSeconds) => readonly IceServer[];

/** Most entries in `iceServers`. */
export const MAX_ICE_SERVER_URLS = 16;
/** Longest URL in `iceServers`, characters. */
export const MAX_ICE_SERVER_URL_LENGTH = 256;
/** Shortest and longest `turnSecret`, characters. */
export const TURN_SECRET_LENGTH = Object.freeze({ min: 16, max: 512 });

/** `stun:host[:port]`, `turn:host[:port][?transport=udp|tcp]` (RFC 7064, RFC 7065); host a name, IPv4 or [IPv6]. */
const ICE_URL =
  /^(stuns?|turns?):(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9](?:[A-Za-z0-9.-]*[A-Za-z0-9])?)(?::([0-9]{1,5}))?(\?transport=(?:udp|tcp))?$/;
const VISIBLE_ASCII = /^[!-~]+$/;

export const ICE_SERVERS_RULE =
  `must be a list of at most ${MAX_ICE_SERVER_URLS} distinct STUN or TURN URLs ` +
  '(stun:HOST[:PORT], stuns:…, turn:HOST[:PORT][?transport=udp|tcp], turns:…)';
export const TURN_SECRET_RULE =
  `must be ${TURN_SECRET_LENGTH.min} to ${TURN_SECRET_LENGTH.max} visible ASCII characters (no spaces), ` +
  "the TURN server's static-auth-secret";

/** Why one URL is not an ICE server URL, or undefined when it is one. */
function urlProblem(url: unknown): string | undefined {
  if (typeof url !== 'string') return 'is not a string';
  if (url.length > MAX_ICE_SERVER_URL_LENGTH) return `is longer than ${MAX_ICE_SERVER_URL_LENGTH} characters`;
  const m = ICE_URL.exec(url);
  if (m === null) return `${JSON.stringify(url)} is not a stun:, stuns:, turn: or turns: URL`;
  const port = m[3] === undefined ? 1 : Number(m[3]);
  if (port < 1 || port > 65535) return `${JSON.stringify(url)} has a port outside 1–65535`;
  if (m[4] !== undefined && m[1]!.startsWith('stun')) return `${JSON.stringify(url)}: only TURN URLs take ?transport`;
  return undefined;
}

/**
 * `iceServers` checked: a list of STUN/TURN URLs. A bad one throws `ERR_INVALID_OPTION` naming the
 * option and the entry.
 *
 * @example
 * ```ts
 * checkIceServerUrls(['stun:stun.example.com', 'turn:turn.example.com:3478?transport=udp'], 'createGateway');
 * ```
 */
export function checkIceServerUrls(value: unknown, scope?: string): readonly string[] {
  if (value === undefined) return [];
  if (!Array.isArray(value) || value.length > MAX_ICE_SERVER_URLS)
    throw invalidOption('iceServers', ICE_SERVERS_RULE, scope);
  const seen = new Set<string>();
  value.forEach((url: unknown, i) => {
    const problem = urlProblem(url) ?? (seen.has(url as string) ? `${JSON.stringify(url)} is given twice` : undefined);
    if (problem !== undefined) throw invalidOption('iceServers', `${ICE_SERVERS_RULE}; entry ${i} ${problem}`, scope);
    seen.add(url as string);
  });
  return Object.freeze([...(value as string[])]);
}

/** `turnSecret` checked against {@link TURN_SECRET_RULE}; its value is never put in the message. */
export function checkTurnSecret(value: unknown, scope?: string): string | undefined {
  if (value === undefined) return undefined;
  const ok =
    typeof value === 'string' &&
    value.length >= TURN_SECRET_LENGTH.min &&
    value.length <= TURN_SECRET_LENGTH.max &&
    VISIBLE_ASCII.test(value);
  if (!ok) throw invalidOption('turnSecret', TURN_SECRET_RULE, scope);
  return value;
}

function isTurn(url: string): boolean {
  return url.startsWith('turn');
}

/** The rule between the two: TURN URLs need the secret (their credentials come from it), and the secret a TURN URL. */
export function checkIcePair(urls: readonly string[], turnSecret: string | undefined, scope?: string): void {
  const hasTurn = urls.some(isTurn);
  if (hasTurn && turnSecret === undefined)
    throw invalidOption(
      'turnSecret',
      'must be set when iceServers has a turn: or turns: URL (its credentials come from it)',
      scope,
    );
  if (!hasTurn && turnSecret !== undefined)
    throw invalidOption('iceServers', 'must have a turn: or turns: URL when turnSecret is set', scope);
}

export interface IceServersOptions {
  /** STUN and TURN URLs, checked. */
  readonly urls: readonly string[];
  readonly turnSecret: string | undefined;
  /** Longest lifetime of a TURN credential, seconds. */
  readonly ttl: number;
  readonly now: Clock;
}

/**
 * What each `connected`/`resumed` says in `iceServers`: one entry with every STUN URL, one with every
 * TURN URL and that connection's credential (expiring at the earlier of its token's `exp` and now + `ttl`).
 * Entries without URLs are left out, so no configuration gives `[]`.
 *
 * @example
 * ```ts
 * const iceServersFor = createIceServersFor({ urls: ['turn:turn.example.com'], turnSecret, ttl: 86400, now: Date.now });
 * iceServersFor('C1', tokenExp); // [{ urls: ['turn:turn.example.com'], username: '…:C1', credential: '…' }]
 * ```
 */
export function createIceServersFor(options: IceServersOptions): IceServersFor {
  const stun = Object.freeze(options.urls.filter((url) => !isTurn(url)));
  const turn = Object.freeze(options.urls.filter(isTurn));
  const stunEntries: readonly IceServer[] = stun.length === 0 ? [] : [Object.freeze({ urls: stun })];
  const { turnSecret, ttl, now } = options;
  if (turn.length === 0 || turnSecret === undefined) {
    const fixed = Object.freeze(stunEntries);
    return () => fixed;
  }
  return (connectionId, tokenExpireTime) => [
    ...stunEntries,
    { urls: turn, ...turnCredential(turnSecret, connectionId, turnExpiry(now(), ttl, tokenExpireTime)) },
  ];
}
