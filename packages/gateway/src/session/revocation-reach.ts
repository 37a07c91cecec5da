import type { Revocation } from '../registry/app-registry.js';
import type { AdmittedClient } from './session-service.js';

/**
 * Whether a live connection admitted as `client` is reached by a revocation of its app: the same
 * token ID, or (issuedBefore) a token of that session, or of any session when `sessionId` is null,
 * issued strictly before `issuedBefore`. Pure: the session side matches its connections itself,
 * so a revocation travels as data (to another node too).
 *
 * @example
 * ```ts
 * revocationReaches({ kind: 'issuedBefore', sessionId: null, issuedBefore: 1_800_000_000 }, client);
 * ```
 */
export function revocationReaches(revocation: Revocation, client: Pick<AdmittedClient, 'sessionId' | 'tokenId' | 'issuedAt'>): boolean {
  if (revocation.kind === 'token') return client.tokenId === revocation.tokenId;
  return (revocation.sessionId === null || revocation.sessionId === client.sessionId) && client.issuedAt < revocation.issuedBefore;
}
