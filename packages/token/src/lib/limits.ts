/** Limits shared by minting and verification. Documented in docs/tokens.md. */
import { wireLimits } from '@stagepass/protocol';

/** Largest token accepted, in bytes; checked before any decoding. */
export const MAX_TOKEN_BYTES = 8192;

/** True when a token string is over {@link MAX_TOKEN_BYTES} once UTF-8 encoded. */
export function isTokenTooLarge(token: string): boolean {
  // UTF-16 length is a lower bound of the UTF-8 length; count bytes only when it could matter.
  return (
    token.length > MAX_TOKEN_BYTES ||
    (token.length * 3 > MAX_TOKEN_BYTES && Buffer.byteLength(token, 'utf8') > MAX_TOKEN_BYTES)
  );
}
/** Longest token lifetime (expiry − creation): 30 days. */
export const MAX_LIFETIME_SECONDS = 30 * 24 * 60 * 60;
/** Lifetime of a token when none is asked for: 24 hours. */
export const DEFAULT_TTL_SECONDS = 24 * 60 * 60;
/** Connection data as minted: at most 1000 Unicode code points. */
export const MAX_DATA_CODE_POINTS = 1000;
/** Connection data as verified: at most 1024 UTF-16 code units (the most the official SDKs mint). */
export const MAX_DATA_UTF16_UNITS = 1024;
/** Layout classes, joined with single spaces: at most 1024 characters. */
export const MAX_LAYOUT_LENGTH = 1024;
/** Session IDs: 1–512 printable ASCII characters without spaces (the protocol's limit, one home). */
export const MAX_SESSION_ID_LENGTH = wireLimits.MAX_SESSION_ID_LENGTH;
/** App IDs: 1–256 printable ASCII characters without spaces (the protocol's limit, one home). */
export const MAX_APP_ID_LENGTH = wireLimits.MAX_APP_ID_LENGTH;
/** Key IDs: 1–128 printable ASCII characters without spaces. */
export const MAX_KID_LENGTH = 128;
/** Token IDs: a `jti`, or `sha256:` + 43 base64url characters for formats without one (one home for every check). */
export const MAX_TOKEN_ID_LENGTH = 256;
/** HS256 (and T1) secrets: at least 32 bytes once UTF-8 encoded. */
export const MIN_SECRET_BYTES = 32;
/** RSA keys: at least 2048 bits. */
export const MIN_RSA_BITS = 2048;
/** Clock tolerance: default and bounds, in seconds. */
export const DEFAULT_CLOCK_TOLERANCE = 30;
export const MAX_CLOCK_TOLERANCE = 300;
/** Any time at or above this looks like milliseconds, not seconds (year 5138 in seconds). */
export const MILLISECONDS_THRESHOLD = 1e11;
