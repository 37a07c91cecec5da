import type { Capabilities, Role, UnixSeconds } from '@stagepass/protocol';
import type { JwsAlgorithm } from './keys/algorithms.js';

/**
 * The token formats Stagepass reads and writes.
 * - `stagepass`: compact JWS with OpenTok's client-token claim set (OpenTok's own JWT tokens are this format).
 * - `opentok-t1`: OpenTok's legacy `T1==` token, HMAC-SHA1; opt-in per app.
 * - `vonage`: the Vonage Video client JWT (RS256, `application_id`, `sub: "video"`).
 */
export const TOKEN_FORMATS = ['stagepass', 'opentok-t1', 'vonage'] as const;
export type TokenFormat = (typeof TOKEN_FORMATS)[number];

/** The signature algorithm of a verified token: a JWS algorithm, or T1's HMAC-SHA1. */
export type TokenAlgorithm = JwsAlgorithm | 'HMAC-SHA1';

/** What a verified token grants. All times are integer UNIX seconds. */
export interface VerifiedToken {
  readonly format: TokenFormat;
  readonly algorithm: TokenAlgorithm;
  readonly appId: string;
  readonly sessionId: string;
  readonly role: Role;
  readonly capabilities: Capabilities;
  /** When the token was created (`create_time`, else `iat`). */
  readonly createTime: UnixSeconds;
  /** When it was signed (`iat`, or `create_time` for T1). */
  readonly issuedAt: UnixSeconds;
  /** When it expires (`exp`, `expire_time`). */
  readonly expireTime: UnixSeconds;
  /** Not valid before (`nbf`), if the token says. */
  readonly notBefore: UnixSeconds | undefined;
  /** Connection data, shown to everyone in the session; undefined when the token has none. */
  readonly data: string | undefined;
  readonly initialLayoutClassList: readonly string[];
  /** `jti`, or for tokens without one, `sha256:` + the base64url SHA-256 of the whole token. */
  readonly tokenId: string;
  /** The `kid` of the key that verified it, if that key has one. */
  readonly keyId: string | undefined;
}
