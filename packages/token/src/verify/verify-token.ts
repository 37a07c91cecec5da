import { invalidOption, type Seconds } from '@stagepass/protocol';
import type { AsymmetricKeyMaterial, VerificationKeyInput } from '../keys/key-input.js';
import type { VerifiedToken } from '../types.js';
import { clockToleranceOption } from '../lib/validate.js';
import { prepareApp, verifierOf, type AppOptionNames, type VerifyOptions } from './create-verifier.js';

export interface VerifyTokenOptions extends VerifyOptions {
  /** The app secret (HS256 and, with legacyT1, T1). */
  readonly secret?: string | Uint8Array;
  /** The app's public key (EdDSA, ES256, RS256 and vonage tokens). */
  readonly publicKey?: AsymmetricKeyMaterial;
  /** Several keys at once, e.g. during a rotation. */
  readonly keys?: readonly VerificationKeyInput[];
  readonly legacyT1?: boolean;
  /** Seconds of clock skew forgiven: 0–300, default 30 (as {@link createVerifier}). */
  readonly clockTolerance?: Seconds;
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
  // Each key is named in errors by the option it came from (`keys[1].secret`, `secret`, `publicKey`).
  const names: KeyNames[] = keys.map((_, i) => ({ option: `keys[${i}]` }));
  if (options.secret !== undefined) {
    keys.push({ secret: options.secret });
    names.push(ownOption('secret'));
  }
  if (options.publicKey !== undefined) {
    keys.push({ publicKey: options.publicKey });
    names.push(ownOption('publicKey'));
  }
  if (keys.length === 0) throw invalidOption('secret', 'give secret, publicKey or keys');
  const clockTolerance = clockToleranceOption(options.clockTolerance);
  const app = prepareApp(
    { appId: options.appId, keys, legacyT1: options.legacyT1 ?? false },
    {
      app: 'options',
      appId: 'appId',
      keys: 'keys',
      legacyT1: 'legacyT1',
      key: (index) => names[index]!,
    },
  );
  const verifier = verifierOf(new Map([[app.appId, app]]), clockTolerance);
  return verifier.verify(token, { appId: options.appId, sessionId: options.sessionId, now: options.now });
}

type KeyNames = ReturnType<AppOptionNames['key']>;

/** A key given as one option (`secret`): its material is named by that option, any other member by itself. */
function ownOption(option: 'secret' | 'publicKey'): KeyNames {
  return { option, member: (name) => (name === option ? option : name) };
}
