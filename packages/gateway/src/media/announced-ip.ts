/**
 * `announcedIp`: the address a routed gateway puts in its ICE candidates instead of its own, for a
 * gateway behind 1:1 NAT (a cloud VM whose public address is not on any of its interfaces).
 */
import { isIP } from 'node:net';
import { invalidOption } from '@stagepass/protocol';

export const ANNOUNCED_IP_RULE =
  'must be one IPv4 or IPv6 address, written as digits (e.g. 203.0.113.7 or 2001:db8::7): ' +
  'no host name, no port, no brackets, no zone, not 0.0.0.0 or ::';

/** 0.0.0.0 or :: (in any spelling, e.g. `0::0`): it names no host, a client could not send to it. */
function isUnspecified(ip: string): boolean {
  return isIP(ip) === 4 ? ip === '0.0.0.0' : new URL(`http://[${ip}]`).hostname === '[::]';
}

/**
 * `announcedIp` checked against {@link ANNOUNCED_IP_RULE}: an IPv4 or IPv6 literal, returned as given,
 * or undefined when not set. A host name is refused: the gateway would have to resolve it, and the
 * candidate would change with DNS.
 *
 * @example
 * ```ts
 * checkAnnouncedIp('203.0.113.7'); // '203.0.113.7'
 * checkAnnouncedIp('gateway.example.com'); // throws ERR_INVALID_OPTION, option announcedIp
 * ```
 */
export function checkAnnouncedIp(value: unknown, scope?: string): string | undefined {
  if (value === undefined) return undefined;
  const ok = typeof value === 'string' && isIP(value) !== 0 && !value.includes('%') && !isUnspecified(value);
  if (!ok) throw invalidOption('announcedIp', ANNOUNCED_IP_RULE, scope);
  return value;
}
