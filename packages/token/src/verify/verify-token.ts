import { invalidOption } from '../lib/errors.js';
import type { AsymmetricKeyMaterial, VerificationKeyInput } from '../keys/key-input.js';
import type { VerifiedToken } from '../types.js';
import { createVerifier, type VerifyOptions } from './create-verifier.js';

export interface VerifyTokenOptions extends VerifyOptions {
  /** The app secret (HS256 and, with legacyT1, T1). */
  readonly secret?: string | Uint8Array;
  /** The app's public key (EdDSA, ES256, RS256 and vonage tokens). */
  readonly publicKey?: AsymmetricKeyMaterial;
  /** Several keys at once, e.g. during a rotation. */
  readonly keys?: readonly VerificationKeyInput[];
  readonly legacyT1?: boolean;
  readonly clockTolerance?: number;
}

/**
 * Verifies one token with one app's credentials. For many tokens, make one
 * {@link createVerifier} and reuse it: keys are then imported once.
 *
 * @example
 * ```ts
 * const { role, sessionId, data } = verifyToken(token, { appId, secret, sessionId: expected });
 * ```
 */
export function verifyToken(token: unknown, options: VerifyTokenOptions): VerifiedToken {
  if (typeof options !== 'object' || options === null) throw invalidOption('options', 'must be an object');
  const keys: VerificationKeyInput[] = [...(options.keys ?? [])];
  if (options.secret !== undefined) keys.push({ secret: options.secret });
  if (options.publicKey !== undefined) keys.push({ publicKey: options.publicKey });
  if (keys.length === 0) throw invalidOption('secret', 'give secret, publicKey or keys');
  const verifier = createVerifier({
    apps: [{ appId: options.appId, keys, legacyT1: options.legacyT1 ?? false }],
    clockTolerance: options.clockTolerance,
  });
  return verifier.verify(token, { appId: options.appId, sessionId: options.sessionId, now: options.now });
}
