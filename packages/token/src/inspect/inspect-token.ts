import { decodeBase64url } from '../lib/base64.js';
import { refused } from '../lib/errors.js';
import { MAX_TOKEN_BYTES, isTokenTooLarge } from '../lib/limits.js';
import { parseJsonObject } from '../lib/strict-json.js';
import { T1_PREFIX, parseStrictQuery, splitT1 } from '../formats/opentok-t1.js';
import type { TokenFormat } from '../types.js';

/** A token decoded WITHOUT verification: nothing in it can be trusted. */
export interface InspectedToken {
  /** Always false: a reminder that inspection proves nothing. */
  readonly verified: false;
  /** The format the token looks like. */
  readonly format: TokenFormat;
  /** The JWS header, or for T1 the head (`partner_id`, `sig`). */
  readonly header: Readonly<Record<string, unknown>>;
  /** The claims as written: JWS claims, or T1's signed parameters (all strings). */
  readonly claims: Readonly<Record<string, unknown>>;
}

function undecodable(problem: string): never {
  throw refused('ERR_TOKEN_MALFORMED', `The token cannot be decoded: ${problem}.`);
}

/**
 * Decodes a token without checking its signature or claims, for debugging and support. Never use
 * the result to admit anyone: use a verifier.
 *
 * @example
 * ```ts
 * const { format, claims } = inspectToken(token); // verified: false
 * ```
 */
export function inspectToken(token: unknown): InspectedToken {
  if (typeof token !== 'string') undecodable('it is not a string');
  if (isTokenTooLarge(token))
    throw refused('ERR_TOKEN_TOO_LARGE', `The token is larger than ${MAX_TOKEN_BYTES} bytes.`);
  if (token.startsWith(T1_PREFIX)) {
    const parts = splitT1(token);
    return {
      verified: false,
      format: 'opentok-t1',
      header: { partner_id: parts.partnerId, sig: parts.signature.toString('hex') },
      claims: Object.fromEntries(parseStrictQuery(parts.signed, 'signed part')),
    };
  }
  const segments = token.split('.');
  if (segments.length !== 3) undecodable('it is neither a T1 token nor a compact JWS of three parts');
  const [header, claims] = segments.slice(0, 2).map((segment) => {
    const bytes = decodeBase64url(segment);
    const value = bytes === undefined ? undefined : parseJsonObject(bytes);
    if (value === undefined || typeof value === 'string') undecodable('a part is not base64url JSON');
    return value;
  }) as [Record<string, unknown>, Record<string, unknown>];
  const format: TokenFormat = claims.iss === undefined && claims.application_id !== undefined ? 'vonage' : 'stagepass';
  return { verified: false, format, header, claims };
}
