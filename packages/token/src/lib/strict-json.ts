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
  const fault = scanMemberNames(text);
  return fault ?? (value as JsonObject);
}

/**
 * Walks a JSON text already known to be valid and checks the member names of every object.
 * JSON.parse silently keeps the last of duplicate names, which would let two readers of one
 * token disagree; so we look at the text itself.
 */
function scanMemberNames(text: string): StrictJsonFault | undefined {
  const stack: (Set<string> | null)[] = [];
  let top: Set<string> | null = null;
  let expectName = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x22 /* " */) {
      const start = i + 1;
      let end = text.indexOf('"', start);
      while (isEscapedQuote(text, end)) end = text.indexOf('"', end + 1);
      if (top !== null && expectName) {
        const raw = text.slice(start, end);
        const name = raw.includes('\\') ? (JSON.parse(`"${raw}"`) as string) : raw;
        if (name === FORBIDDEN_MEMBER) return 'forbidden';
        if (top.has(name)) return 'duplicate';
        top.add(name);
        expectName = false;
      }
      i = end;
    } else if (c === 0x7b /* { */) {
      stack.push(top);
      top = new Set();
      expectName = true;
    } else if (c === 0x5b /* [ */) {
      stack.push(top);
      top = null;
    } else if (c === 0x7d /* } */ || c === 0x5d /* ] */) {
      top = stack.pop() ?? null;
      expectName = false;
    } else if (c === 0x2c /* , */) {
      expectName = top !== null;
    }
  }
  return undefined;
}

/** True when the quote at `index` is preceded by an odd number of backslashes. */
function isEscapedQuote(text: string, index: number): boolean {
  let backslashes = 0;
  for (let j = index - 1; text.charCodeAt(j) === 0x5c; j--) backslashes++;
  return (backslashes & 1) === 1;
}
