import { isOpaqueId, isRole, type Role, type Seconds, type UnixSeconds } from '@stagepass/protocol';
import { createHash } from 'node:crypto';
import { refused } from '../lib/errors.js';
import {
  MAX_APP_ID_LENGTH,
  MAX_LAYOUT_LENGTH,
  MAX_LIFETIME_SECONDS,
  MAX_TOKEN_ID_LENGTH,
  MILLISECONDS_THRESHOLD,
} from '../lib/limits.js';
import { isAcceptableData, isSessionId } from '../lib/validate.js';

/** A token's claims once read and type-checked, whatever its format. */
export interface NormalizedClaims {
  readonly appId: string;
  readonly sessionId: string;
  readonly role: Role;
  readonly expireTime: UnixSeconds;
  readonly issuedAt: UnixSeconds;
  readonly createTime: UnixSeconds;
  readonly notBefore: UnixSeconds | undefined;
  readonly data: string | undefined;
  readonly layout: string;
  readonly tokenId: string | undefined;
}

export const SCOPE = 'session.connect';

export function claimInvalid(name: string, problem: string, advice = 'mint a new token with a current SDK'): never {
  throw refused('ERR_TOKEN_CLAIM_INVALID', `Token claim ${name} ${problem}; ${advice}.`);
}

/** The expiry claims: the SDKs write them from the backend's `expireTime` option, as given. */
const EXPIRY_CLAIMS: ReadonlySet<string> = new Set(['exp', 'expire_time']);

/**
 * What to do about a time in milliseconds. An expiry in milliseconds is the backend's doing, not its SDK's: the
 * OpenTok and Vonage SDKs copy `expireTime` into the token unchecked (and `@vonage/video` makes such a token
 * never expire), so a current SDK would mint the same token again.
 */
function millisecondsAdvice(name: string): string {
  return EXPIRY_CLAIMS.has(name)
    ? 'the backend passed milliseconds to expireTime (e.g. Date.now() + 3600000): its SDK wants UNIX seconds, e.g. Math.floor(Date.now() / 1000) + 3600'
    : 'whatever minted it wrote milliseconds (e.g. Date.now()) where UNIX seconds belong (Math.floor(Date.now() / 1000))';
}

/** A time claim: a non-negative integer of UNIX seconds (milliseconds are refused, not guessed). */
export function checkTime(value: unknown, name: string): UnixSeconds {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) {
    claimInvalid(name, 'must be a whole number of UNIX seconds');
  }
  if (value >= MILLISECONDS_THRESHOLD)
    claimInvalid(name, 'looks like milliseconds, not UNIX seconds', millisecondsAdvice(name));
  return value;
}

export function optionalTime(value: unknown, name: string): UnixSeconds | undefined {
  return value === undefined ? undefined : checkTime(value, name);
}

export function checkAppClaim(value: unknown, name: string): string {
  if (!isOpaqueId(value, MAX_APP_ID_LENGTH)) claimInvalid(name, 'must be an App ID');
  return value;
}

export function checkSessionClaim(value: unknown, name = 'session_id'): string {
  if (!isSessionId(value)) claimInvalid(name, 'must be a session ID (1–512 printable ASCII characters)');
  return value;
}

export function checkRoleClaim(value: unknown, name = 'role'): Role {
  if (!isRole(value)) claimInvalid(name, 'must be exactly subscriber, publisher, publisheronly or moderator');
  return value;
}

export function checkScopeClaim(value: unknown, name = 'scope'): void {
  if (value !== SCOPE) claimInvalid(name, `must be "${SCOPE}"`);
}

export function checkDataClaim(value: unknown, name = 'connection_data'): string | undefined {
  if (value === undefined) return undefined;
  if (!isAcceptableData(value)) claimInvalid(name, 'must be well-formed text of at most 1024 UTF-16 code units');
  return value;
}

export function checkLayoutClaim(value: unknown, name = 'initial_layout_class_list'): string {
  if (value === undefined) return '';
  if (typeof value !== 'string' || value.length > MAX_LAYOUT_LENGTH || !value.isWellFormed()) {
    claimInvalid(name, `must be a string of at most ${MAX_LAYOUT_LENGTH} characters`);
  }
  return value;
}

export function checkJtiClaim(value: unknown, name = 'jti'): string | undefined {
  if (value === undefined) return undefined;
  if (!isOpaqueId(value, MAX_TOKEN_ID_LENGTH))
    claimInvalid(name, `must be 1–${MAX_TOKEN_ID_LENGTH} printable ASCII characters`);
  return value;
}

/** The token ID of a token without `jti`: a digest of the whole token. */
export function digestTokenId(token: string): string {
  return `sha256:${createHash('sha256').update(token, 'latin1').digest('base64url')}`;
}

export interface ClaimChecks {
  readonly appId: string;
  readonly sessionId: string | undefined;
  readonly now: UnixSeconds;
  readonly clockTolerance: Seconds;
}

/**
 * The checks every format shares, in a fixed order: app, session, lifetime, not-before, expiry.
 * Runs only after the signature has been verified.
 */
export function checkClaims(claims: NormalizedClaims, checks: ClaimChecks): void {
  if (claims.appId !== checks.appId) {
    throw refused(
      'ERR_TOKEN_APP_MISMATCH',
      "The token was minted for another App ID than the one presented; use a token minted with this app's credentials.",
    );
  }
  if (checks.sessionId !== undefined && claims.sessionId !== checks.sessionId) {
    throw refused(
      'ERR_TOKEN_SESSION_MISMATCH',
      'The token is for another session; mint a token for the session being joined.',
    );
  }
  const start = Math.min(claims.issuedAt, claims.createTime);
  if (claims.expireTime - start > MAX_LIFETIME_SECONDS) {
    throw refused(
      'ERR_TOKEN_LIFETIME_TOO_LONG',
      `The token lives ${claims.expireTime - start} s from creation to expiry; at most ${MAX_LIFETIME_SECONDS} s (30 days) is accepted.`,
    );
  }
  const latest = checks.now + checks.clockTolerance;
  if (
    (claims.notBefore !== undefined && claims.notBefore > latest) ||
    claims.issuedAt > latest ||
    claims.createTime > latest
  ) {
    throw refused(
      'ERR_TOKEN_NOT_YET_VALID',
      'The token is not valid yet (its not-before or issue time is in the future); check the clocks of the minting server and this one.',
    );
  }
  if (claims.expireTime <= checks.now - checks.clockTolerance) {
    throw refused('ERR_TOKEN_EXPIRED', 'The token has expired; mint a fresh token for each connection.');
  }
}
