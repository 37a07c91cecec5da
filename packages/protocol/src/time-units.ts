/**
 * Time units, named at every boundary. A token's times (`iat`, `exp`, `expireTime`, `issuedAt`) are
 * whole UNIX seconds, as in JWTs; clocks, creation times on the wire (`creationTime`, `createdAt`) and
 * durations of options (`…Ms`) are milliseconds. These aliases carry no brand: they document which.
 */

/** Whole seconds since 1970-01-01T00:00:00Z (token times). */
export type UnixSeconds = number;
/** Milliseconds since 1970-01-01T00:00:00Z (`Date.now()`; wire creation times). */
export type EpochMilliseconds = number;
/** A duration in milliseconds (options named `…Ms`). */
export type Milliseconds = number;
/** A duration in seconds (`ttl`, `clockTolerance`). */
export type Seconds = number;

/** The wall clock of an option `now`: milliseconds since the epoch. */
export type Clock = () => EpochMilliseconds;

/** Seconds since the epoch of a millisecond time, truncated (how a token time is read off a clock). */
export function toUnixSeconds(ms: EpochMilliseconds): UnixSeconds {
  return Math.floor(ms / 1000);
}
