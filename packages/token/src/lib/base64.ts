/**
 * Strict, canonical base64 decoding: one byte string has exactly one accepted spelling, so a deny
 * or replay list keyed on a token (or its signature) cannot be dodged by re-spelling it.
 */

const BASE64_PADDED = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

function sextet(code: number): number {
  if (code >= 65 && code <= 90) return code - 65; // A-Z
  if (code >= 97 && code <= 122) return code - 71; // a-z
  if (code >= 48 && code <= 57) return code + 4; // 0-9
  return code === 45 || code === 43 ? 62 : 63; // '-' or '+', else '_' or '/'
}

/**
 * Decodes unpadded base64url (RFC 7515 §2). Returns undefined for any other alphabet, padding,
 * an impossible length, or non-zero bits after the last byte.
 *
 * Node's decoder skips or stops at characters outside its alphabets, so any such character makes
 * the output shorter than the length implies: comparing lengths checks the alphabet without a
 * pass of our own over the text (this is on every verification). What Node accepts but base64url
 * does not (`+`, `/`; `=` also shortens the output) is looked for explicitly, and so are non-ASCII
 * characters, which Node would read by their low byte. The test suite
 * feeds every other character at every position of a segment to keep this honest.
 */
export function decodeBase64url(text: string): Buffer | undefined {
  const rest = text.length & 3;
  // Non-ASCII first: Node's decoder reads a character by its low byte ('ī' as '+', 'Ł' as 'A').
  if (rest === 1 || Buffer.byteLength(text, 'utf8') !== text.length) return undefined;
  const bytes = Buffer.from(text, 'base64url');
  if (bytes.length !== (text.length * 3) >>> 2 || text.includes('+') || text.includes('/')) return undefined;
  if (rest !== 0) {
    const unusedBits = rest === 2 ? 0x0f : 0x03;
    if ((sextet(text.charCodeAt(text.length - 1)) & unusedBits) !== 0) return undefined;
  }
  return bytes;
}

/** Decodes padded standard base64 (as OpenTok's T1 tokens use it), canonical spelling only. */
export function decodeBase64Padded(text: string): Buffer | undefined {
  if ((text.length & 3) !== 0 || !BASE64_PADDED.test(text)) return undefined;
  const bytes = Buffer.from(text, 'base64');
  return bytes.toString('base64') === text ? bytes : undefined;
}

/** Scratch space for encoding: one write and one read, no Buffer allocated per token. */
const scratch = Buffer.allocUnsafe(16384);

/** Encodes a UTF-8 string as unpadded base64url. */
export function encodeBase64urlText(text: string): string {
  // 3 bytes per UTF-16 unit is the most UTF-8 can take; larger texts get a Buffer of their own.
  if (text.length * 3 > scratch.length) return Buffer.from(text, 'utf8').toString('base64url');
  const length = scratch.write(text, 0, 'utf8');
  return scratch.toString('base64url', 0, length);
}
