import { invalidOption, toUnixSeconds, type Seconds, type UnixSeconds } from '@stagepass/protocol';
import { encodeBase64urlText } from '../lib/base64.js';
import { randomId128 } from '../lib/random.js';
import { checkAppId, parseTtl, unixSecondsOption } from '../lib/validate.js';
import { importSigningKey } from '../keys/import-key.js';
import type { AsymmetricKeyMaterial } from '../keys/key-input.js';
import { APP_JWT_ISSUER_TYPE, DEFAULT_APP_JWT_TTL_SECONDS, MAX_APP_JWT_TTL_SECONDS } from './app-jwt-limits.js';

/** How to sign one app JWT: the app, its secret or private key, and the lifetime. */
export interface AppJwtOptions {
  /** The App ID: written as `iss`, and it must be the `{appId}` of the REST path. */
  readonly appId: string;
  /** The app secret (HS256), at least 32 bytes. Give this or `privateKey`. */
  readonly secret?: string | Uint8Array;
  /** A private key registered with the app (PEM, JWK or KeyObject): Ed25519 → EdDSA, P-256 → ES256, RSA → RS256. */
  readonly privateKey?: AsymmetricKeyMaterial;
  /** Key ID written into the header, so the gateway picks that key at once. */
  readonly kid?: string;
  /** Lifetime: seconds or a duration such as "2m". Default 60 s, at most 300 s (5 minutes). */
  readonly ttl?: Seconds | string;
  /** The issue time, integer UNIX seconds (default: now). */
  readonly now?: UnixSeconds;
}

/**
 * Signs one app JWT for a REST request to the gateway: header `{alg, typ: "JWT", kid?}`, claims
 * `iss` (the App ID), `ist: "project"`, `iat`, `exp`, and a 128-bit random `jti` (the gateway
 * accepts each JWT once, so mint one per request). The OpenTok/Vonage project-token convention.
 * Throws StagepassError `ERR_INVALID_OPTION` naming the bad option.
 *
 * @example
 * ```ts
 * const jwt = createAppJwt({ appId, secret: process.env.STAGEPASS_SECRET! });
 * await fetch(`${gateway}/v1/apps/${appId}/sessions`, {
 *   method: 'POST', headers: { authorization: `Bearer ${jwt}`, 'content-type': 'application/json' }, body: '{}',
 * });
 * ```
 */
export function createAppJwt(options: AppJwtOptions): string {
  if (typeof options !== 'object' || options === null) throw invalidOption('options', 'must be an object');
  const appId = checkAppId(options.appId);
  const hasSecret = options.secret !== undefined;
  if (hasSecret === (options.privateKey !== undefined)) {
    throw invalidOption(hasSecret ? 'privateKey' : 'secret', 'give exactly one of secret or privateKey');
  }
  const key = importSigningKey(
    hasSecret ? { secret: options.secret!, kid: options.kid } : { privateKey: options.privateKey!, kid: options.kid },
  );
  const ttl = options.ttl === undefined ? DEFAULT_APP_JWT_TTL_SECONDS : parseTtl(options.ttl);
  if (ttl > MAX_APP_JWT_TTL_SECONDS) {
    throw invalidOption(
      'ttl',
      `must be at most ${MAX_APP_JWT_TTL_SECONDS} s: the gateway refuses app JWTs that reach further ahead`,
    );
  }
  const now = options.now === undefined ? toUnixSeconds(Date.now()) : unixSecondsOption(options.now, 'now');
  const header = key.kid === undefined ? { alg: key.alg, typ: 'JWT' } : { alg: key.alg, typ: 'JWT', kid: key.kid };
  const claims = { iss: appId, ist: APP_JWT_ISSUER_TYPE, iat: now, exp: now + ttl, jti: randomId128() };
  const signingInput = `${encodeBase64urlText(JSON.stringify(header))}.${encodeBase64urlText(JSON.stringify(claims))}`;
  return `${signingInput}.${key.sign(signingInput)}`;
}
