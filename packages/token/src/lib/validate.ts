import {
  invalidOption,
  isOpaqueId,
  isRole,
  toUnixSeconds,
  wholeNumberOption,
  type Role,
  type Seconds,
  type UnixSeconds,
} from '@stagepass/protocol';
import {
  DEFAULT_CLOCK_TOLERANCE,
  MAX_APP_ID_LENGTH,
  MAX_CLOCK_TOLERANCE,
  MAX_DATA_CODE_POINTS,
  MAX_DATA_UTF16_UNITS,
  MAX_KID_LENGTH,
  MAX_LAYOUT_LENGTH,
  MAX_SESSION_ID_LENGTH,
  MILLISECONDS_THRESHOLD,
} from './limits.js';

export function isSessionId(value: unknown): value is string {
  return isOpaqueId(value, MAX_SESSION_ID_LENGTH);
}

export function checkSessionId(value: unknown, option = 'sessionId'): string {
  if (!isSessionId(value)) {
    throw invalidOption(option, `must be 1–${MAX_SESSION_ID_LENGTH} printable ASCII characters without spaces`);
  }
  return value;
}

export function checkAppId(value: unknown, option = 'appId'): string {
  if (!isOpaqueId(value, MAX_APP_ID_LENGTH)) {
    throw invalidOption(
      option,
      `must be 1–${MAX_APP_ID_LENGTH} printable ASCII characters without spaces (a UUID, an OpenTok API key or a Vonage application ID)`,
    );
  }
  return value;
}

export function checkKid(value: unknown, option = 'kid'): string | undefined {
  if (value === undefined) return undefined;
  if (!isOpaqueId(value, MAX_KID_LENGTH)) {
    throw invalidOption(option, `must be 1–${MAX_KID_LENGTH} printable ASCII characters without spaces`);
  }
  return value;
}

/** Accepts the four roles and the input spelling `publisherOnly`; refuses anything else. */
export function checkRoleInput(value: unknown, option = 'role'): Role {
  if (value === 'publisherOnly') return 'publisheronly';
  if (!isRole(value)) {
    throw invalidOption(option, 'must be one of subscriber, publisher, publisheronly (or publisherOnly), moderator');
  }
  return value;
}

/** Counts Unicode code points, stopping early once past `limit`. */
function codePointsOver(text: string, limit: number): boolean {
  if (text.length <= limit) return false;
  let count = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff) i++; // a well-formed pair counts once
    if (++count > limit) return true;
  }
  return false;
}

/**
 * Connection data as minted: a well-formed string of at most 1000 code points and, so that every
 * verifier (ours and OpenTok's) accepts the token, at most 1024 UTF-16 code units.
 */
export function checkDataInput(value: unknown, option = 'data'): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'string') throw invalidOption(option, 'must be a string');
  if (!value.isWellFormed()) throw invalidOption(option, 'contains a lone surrogate (not valid Unicode text)');
  if (codePointsOver(value, MAX_DATA_CODE_POINTS)) {
    throw invalidOption(option, `is longer than ${MAX_DATA_CODE_POINTS} characters`);
  }
  if (value.length > MAX_DATA_UTF16_UNITS) {
    throw invalidOption(
      option,
      `takes more than ${MAX_DATA_UTF16_UNITS} UTF-16 code units (characters outside the BMP count twice); shorten it`,
    );
  }
  return value;
}

/** Connection data as verified: any well-formed string up to 1024 UTF-16 code units. */
export function isAcceptableData(value: unknown): value is string {
  return typeof value === 'string' && value.length <= MAX_DATA_UTF16_UNITS && value.isWellFormed();
}

/** Layout classes: non-empty strings without whitespace, joined by single spaces, ≤ 1024 chars. */
export function checkLayoutInput(value: unknown, option = 'initialLayoutClassList'): string {
  if (value === undefined) return '';
  if (!Array.isArray(value)) throw invalidOption(option, 'must be an array of class names');
  for (const item of value) {
    if (typeof item !== 'string' || item.length === 0 || /\s/.test(item) || !item.isWellFormed()) {
      throw invalidOption(option, 'each class name must be a non-empty string without whitespace');
    }
  }
  const joined = value.join(' ');
  if (joined.length > MAX_LAYOUT_LENGTH) {
    throw invalidOption(option, `joined with spaces, the class names are longer than ${MAX_LAYOUT_LENGTH} characters`);
  }
  return joined;
}

/** Splits a verified layout class list claim into its classes. */
export function splitLayout(value: string): string[] {
  return value === '' ? [] : value.split(' ').filter((name) => name !== '');
}

/** A time option as integer UNIX seconds: an integer number or a Date (truncated to its second). */
export function unixSecondsOption(value: unknown, option: string): UnixSeconds {
  if (value instanceof Date) {
    const ms = value.getTime();
    if (!Number.isFinite(ms)) throw invalidOption(option, 'is an invalid Date');
    return toUnixSeconds(ms);
  }
  if (typeof value !== 'number' || Number.isNaN(value)) {
    throw invalidOption(option, 'must be integer UNIX seconds or a Date');
  }
  if (!Number.isFinite(value)) throw invalidOption(option, 'must be finite');
  if (!Number.isInteger(value)) {
    throw invalidOption(option, 'must be a whole number of UNIX seconds (no rounding is done for you)');
  }
  if (value >= MILLISECONDS_THRESHOLD) {
    throw invalidOption(option, 'looks like milliseconds; pass UNIX time in seconds (Math.floor(Date.now() / 1000))');
  }
  if (value < 0) throw invalidOption(option, 'must not be negative');
  return value;
}

const DURATION = /^([1-9][0-9]{0,9})([smhd]?)$/;
const UNIT_SECONDS: Record<string, number> = { '': 1, s: 1, m: 60, h: 3600, d: 86400 };

/**
 * A ttl option: positive integer seconds, or a string like "90", "30m", "24h", "7d".
 *
 * @example
 * ```ts
 * parseTtl('30m'); // 1800
 * ```
 */
export function parseTtl(value: unknown, option = 'ttl'): Seconds {
  if (typeof value === 'number') {
    if (!Number.isFinite(value) || !Number.isInteger(value) || value <= 0) {
      throw invalidOption(option, 'must be a positive whole number of seconds');
    }
    return value;
  }
  if (typeof value === 'string') {
    const match = DURATION.exec(value);
    if (match !== null) return Number(match[1]) * (UNIT_SECONDS[match[2] ?? ''] ?? 1);
  }
  throw invalidOption(option, 'must be positive seconds or a duration such as "30m", "24h" or "7d"');
}

/** The `clockTolerance` option of both verifiers: whole seconds from 0 to 300, default 30. */
export function clockToleranceOption(value: unknown): Seconds {
  return wholeNumberOption(value, 'clockTolerance', DEFAULT_CLOCK_TOLERANCE, 0, MAX_CLOCK_TOLERANCE, {
    unit: 'seconds',
  });
}
