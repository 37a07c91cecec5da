import { limits } from '@stagepass/token';

/**
 * Revocations and used token IDs are kept this long past the token's expiry: a verifier admits a
 * token until its expiry plus its clock tolerance, which is at most this.
 */
export const EXPIRY_GRACE_SECONDS = limits.MAX_CLOCK_TOLERANCE;
