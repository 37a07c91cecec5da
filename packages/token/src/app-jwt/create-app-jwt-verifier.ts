import { invalidOption, isOpaqueId, toUnixSeconds, type Seconds, type UnixSeconds } from '@stagepass/protocol';
import { parseJsonPart, splitCompactJws, type JwsKind } from '../formats/jws.js';
import { refused } from '../lib/errors.js';
import { MILLISECONDS_THRESHOLD, isTokenTooLarge } from '../lib/limits.js';
import { checkAppId, clockToleranceOption, unixSecondsOption } from '../lib/validate.js';
import { importVerificationKey, type VerificationKey } from '../keys/import-key.js';
import type { JwsAlgorithm } from '../keys/algorithms.js';
import type { VerificationKeyInput } from '../keys/key-input.js';
import { chooseKeys, createKeyRing, type KeyChoiceFault } from '../keys/key-ring.js';
import { APP_JWT_ISSUER_TYPE, MAX_APP_JWT_ID_LENGTH, MAX_APP_JWT_TTL_SECONDS } from './app-jwt-limits.js';

/** The app whose backend signs the JWTs, and its keys. */
export interface AppJwtVerifierOptions {
  /** The App ID of the request (the REST path's `{appId}`); `iss` must be exactly this. */
  readonly appId: string;
  /**
   * The app's active keys: secrets (HS256) and/or public keys, each bound to its algorithm. An empty
   * list refuses every JWT after the same checks, with the same answer as a bad signature, so a
   * caller can treat an unknown app like a known one and never tell which apps exist.
   */
  readonly keys: readonly VerificationKeyInput[];
  /** Seconds of clock skew forgiven on `iat` and `exp`: 0–300, default 30. */
  readonly clockTolerance?: Seconds;
}

/** What a verified app JWT says. Times are integer UNIX seconds. */
export interface VerifiedAppJwt {
  readonly appId: string;
  /** `jti`: accept it once (remember it until `expireTime` + the clock tolerance). */
  readonly jti: string;
  readonly issuedAt: UnixSeconds;
  readonly expireTime: UnixSeconds;
  /** The `kid` of the key that verified it, if that key has one. */
  readonly keyId: string | undefined;
  readonly algorithm: JwsAlgorithm;
}

/** A reusable app JWT verifier for one app: keys are imported once, here. */
export interface AppJwtVerifier {
  readonly appId: string;
  /** Seconds of clock skew forgiven (also how long past `expireTime` a `jti` must be remembered). */
  readonly clockTolerance: Seconds;
  /**
   * Verifies one app JWT. Throws StagepassError `ERR_AUTH_INVALID` or `ERR_AUTH_EXPIRED`; never
   * returns an unverified result. Does not remember `jti`s: replay protection is the caller's.
   */
  verify(jwt: unknown, options?: { readonly now?: UnixSeconds }): VerifiedAppJwt;
}

/** One answer for every key-dependent refusal, so it does not tell whether the app or a key exists. */
const DOES_NOT_VERIFY =
  'The app JWT does not verify for this App ID: unknown app, or signed with another secret, key or algorithm (or a retired key).';

function invalid(message: string): never {
  throw refused('ERR_AUTH_INVALID', message);
}

/** The token package's strict JWS parsing, refusing in the words of an app JWT. */
const APP_JWT: JwsKind = Object.freeze({ noun: 'The app JWT', code: 'ERR_AUTH_INVALID' });

/** The refusal of an app JWT for which no key was chosen: header faults named, key faults all alike. */
function keyChoiceRefused(fault: KeyChoiceFault): never {
  switch (fault) {
    case 'no-alg':
      invalid('The app JWT header has no alg.');
    case 'alg-none':
      invalid('Unsigned app JWTs (alg "none") are never accepted.');
    case 'kid-not-string':
      invalid('The app JWT header kid must be a string.');
    case 'typ-not-jwt':
      invalid('The app JWT header typ must be "JWT".');
    case 'kid-other-alg':
    case 'kid-unknown':
    case 'alg-not-allowed':
      invalid(DOES_NOT_VERIFY);
  }
}

function timeClaim(value: unknown, name: string): UnixSeconds {
  if (value === undefined) invalid(`The app JWT has no ${name} claim.`);
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0 || value >= MILLISECONDS_THRESHOLD) {
    invalid(`The app JWT claim ${name} must be a whole number of UNIX seconds.`);
  }
  return value;
}

/**
 * Creates a reusable verifier of app JWTs for one app. Order: size, strict compact JWS (canonical
 * base64url, JSON objects without duplicate or `__proto__` members, no `crit`), `alg` bound to the
 * configured keys (`none` never), the signature (constant time for HMAC; every candidate key is
 * tried), and only then the claims: `iss` = the App ID, `ist` = "project", no session-token claims,
 * `iat`, `exp`, `jti`; `exp` passed (`ERR_AUTH_EXPIRED`) or more than 300 s ahead (`ERR_AUTH_EXPIRED`).
 *
 * @example
 * ```ts
 * const verifier = createAppJwtVerifier({ appId, keys: [{ secret }] });
 * const { jti, expireTime } = verifier.verify(jwt); // throws ERR_AUTH_INVALID / ERR_AUTH_EXPIRED
 * if (!replayGuard.claim(appId, `app-jwt:${jti}`, expireTime + verifier.clockTolerance)) refuse();
 * ```
 */
export function createAppJwtVerifier(options: AppJwtVerifierOptions): AppJwtVerifier {
  if (typeof options !== 'object' || options === null)
    throw invalidOption('options', 'must be an object with appId and keys');
  const appId = checkAppId(options.appId);
  if (!Array.isArray(options.keys)) throw invalidOption('keys', 'must be an array of keys');
  const keys = options.keys.map((key, i) => importVerificationKey(key, `keys[${i}]`));
  const kids = keys.flatMap((key) => (key.kid === undefined ? [] : [key.kid]));
  if (new Set(kids).size !== kids.length) throw invalidOption('keys', 'two keys share a kid');
  const ring = createKeyRing(keys);
  const clockTolerance = clockToleranceOption(options.clockTolerance);

  function verify(jwt: unknown, verifyOptions: { readonly now?: UnixSeconds } = {}): VerifiedAppJwt {
    if (typeof verifyOptions !== 'object' || verifyOptions === null)
      throw invalidOption('options', 'must be an object');
    const now =
      verifyOptions.now === undefined ? toUnixSeconds(Date.now()) : unixSecondsOption(verifyOptions.now, 'now');
    if (typeof jwt !== 'string' || jwt === '') invalid('The app JWT is missing.');
    if (isTokenTooLarge(jwt)) invalid('The app JWT is larger than 8 KiB.');
    const jws = splitCompactJws(jwt, APP_JWT);
    const candidates = chooseKeys(ring, jws.header);
    if (typeof candidates === 'string') keyChoiceRefused(candidates);
    // Every candidate is tried, so timing does not tell which key (if any) came close.
    let matched: VerificationKey | undefined;
    for (const key of candidates) {
      if (key.verify(jws.signingInput, jws.signature) && matched === undefined) matched = key;
    }
    if (matched === undefined) invalid(DOES_NOT_VERIFY);
    // Only now is anything in the claims believed.
    const claims = parseJsonPart(jws.payload, 'claims', APP_JWT);
    if (claims.iss !== appId) invalid('The app JWT claim iss is not the App ID of the request.');
    if (claims.ist !== APP_JWT_ISSUER_TYPE) invalid(`The app JWT claim ist must be "${APP_JWT_ISSUER_TYPE}".`);
    // A client token of this app is signed with the same secret: it must never work as an app JWT.
    if (claims.scope !== undefined || claims.session_id !== undefined) {
      invalid('This is a session token, not an app JWT; sign an app JWT (iss, ist, iat, exp, jti) for REST requests.');
    }
    const issuedAt = timeClaim(claims.iat, 'iat');
    const expireTime = timeClaim(claims.exp, 'exp');
    const { jti } = claims;
    if (jti === undefined) invalid('The app JWT has no jti claim; each app JWT needs a unique one.');
    if (!isOpaqueId(jti, MAX_APP_JWT_ID_LENGTH))
      invalid(`The app JWT claim jti must be 1–${MAX_APP_JWT_ID_LENGTH} printable ASCII characters.`);
    if (expireTime <= issuedAt) invalid('The app JWT claim exp must be after iat.');
    if (issuedAt > now + clockTolerance)
      invalid('The app JWT was issued in the future (iat); check the clocks of the backend and the gateway.');
    if (expireTime <= now - clockTolerance) {
      throw refused('ERR_AUTH_EXPIRED', 'The app JWT has expired; sign a fresh one for each request.');
    }
    if (expireTime > now + MAX_APP_JWT_TTL_SECONDS + clockTolerance) {
      throw refused(
        'ERR_AUTH_EXPIRED',
        `The app JWT expires more than ${MAX_APP_JWT_TTL_SECONDS} s ahead; app JWTs live at most 5 minutes.`,
      );
    }
    return { appId, jti, issuedAt, expireTime, keyId: matched.kid, algorithm: matched.alg };
  }

  return { appId, clockTolerance, verify };
}
