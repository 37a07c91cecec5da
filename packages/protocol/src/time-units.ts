/**
 * Time units, named at every boundary. A token's times (`iat`, `exp`, `expireTime`, `issuedAt`) are
 * whole UNIX seconds, as in JWTs; clocks, creation times on the wire (`creationTime`, `createdAt`) and
 * durations of options (`…Ms`) are milliseconds. These aliases carry no brand: they document which.
 */

/** Whole seconds since 1970-01-01T00:00:00Z (token times). `1767225600` is 2026-01-01. */
export type UnixSeconds = number;
/** Milliseconds since 1970-01-01T00:00:00Z (`Date.now()`; wire creation times). `1767225600000` is 2026-01-01. */
export type EpochMilliseconds = number;
/** A duration in milliseconds (options named `…Ms`). `pingIntervalMs: 15_000` */
export type Milliseconds = number;
/** A duration in seconds (`ttl`, `clockTolerance`). `clockTolerance: 30` */
export type Seconds = number;

/** The wall clock of an option `now`: milliseconds since the epoch. `now: () => Date.now()` */
export type Clock = () => EpochMilliseconds;

/**
 * Seconds since the epoch of a millisecond time, truncated (how a token time is read off a clock).
 *
 * @example
 * ```ts
 * const iat: UnixSeconds = toUnixSeconds(Date.now());
 * ```
 */
export function toUnixSeconds(ms: EpochMilliseconds): UnixSeconds {
  return Math.floor(ms / 1000);
}
