/**
 * Checks for everything the registry stores, run once at the edge of each method: a bad value is
 * refused with StagepassError ERR_INVALID_OPTION whose `details.option` names it. Messages never
 * hold a secret; names, origins and key IDs are not secret and may be quoted.
 */
import { createPrivateKey, createPublicKey, type KeyObject } from 'node:crypto';
import { invalidOption, isOpaqueId, isStagepassError, type MediaMode } from '@stagepass/protocol';
import {
  algorithmForKey,
  createVerifier,
  limits,
  type AsymmetricAlgorithm,
  type VerificationKeyInput,
} from '@stagepass/token';
import type { Revocation } from './app-registry.js';
import type { AppSettings } from './app-record.js';

/** Longest app name, in UTF-16 code units. */
export const MAX_APP_NAME_LENGTH = 200;
/** Longest HS256 secret accepted, in bytes (OpenTok's are 40 hex characters; ours 64). */
const MAX_SECRET_BYTES = 1024;
/** Longest public key PEM accepted, in characters (a 16384-bit RSA SPKI PEM is about 2.9 KB). */
const MAX_PUBLIC_KEY_PEM_LENGTH = 16384;
/** Most entries in `allowedOrigins`. */
export const MAX_ALLOWED_ORIGINS = 100;
/** Bounds of `maxConnectionsPerSession`. */
export const MAX_CONNECTIONS_PER_SESSION = 100_000;
/**
 * Most active keys per app: a token without `kid` (as the OpenTok SDKs mint) is tried against every
 * active key of its algorithm, so the list stays short. Retired keys do not count.
 */
export const MAX_ACTIVE_KEYS = 20;
/** Token IDs (`jti`, or `sha256:…` for formats without one): as the verifier accepts them. */
const { MAX_TOKEN_ID_LENGTH } = limits;
/** IDs claimed in the replay guard: a token ID with room for a caller's namespace prefix (`app-jwt:`). */
export const MAX_CLAIM_ID_LENGTH = 512;

/** The setting names, in display order. */
export const SETTING_NAMES = [
  'legacyT1',
  'singleUseTokens',
  'ejectAtExpiry',
  'allowedOrigins',
  'maxConnectionsPerSession',
  'mediaMode',
] as const satisfies readonly (keyof AppSettings)[];

const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;

/** An App ID as tokens carry it: 1–256 printable ASCII characters, no spaces. */
export function checkAppId(value: unknown, option = 'appId'): string {
  if (!isOpaqueId(value, limits.MAX_APP_ID_LENGTH)) {
    throw invalidOption(
      option,
      `must be 1–${limits.MAX_APP_ID_LENGTH} printable ASCII characters without spaces (a UUID, an OpenTok API key or a Vonage application ID)`,
    );
  }
  return value;
}

/** A key ID: 1–128 printable ASCII characters, no spaces (as the token header's `kid`). */
export function checkKid(value: unknown, option = 'kid'): string {
  if (!isOpaqueId(value, limits.MAX_KID_LENGTH)) {
    throw invalidOption(option, `must be 1–${limits.MAX_KID_LENGTH} printable ASCII characters without spaces`);
  }
  return value;
}

/** A display name: 1–200 characters of text, no control characters, not only spaces. */
export function checkAppName(value: unknown, option = 'name'): string {
  if (typeof value !== 'string' || value.trim() === '') throw invalidOption(option, 'must be a non-empty string');
  if (value.length > MAX_APP_NAME_LENGTH)
    throw invalidOption(option, `must be at most ${MAX_APP_NAME_LENGTH} characters`);
  if (!value.isWellFormed() || CONTROL.test(value))
    throw invalidOption(option, 'must be text without control characters');
  return value;
}

/** An HS256 secret: its UTF-8 bytes are the key (as the OpenTok SDKs use it), 32–1024 bytes. */
export function checkSecret(value: unknown, option = 'secret'): string {
  if (typeof value !== 'string') throw invalidOption(option, 'must be a string');
  const bytes = Buffer.byteLength(value, 'utf8');
  if (bytes < limits.MIN_SECRET_BYTES) {
    throw invalidOption(
      option,
      `is ${bytes} bytes; HS256 secrets must be at least ${limits.MIN_SECRET_BYTES} bytes (e.g. 32 random bytes, hex-encoded)`,
    );
  }
  if (bytes > MAX_SECRET_BYTES) throw invalidOption(option, `must be at most ${MAX_SECRET_BYTES} bytes`);
  if (!value.isWellFormed()) throw invalidOption(option, 'must be well-formed text');
  return value;
}

/**
 * A public key as PEM (SPKI `BEGIN PUBLIC KEY`, or PKCS#1 `BEGIN RSA PUBLIC KEY`), imported with
 * node:crypto to prove it reads; returns it re-exported as SPKI PEM with the algorithm its type
 * fixes (Ed25519 → EdDSA, P-256 → ES256, RSA ≥ 2048 bits → RS256). A private key is refused: the
 * registry never holds one.
 */
export function checkPublicKeyPem(value: unknown, option = 'publicKeyPem'): { pem: string; alg: AsymmetricAlgorithm } {
  if (typeof value !== 'string' || !value.includes('-----BEGIN ')) {
    throw invalidOption(option, 'must be a public key in PEM (-----BEGIN PUBLIC KEY-----)');
  }
  if (value.length > MAX_PUBLIC_KEY_PEM_LENGTH)
    throw invalidOption(option, `must be at most ${MAX_PUBLIC_KEY_PEM_LENGTH} characters`);
  if (/-----BEGIN [A-Z ]*PRIVATE KEY-----/.test(value) || isPrivateKey(value)) {
    throw invalidOption(option, 'is a private key; register only its public half (openssl pkey -in key.pem -pubout)');
  }
  let key: KeyObject;
  try {
    key = createPublicKey({ key: value, format: 'pem' });
  } catch {
    throw invalidOption(option, 'is not a readable public key (PEM expected: -----BEGIN PUBLIC KEY-----)');
  }
  const alg = algorithmForKey(key, option);
  return { pem: key.export({ type: 'spki', format: 'pem' }).toString(), alg };
}

function isPrivateKey(pem: string): boolean {
  try {
    createPrivateKey({ key: pem, format: 'pem' });
    return true;
  } catch {
    return false;
  }
}

/**
 * Proves that `@stagepass/token` accepts a key exactly as the registry is about to store it, so
 * the gateway can never load a key its verifier refuses.
 */
export function checkVerifierAccepts(key: VerificationKeyInput, option: string): void {
  try {
    createVerifier({ apps: [{ appId: 'registry-check', keys: [key] }] });
  } catch (err) {
    // The verifier names the option as it sees it (apps[0].keys[0]…); the rule alone reads right under ours.
    const rule = isStagepassError(err) ? (err.rule ?? err.message) : 'is refused by the token verifier';
    throw invalidOption(option, rule);
  }
}

/** An exact origin as browsers send it: `http(s)://host[:port]`, nothing else. */
function checkOrigin(value: unknown, option: string): string {
  if (typeof value !== 'string' || value.length === 0 || value.length > 2048) {
    throw invalidOption(option, 'must be an origin such as https://app.example.com');
  }
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw invalidOption(option, 'is not an origin such as https://app.example.com');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw invalidOption(option, 'must be an http: or https: origin such as https://app.example.com');
  }
  // Browsers send the serialised origin: lower-case host, no default port, no path or trailing slash.
  if (url.origin !== value) {
    throw invalidOption(
      option,
      `must be exactly an origin, scheme://host[:port] with no path, no trailing slash and no default port (did you mean ${url.origin}?)`,
    );
  }
  return value;
}

function checkBoolean(value: unknown, option: string): boolean {
  if (typeof value !== 'boolean') throw invalidOption(option, 'must be true or false');
  return value;
}

function checkOrigins(value: unknown, option: string): readonly string[] {
  if (!Array.isArray(value)) throw invalidOption(option, 'must be an array of origins (empty = any origin)');
  if (value.length > MAX_ALLOWED_ORIGINS)
    throw invalidOption(option, `must hold at most ${MAX_ALLOWED_ORIGINS} origins`);
  const origins = value.map((item, i) => checkOrigin(item, `${option}[${i}]`));
  return Object.freeze([...new Set(origins)]);
}

function checkMaxConnections(value: unknown, option: string): number | null {
  if (value === null) return null;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1 || value > MAX_CONNECTIONS_PER_SESSION) {
    throw invalidOption(
      option,
      `must be null (the gateway's default) or a whole number from 1 to ${MAX_CONNECTIONS_PER_SESSION}`,
    );
  }
  return value;
}

/** `relayed` or `routed`. */
export function checkMediaMode(value: unknown, option: string): MediaMode {
  if (value !== 'relayed' && value !== 'routed') throw invalidOption(option, 'must be "relayed" or "routed"');
  return value;
}

/**
 * `base` with the given settings applied (undefined members are left as they are), every value
 * checked. Unknown setting names are refused so that a typo never silently does nothing.
 */
export function mergeSettings(base: AppSettings, patch: unknown, option = 'settings'): AppSettings {
  if (patch === undefined) return base;
  if (typeof patch !== 'object' || patch === null || Array.isArray(patch))
    throw invalidOption(option, 'must be an object');
  const given = patch as Record<string, unknown>;
  for (const name of Object.keys(given)) {
    if (!(SETTING_NAMES as readonly string[]).includes(name)) {
      const shown = /^\w{1,40}$/.test(name) ? `${option}.${name}` : option;
      throw invalidOption(shown, `unknown setting; the settings are ${SETTING_NAMES.join(', ')}`);
    }
  }
  const pick = <T>(name: keyof AppSettings, check: (value: unknown, option: string) => T, current: T): T =>
    given[name] === undefined ? current : check(given[name], `${option}.${name}`);
  return Object.freeze({
    legacyT1: pick('legacyT1', checkBoolean, base.legacyT1),
    singleUseTokens: pick('singleUseTokens', checkBoolean, base.singleUseTokens),
    ejectAtExpiry: pick('ejectAtExpiry', checkBoolean, base.ejectAtExpiry),
    allowedOrigins: pick('allowedOrigins', checkOrigins, base.allowedOrigins),
    maxConnectionsPerSession: pick('maxConnectionsPerSession', checkMaxConnections, base.maxConnectionsPerSession),
    mediaMode: pick('mediaMode', checkMediaMode, base.mediaMode),
  });
}

/** True when two settings objects say the same. */
export function sameSettings(a: AppSettings, b: AppSettings): boolean {
  return (
    a.legacyT1 === b.legacyT1 &&
    a.singleUseTokens === b.singleUseTokens &&
    a.ejectAtExpiry === b.ejectAtExpiry &&
    a.maxConnectionsPerSession === b.maxConnectionsPerSession &&
    a.mediaMode === b.mediaMode &&
    a.allowedOrigins.length === b.allowedOrigins.length &&
    a.allowedOrigins.every((origin, i) => origin === b.allowedOrigins[i])
  );
}

/** Integer UNIX seconds (not milliseconds), as token times are. */
export function checkUnixSeconds(value: unknown, option: string): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0) {
    throw invalidOption(option, 'must be a whole, non-negative number of UNIX seconds');
  }
  if (value >= limits.MILLISECONDS_THRESHOLD) {
    throw invalidOption(option, 'looks like milliseconds; pass UNIX time in seconds');
  }
  return value;
}

/** A token ID as the verifier reports it (`tokenId`): 1–256 printable ASCII characters. */
export function checkTokenId(value: unknown, option = 'tokenId', max = MAX_TOKEN_ID_LENGTH): string {
  if (!isOpaqueId(value, max)) {
    throw invalidOption(option, `must be 1–${max} printable ASCII characters without spaces (the token's tokenId)`);
  }
  return value;
}

/** A revocation, checked; `nowSeconds` bounds `issuedBefore` (a revocation of the future is refused). */
export function checkRevocation(value: unknown, nowSeconds: number, option = 'revocation'): Revocation {
  if (typeof value !== 'object' || value === null) throw invalidOption(option, 'must be an object');
  const revocation = value as Record<string, unknown>;
  if (revocation.kind === 'token') {
    return {
      kind: 'token',
      tokenId: checkTokenId(revocation.tokenId, `${option}.tokenId`),
      expireTime: checkUnixSeconds(revocation.expireTime, `${option}.expireTime`),
    };
  }
  if (revocation.kind === 'issuedBefore') {
    const sessionId = revocation.sessionId ?? null;
    if (sessionId !== null && !isOpaqueId(sessionId, limits.MAX_SESSION_ID_LENGTH)) {
      throw invalidOption(
        `${option}.sessionId`,
        `must be null (every session) or 1–${limits.MAX_SESSION_ID_LENGTH} printable ASCII characters without spaces`,
      );
    }
    const issuedBefore = checkUnixSeconds(revocation.issuedBefore, `${option}.issuedBefore`);
    // Later than the clock tolerance ahead, it would also refuse tokens not minted yet.
    if (issuedBefore > nowSeconds + limits.MAX_CLOCK_TOLERANCE) {
      throw invalidOption(
        `${option}.issuedBefore`,
        'is in the future; it would also refuse tokens minted after the revocation',
      );
    }
    return { kind: 'issuedBefore', sessionId, issuedBefore };
  }
  throw invalidOption(`${option}.kind`, 'must be "token" or "issuedBefore"');
}
