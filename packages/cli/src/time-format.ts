import type { Seconds, UnixSeconds } from '@stagepass/protocol';
import { limits } from '@stagepass/token';

/**
 * Integer UNIX seconds as ISO-8601 UTC without milliseconds, or undefined when `seconds` is not a
 * plausible UNIX time (negative, fractional, or milliseconds).
 *
 * @example
 * ```ts
 * formatUnixTime(1700000000); // '2023-11-14T22:13:20Z'
 * ```
 */
export function formatUnixTime(seconds: UnixSeconds): string | undefined {
  // At or above the library's threshold a time is milliseconds, not UNIX seconds.
  if (!Number.isSafeInteger(seconds) || seconds < 0 || seconds >= limits.MILLISECONDS_THRESHOLD) return undefined;
  return new Date(seconds * 1000).toISOString().replace('.000Z', 'Z');
}

/**
 * A duration in seconds, rounded down to its two largest units: `45s`, `5m 30s`, `23h 59m`, `6d 23h`.
 *
 * @example
 * ```ts
 * formatDuration(86340); // '23h 59m'
 * ```
 */
export function formatDuration(seconds: Seconds): string {
  const s = Math.floor(Math.abs(seconds));
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m ${s % 60}s`;
  if (s < 86400) return `${Math.floor(s / 3600)}h ${Math.floor((s % 3600) / 60)}m`;
  return `${Math.floor(s / 86400)}d ${Math.floor((s % 86400) / 3600)}h`;
}

/**
 * When `time` is, seen from `now`: `in 23h 59m`, `5m 0s ago` or `now`.
 *
 * @example
 * ```ts
 * formatRelative(1000 + 3600, 1000); // 'in 1h 0m'
 * ```
 */
export function formatRelative(time: UnixSeconds, now: UnixSeconds): string {
  if (time === now) return 'now';
  return time > now ? `in ${formatDuration(time - now)}` : `${formatDuration(now - time)} ago`;
}
