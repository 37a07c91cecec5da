/** The inputs of app management both stores check alike: key material, generated secrets, default key IDs. */
import { randomBytes } from 'node:crypto';
import type { JwsAlgorithm } from '@stagepass/token';
import { invalidOption } from '@stagepass/protocol';
import { checkPublicKeyPem, checkSecret, checkVerifierAccepts } from './app-validation.js';

/** Length of the HS256 secrets the registry generates: 32 random bytes, hex. */
export const GENERATED_SECRET_BYTES = 32;
/** Default key IDs are `k1`, `k2`, …: one more than the highest such number the app has used. */
const DEFAULT_KID = /^k([1-9][0-9]{0,8})$/;

/** A new key's algorithm and its secret or SPKI PEM public key. */
export interface KeyMaterial {
  readonly alg: JwsAlgorithm;
  readonly secret?: string;
  readonly publicKeyPem?: string;
}

export function checkObject(options: unknown): Record<string, unknown> {
  if (typeof options !== 'object' || options === null) throw invalidOption('options', 'must be an object');
  return options as Record<string, unknown>;
}

/** The material of a new key, checked (and, for public keys, normalised to SPKI PEM). */
export function keyMaterial(options: { secret?: unknown; publicKeyPem?: unknown }, kid: string): KeyMaterial {
  if (options.secret !== undefined && options.publicKeyPem !== undefined) {
    throw invalidOption('secret', 'give secret or publicKeyPem, not both');
  }
  if (options.secret !== undefined) {
    const secret = checkSecret(options.secret);
    checkVerifierAccepts({ secret, kid, alg: 'HS256' }, 'secret');
    return { alg: 'HS256', secret };
  }
  if (options.publicKeyPem !== undefined) {
    const { pem, alg } = checkPublicKeyPem(options.publicKeyPem);
    checkVerifierAccepts({ publicKey: pem, kid, alg }, 'publicKeyPem');
    return { alg, publicKeyPem: pem };
  }
  throw invalidOption(
    'secret',
    "give secret (an HS256 secret, e.g. an OpenTok API secret) or publicKeyPem (e.g. a Vonage application's public key)",
  );
}

export const generatedSecret = (): string => randomBytes(GENERATED_SECRET_BYTES).toString('hex');

/** The next default key ID: `k` + one more than the highest `kN` among `kids`. */
export function nextDefaultKid(kids: Iterable<string>): string {
  let highest = 0;
  for (const kid of kids) {
    const match = DEFAULT_KID.exec(kid);
    if (match !== null) highest = Math.max(highest, Number(match[1]));
  }
  return `k${highest + 1}`;
}
