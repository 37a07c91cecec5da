import { createHmac, timingSafeEqual } from 'node:crypto';
import { decodeBase64Padded } from '../lib/base64.js';
import { refused } from '../lib/errors.js';
import {
  SCOPE,
  checkDataClaim,
  checkLayoutClaim,
  checkRoleClaim,
  checkSessionClaim,
  checkTime,
  claimInvalid,
  type NormalizedClaims,
} from './claims.js';
import type { MintClaims } from './mint-claims.js';

export const T1_PREFIX = 'T1==';
const PRINTABLE = /^[\x20-\x7e]*$/;
const SIG = /^[0-9a-f]{40}$/;
const DIGITS = /^(?:0|[1-9][0-9]{0,15})$/;

/** A T1 token split into its signed text and its head; nothing in it is believed yet. */
export interface T1Parts {
  readonly partnerId: string;
  readonly signature: Buffer;
  /** The signed query string after the first ':' */
  readonly signed: string;
}

function malformed(problem: string): never {
  throw refused('ERR_TOKEN_MALFORMED', `The T1 token ${problem}; pass the token exactly as it was minted.`);
}

/**
 * Parses `a=b&c=d` as application/x-www-form-urlencoded, strictly: every pair has `=`, names are
 * non-empty, percent escapes are well-formed UTF-8, and no name appears twice.
 */
export function parseStrictQuery(text: string, what: string): Map<string, string> {
  const pairs = new Map<string, string>();
  if (text === '') return pairs;
  for (const pair of text.split('&')) {
    const eq = pair.indexOf('=');
    if (eq <= 0) malformed(`${what} has a parameter without a name or '='`);
    let name: string;
    let value: string;
    try {
      name = decodeURIComponent(pair.slice(0, eq).replaceAll('+', ' '));
      value = decodeURIComponent(pair.slice(eq + 1).replaceAll('+', ' '));
    } catch {
      malformed(`${what} has a bad percent-escape`);
    }
    if (pairs.has(name)) malformed(`${what} repeats a parameter`);
    pairs.set(name, value);
  }
  return pairs;
}

/** Splits a `T1==` token (prefix already checked) on its first ':'. */
export function splitT1(token: string): T1Parts {
  const bytes = decodeBase64Padded(token.slice(T1_PREFIX.length));
  if (bytes === undefined) malformed('is not canonical base64');
  const text = bytes.toString('latin1');
  if (!PRINTABLE.test(text)) malformed('holds non-printable characters');
  const colon = text.indexOf(':');
  if (colon < 0) malformed('has no signed part');
  const head = parseStrictQuery(text.slice(0, colon), 'head');
  const partnerId = head.get('partner_id');
  const sig = head.get('sig');
  if (partnerId === undefined || sig === undefined || head.size !== 2)
    malformed('head must hold exactly partner_id and sig');
  if (!SIG.test(sig)) malformed('sig must be 40 lower-case hex digits');
  return { partnerId, signature: Buffer.from(sig, 'hex'), signed: text.slice(colon + 1) };
}

/** HMAC-SHA1 of the signed text with `secret`, compared in constant time. */
export function t1SignatureMatches(parts: T1Parts, secret: Buffer): boolean {
  return timingSafeEqual(createHmac('sha1', secret).update(parts.signed, 'latin1').digest(), parts.signature);
}

function t1Time(value: string | undefined, name: string): number {
  if (value === undefined || !DIGITS.test(value))
    claimInvalid(name, 'must be a non-empty decimal number of UNIX seconds');
  return checkTime(Number(value), name);
}

/** Reads the signed query of a T1 token whose signature has verified. */
export function readT1Claims(parts: T1Parts): NormalizedClaims {
  const query = parseStrictQuery(parts.signed, 'signed part');
  const scope = query.get('scope');
  if (scope !== undefined && scope !== SCOPE) claimInvalid('scope', `must be "${SCOPE}"`);
  const createTime = t1Time(query.get('create_time'), 'create_time');
  return {
    appId: parts.partnerId,
    sessionId: checkSessionClaim(query.get('session_id')),
    role: checkRoleClaim(query.get('role')),
    expireTime: t1Time(query.get('expire_time'), 'expire_time'),
    issuedAt: createTime,
    createTime,
    notBefore: undefined,
    data: checkDataClaim(query.get('connection_data')),
    layout: checkLayoutClaim(query.get('initial_layout_class_list')),
    tokenId: undefined,
  };
}

/**
 * Writes a T1 token exactly as OpenTok's SDK does: the same parameter order, percent-encoding
 * (so `&`, `=` and `:` in data stay data), HMAC-SHA1 hex signature and base64 wrapping.
 */
export function writeT1Token(claims: MintClaims, secret: Buffer): string {
  const signed =
    `session_id=${encodeURIComponent(claims.sessionId)}&create_time=${claims.now}` +
    `&nonce=${claims.nonce}&role=${claims.role}&expire_time=${claims.expireTime}` +
    (claims.data === undefined ? '' : `&connection_data=${encodeURIComponent(claims.data)}`) +
    `&initial_layout_class_list=${encodeURIComponent(claims.layout)}&scope=${SCOPE}`;
  const sig = createHmac('sha1', secret).update(signed, 'latin1').digest('hex');
  return (
    T1_PREFIX +
    Buffer.from(`partner_id=${encodeURIComponent(claims.appId)}&sig=${sig}:${signed}`, 'latin1').toString('base64')
  );
}
