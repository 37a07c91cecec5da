import { StagepassError, invalidOption } from '@stagepass/protocol';
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
  // The option each key came from, to name it in errors instead of the verifier's internal path.
  const origins = keys.map((_, i) => `keys[${i}]`);
  if (options.secret !== undefined) { keys.push({ secret: options.secret }); origins.push('secret'); }
  if (options.publicKey !== undefined) { keys.push({ publicKey: options.publicKey }); origins.push('publicKey'); }
  if (keys.length === 0) throw invalidOption('secret', 'give secret, publicKey or keys');
  let verifier;
  try {
    verifier = createVerifier({
      apps: [{ appId: options.appId, keys, legacyT1: options.legacyT1 ?? false }],
      clockTolerance: options.clockTolerance,
    });
  } catch (err) {
    throw renameOption(err, origins);
  }
  return verifier.verify(token, { appId: options.appId, sessionId: options.sessionId, now: options.now });
}

/** Maps `apps[0].keys[1].secret` back to the caller's option (`secret`, `publicKey` or `keys[1].…`). */
function renameOption(err: unknown, origins: readonly string[]): unknown {
  if (!(err instanceof StagepassError) || err.code !== 'ERR_INVALID_OPTION' || typeof err.details.option !== 'string') return err;
  const path = err.details.option;
  const match = /^apps\[0\]\.(?:keys\[(\d+)\](?:\.(\w+))?|(\w+))$/.exec(path);
  if (match === null) return err;
  let option: string;
  if (match[3] !== undefined) option = match[3];
  else {
    const origin = origins[Number(match[1])] ?? 'keys';
    const member = match[2];
    option = origin.startsWith('keys[') ? (member === undefined ? origin : `${origin}.${member}`)
      : (member === undefined || member === 'secret' || member === 'publicKey' ? origin : member);
  }
  const message = err.message.startsWith(`${path}:`) ? `${option}:${err.message.slice(path.length + 1)}` : err.message;
  return new StagepassError('ERR_INVALID_OPTION', message, { option, rule: err.rule, details: err.details, cause: err.cause });
}
