import { isUtf8 } from 'node:buffer';

/** Member names refused anywhere in a token's JSON: they could reach a prototype in careless code. */
const FORBIDDEN_MEMBER = '__proto__';

export type JsonObject = Record<string, unknown>;

/** Why a JSON text was refused; the caller turns it into a coded error. */
export type StrictJsonFault = 'utf8' | 'syntax' | 'not-object' | 'duplicate' | 'forbidden';

/**
 * Parses UTF-8 bytes that must hold one JSON object. Refuses invalid UTF-8, any other JSON value,
 * duplicate member names at any depth (compared after unescaping) and `__proto__` members.
 * Returns the object, or the fault as a string.
 *
 * Duplicates: JSON.parse silently keeps the last of two equal names, which would let two readers
 * of one token disagree. So we count the member names written in the text and the keys JSON.parse
 * kept; they differ exactly when some object repeats a name. (This runs on every verification:
 * counting needs no per-object sets, and only hops from quote to quote.)
 */
export function parseJsonObject(bytes: Buffer): JsonObject | StrictJsonFault {
  if (!isUtf8(bytes)) return 'utf8';
  const text = bytes.toString('utf8');
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return 'syntax';
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return 'not-object';
  const kept = countKeys(value);
  if (kept < 0) return 'forbidden';
  return countMemberNames(text) === kept ? (value as JsonObject) : 'duplicate';
}

/** Keys of an object tree as JSON.parse built it; -1 if any object has an own `__proto__` key. */
function countKeys(value: object): number {
  if (Array.isArray(value)) {
    let count = 0;
    for (const item of value) {
      if (typeof item === 'object' && item !== null) {
        const inner = countKeys(item as object);
        if (inner < 0) return -1;
        count += inner;
      }
    }
    return count;
  }
  if (Object.hasOwn(value, FORBIDDEN_MEMBER)) return -1;
  let count = 0;
  for (const key in value) {
    count++;
    const item = (value as Record<string, unknown>)[key];
    if (typeof item === 'object' && item !== null) {
      const inner = countKeys(item);
      if (inner < 0) return -1;
      count += inner;
    }
  }
  return count;
}

/**
 * Member names written in a JSON text already known to be valid: strings followed by a colon.
 * Between two strings of valid JSON there is never a quote, so hopping from one unescaped quote to
 * the next visits every string exactly once, from its real start.
 */
function countMemberNames(text: string): number {
  let count = 0;
  let start = text.indexOf('"');
  while (start >= 0) {
    let end = text.indexOf('"', start + 1);
    while (isEscapedQuote(text, end)) end = text.indexOf('"', end + 1);
    let next = end + 1;
    let c = text.charCodeAt(next);
    while (c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09) c = text.charCodeAt(++next);
    if (c === 0x3a /* : */) count++;
    start = text.indexOf('"', next);
  }
  return count;
}

/** True when the quote at `index` is preceded by an odd number of backslashes. */
function isEscapedQuote(text: string, index: number): boolean {
  let backslashes = 0;
  for (let j = index - 1; text.charCodeAt(j) === 0x5c; j--) backslashes++;
  return (backslashes & 1) === 1;
}
