/**
 * What every app JWT profile shares (internal): the keys of one app imported once, and the checks
 * made before any claim is believed (size, strict compact JWS, `alg` bound to the keys, signature).
 */
import { invalidOption, toUnixSeconds, type Seconds, type UnixSeconds } from '@stagepass/protocol';
import { parseJsonPart, splitCompactJws, type JwsKind } from '../formats/jws.js';
import { refused } from '../lib/errors.js';
import { MILLISECONDS_THRESHOLD, isTokenTooLarge } from '../lib/limits.js';
import { checkAppId, clockToleranceOption, unixSecondsOption } from '../lib/validate.js';
import { importVerificationKey, type VerificationKey } from '../keys/import-key.js';
import type { VerificationKeyInput } from '../keys/key-input.js';
import { chooseKeys, createKeyRing, type KeyChoiceFault, type KeyRing } from '../keys/key-ring.js';

/** One answer for every key-dependent refusal, so it does not tell whether the app or a key exists. */
export const DOES_NOT_VERIFY =
  'The app JWT does not verify for this App ID: unknown app, or signed with another secret, key or algorithm (or a retired key).';

export function invalid(message: string): never {
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

export function timeClaim(value: unknown, name: string): UnixSeconds {
  if (value === undefined) invalid(`The app JWT has no ${name} claim.`);
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0 || value >= MILLISECONDS_THRESHOLD) {
    invalid(`The app JWT claim ${name} must be a whole number of UNIX seconds.`);
  }
  return value;
}

/** One app's keys, imported once, and its clock tolerance. */
export interface AppKeyring {
  readonly appId: string;
  readonly ring: KeyRing;
  readonly clockTolerance: Seconds;
}

/** Checks the options every app JWT verifier takes: `appId`, `keys`, `clockTolerance`. */
export function appKeyring(options: {
  readonly appId: string;
  readonly keys: readonly VerificationKeyInput[];
  readonly clockTolerance?: Seconds;
}): AppKeyring {
  if (typeof options !== 'object' || options === null)
    throw invalidOption('options', 'must be an object with appId and keys');
  const appId = checkAppId(options.appId);
  if (!Array.isArray(options.keys)) throw invalidOption('keys', 'must be an array of keys');
  const keys = options.keys.map((key, i) => importVerificationKey(key, `keys[${i}]`));
  const kids = keys.flatMap((key) => (key.kid === undefined ? [] : [key.kid]));
  if (new Set(kids).size !== kids.length) throw invalidOption('keys', 'two keys share a kid');
  return { appId, ring: createKeyRing(keys), clockTolerance: clockToleranceOption(options.clockTolerance) };
}

/** The verify call's `now`, checked. */
export function verifyNow(verifyOptions: { readonly now?: UnixSeconds }): UnixSeconds {
  if (typeof verifyOptions !== 'object' || verifyOptions === null) throw invalidOption('options', 'must be an object');
  return verifyOptions.now === undefined ? toUnixSeconds(Date.now()) : unixSecondsOption(verifyOptions.now, 'now');
}

/**
 * Size, strict compact JWS (canonical base64url, JSON objects without duplicate or `__proto__`
 * members, no `crit`), `alg` bound to the keys (`none` never), the signature (constant time for
 * HMAC; every candidate key is tried); only then are the claims parsed. Refusals: ERR_AUTH_INVALID.
 */
export function openSignedAppJwt(
  keyring: AppKeyring,
  jwt: unknown,
): { readonly claims: Record<string, unknown>; readonly key: VerificationKey } {
  if (typeof jwt !== 'string' || jwt === '') invalid('The app JWT is missing.');
  if (isTokenTooLarge(jwt)) invalid('The app JWT is larger than 8 KiB.');
  const jws = splitCompactJws(jwt, APP_JWT);
  const candidates = chooseKeys(keyring.ring, jws.header);
  if (typeof candidates === 'string') keyChoiceRefused(candidates);
  // Every candidate is tried, so timing does not tell which key (if any) came close.
  let matched: VerificationKey | undefined;
  for (const key of candidates) {
    if (key.verify(jws.signingInput, jws.signature) && matched === undefined) matched = key;
  }
  if (matched === undefined) invalid(DOES_NOT_VERIFY);
  return { claims: parseJsonPart(jws.payload, 'claims', APP_JWT), key: matched };
}

/** A client session token of this app is signed with the same key: it must never work as an app JWT. */
export function refuseSessionToken(claims: Record<string, unknown>): void {
  if (claims.scope !== undefined || claims.session_id !== undefined) {
    invalid('This is a session token, not an app JWT; sign an app JWT (iss, ist, iat, exp, jti) for REST requests.');
  }
}

/** `iat` and `exp`: present, ordered, not issued in the future, not expired, at most `maxTtl` ahead. */
export function checkTimes(
  claims: Record<string, unknown>,
  now: UnixSeconds,
  clockTolerance: Seconds,
  maxTtl: Seconds,
): { readonly issuedAt: UnixSeconds; readonly expireTime: UnixSeconds } {
  const issuedAt = timeClaim(claims.iat, 'iat');
  const expireTime = timeClaim(claims.exp, 'exp');
  if (expireTime <= issuedAt) invalid('The app JWT claim exp must be after iat.');
  if (issuedAt > now + clockTolerance)
    invalid('The app JWT was issued in the future (iat); check the clocks of the backend and the gateway.');
  if (expireTime <= now - clockTolerance) {
    throw refused('ERR_AUTH_EXPIRED', 'The app JWT has expired; sign a fresh one for each request.');
  }
  if (expireTime > now + maxTtl + clockTolerance) {
    throw refused(
      'ERR_AUTH_EXPIRED',
      `The app JWT expires more than ${maxTtl} s ahead; app JWTs here live at most ${maxTtl / 60} minutes.`,
    );
  }
  return { issuedAt, expireTime };
}
