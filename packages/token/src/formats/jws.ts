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
  'utf8': 'is not valid UTF-8',
  'syntax': 'is not valid JSON',
  'not-object': 'is not a JSON object',
  'duplicate': 'has a duplicate member name',
  'forbidden': 'has a member named __proto__',
};

function malformed(problem: string): never {
  throw refused('ERR_TOKEN_MALFORMED', `The token ${problem}; pass the token exactly as it was minted.`);
}

/** Parses a decoded header or claims segment strictly. */
export function parseJsonPart(bytes: Buffer, what: 'header' | 'claims'): JsonObject {
  const value = parseJsonObject(bytes);
  if (typeof value === 'string') malformed(`${what} ${FAULT_TEXT[value]}`);
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
 * With `headerCache`, a header segment seen before is not decoded again: all tokens of one key
 * share one header, so a verifier parses it once (a bounded cache of validated headers only).
 */
export function splitCompactJws(token: string, headerCache?: Map<string, JsonObject>): CompactJws {
  const first = token.indexOf('.');
  const second = first < 0 ? -1 : token.indexOf('.', first + 1);
  if (second < 0 || token.indexOf('.', second + 1) >= 0) malformed('is not a compact JWS of three dot-separated parts');
  const headerSegment = token.slice(0, first);
  let header = headerCache?.get(headerSegment);
  if (header === undefined) {
    const headerBytes = decodeBase64url(headerSegment);
    if (headerBytes === undefined) malformed('header is not canonical base64url');
    header = parseJsonPart(headerBytes, 'header');
    if (header.crit !== undefined) malformed('header has a crit (critical extension) this verifier does not implement');
    if (headerCache !== undefined) {
      if (headerCache.size >= MAX_CACHED_HEADERS) headerCache.clear();
      headerCache.set(headerSegment, header);
    }
  }
  const payload = decodeBase64url(token.slice(first + 1, second));
  if (payload === undefined) malformed('claims are not canonical base64url');
  const signature = decodeBase64url(token.slice(second + 1));
  if (signature === undefined) malformed('signature is not canonical base64url');
  return { header, signingInput: token.slice(0, second), payload, signature };
}
