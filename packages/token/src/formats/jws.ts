import type { ErrorCode } from '@stagepass/protocol';
import { decodeBase64url } from '../lib/base64.js';
import { refused } from '../lib/errors.js';
import { parseJsonObject, type JsonObject, type StrictJsonFault } from '../lib/strict-json.js';

/** A compact JWS split into its parts; nothing in it is believed yet. */
export interface CompactJws {
  readonly header: JsonObject;
  /** `header.payload`, the bytes the signature covers. */
  readonly signingInput: string;
  /** The decoded claims bytes; parsed only once the signature has verified. */
  readonly payload: Buffer;
  readonly signature: Buffer;
}

const FAULT_TEXT: Record<StrictJsonFault, string> = {
  utf8: 'is not valid UTF-8',
  syntax: 'is not valid JSON',
  'not-object': 'is not a JSON object',
  duplicate: 'has a duplicate member name',
  forbidden: 'has a member named __proto__',
};

/**
 * What a malformed JWS is called in its refusal, and the code: a session token and an app JWT
 * are parsed alike but refused in their own words. One constant per kind, so no call allocates.
 */
export interface JwsKind {
  /** The subject of the message: `The token`, `The app JWT`. */
  readonly noun: string;
  readonly code: ErrorCode;
}

/** A session token: ERR_TOKEN_MALFORMED, "The token …". */
export const SESSION_TOKEN_JWS: JwsKind = Object.freeze({ noun: 'The token', code: 'ERR_TOKEN_MALFORMED' });

function malformed(kind: JwsKind, problem: string): never {
  throw refused(kind.code, `${kind.noun} ${problem}; pass the token exactly as it was minted.`);
}

/** Parses a decoded header or claims segment strictly. */
export function parseJsonPart(bytes: Buffer, what: 'header' | 'claims', kind: JwsKind): JsonObject {
  const value = parseJsonObject(bytes);
  if (typeof value === 'string') malformed(kind, `${what} ${FAULT_TEXT[value]}`);
  return value;
}

/** Most distinct headers remembered by one cache (an app has a handful: one per key). */
const MAX_CACHED_HEADERS = 64;

/**
 * Splits a compact JWS and reads its header. Refuses anything but exactly three segments in the
 * strict base64url alphabet, a header that is not a JSON object, and any `crit` (we implement no
 * extension, so every critical one is unknown). `jku`, `x5u`, `jwk`, `x5c` are ignored: keys come
 * from configuration only.
 *
 * Refusals are `kind`'s code and name it (`The token …`, `The app JWT …`).
 *
 * With `headerCache`, a header segment seen before is not decoded again: all tokens of one key
 * share one header, so a verifier parses it once (a bounded cache of validated headers only).
 */
export function splitCompactJws(token: string, kind: JwsKind, headerCache?: Map<string, JsonObject>): CompactJws {
  const first = token.indexOf('.');
  const second = first < 0 ? -1 : token.indexOf('.', first + 1);
  if (second < 0 || token.indexOf('.', second + 1) >= 0)
    malformed(kind, 'is not a compact JWS of three dot-separated parts');
  const headerSegment = token.slice(0, first);
  let header = headerCache?.get(headerSegment);
  if (header === undefined) {
    const headerBytes = decodeBase64url(headerSegment);
    if (headerBytes === undefined) malformed(kind, 'header is not canonical base64url');
    header = parseJsonPart(headerBytes, 'header', kind);
    if (header.crit !== undefined)
      malformed(kind, 'header has a crit (critical extension) this verifier does not implement');
    if (headerCache !== undefined) {
      if (headerCache.size >= MAX_CACHED_HEADERS) headerCache.clear();
      headerCache.set(headerSegment, header);
    }
  }
  const payload = decodeBase64url(token.slice(first + 1, second));
  if (payload === undefined) malformed(kind, 'claims are not canonical base64url');
  const signature = decodeBase64url(token.slice(second + 1));
  if (signature === undefined) malformed(kind, 'signature is not canonical base64url');
  return { header, signingInput: token.slice(0, second), payload, signature };
}
