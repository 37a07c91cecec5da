import type { Revocation } from './app-registry.js';

/** What a revocation is matched against: a token's session, ID and issue time (UNIX seconds). */
export interface RevocableToken {
  readonly sessionId: string;
  readonly tokenId: string;
  readonly issuedAt: number;
}

/**
 * Whether `revocation` refuses this token: the rule the registry applies to the revocations it
 * stores, for one revocation given as data (to find the live connections it reaches).
 *
 * @example
 * ```ts
 * revocationReaches({ kind: 'issuedBefore', sessionId: null, issuedBefore: 1_800_000_000 }, client); // issuedAt < 1_800_000_000
 * ```
 */
export function revocationReaches(revocation: Revocation, token: RevocableToken): boolean {
  if (revocation.kind === 'token') return token.tokenId === revocation.tokenId;
  return (
    (revocation.sessionId === null || revocation.sessionId === token.sessionId) &&
    token.issuedAt < revocation.issuedBefore
  );
}
