/**
 * Limits of app JWTs: the short-lived JWTs an app's backend signs for each REST request (the
 * OpenTok/Vonage project-token convention). Documented in docs/protocol.md, "REST API for app backends".
 */

/** `ist` of an app JWT: the OpenTok project-token marker. */
export const APP_JWT_ISSUER_TYPE = 'project';
/** Lifetime of an app JWT when none is asked for: 60 s. */
export const DEFAULT_APP_JWT_TTL_SECONDS = 60;
/** Longest app JWT lifetime, and how far ahead a verified `exp` may be: 5 minutes (as OpenTok's REST API). */
export const MAX_APP_JWT_TTL_SECONDS = 300;
/** `jti`: 1–128 printable ASCII characters (ours are 22 base64url characters, UUIDs are 36). */
export const MAX_APP_JWT_ID_LENGTH = 128;

/**
 * How far ahead an app JWT's `exp` may be on the OpenTok-compatible REST routes: 15 minutes, as the
 * `@vonage/video` SDK signs them (`exp = iat + 900`); opentok signs `iat + 300`.
 */
export const MAX_OPENTOK_APP_JWT_TTL_SECONDS = 900;
