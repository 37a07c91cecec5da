import { invalidOption } from '@stagepass/protocol';
import {
  KeyObject,
  createHmac,
  createPrivateKey,
  createPublicKey,
  createSecretKey,
  createSign,
  createVerify,
  sign,
  timingSafeEqual,
  verify,
  type JsonWebKey,
} from 'node:crypto';
import { MIN_RSA_BITS, MIN_SECRET_BYTES } from '../lib/limits.js';
import { checkKid } from '../lib/validate.js';
import type { AsymmetricAlgorithm, JwsAlgorithm } from './algorithms.js';
import type { AsymmetricKeyMaterial, SigningKeyInput, VerificationKeyInput } from './key-input.js';

/** A configured verification key, bound to one algorithm for good. */
export interface VerificationKey {
  readonly kid: string | undefined;
  readonly alg: JwsAlgorithm;
  /** The secret's bytes, for HS256 keys (also used for legacy T1's HMAC-SHA1). */
  readonly secret: Buffer | undefined;
  /** Checks a JWS signature over `signingInput` (ASCII). Constant time for HMAC. */
  verify(signingInput: string, signature: Buffer): boolean;
}

/** A configured signing key, bound to one algorithm. */
export interface SigningKey {
  readonly kid: string | undefined;
  readonly alg: JwsAlgorithm;
  readonly secret: Buffer | undefined;
  /** Signs `signingInput` and returns the base64url signature. */
  sign(signingInput: string): string;
}

const ES256_SIGNATURE_BYTES = 64;
const HS256_SIGNATURE_BYTES = 32;

function secretBytes(secret: unknown, option: string): Buffer {
  let bytes: Buffer;
  if (typeof secret === 'string') bytes = Buffer.from(secret, 'utf8');
  else if (secret instanceof Uint8Array) bytes = Buffer.from(secret);
  else throw invalidOption(option, 'must be a string or bytes');
  if (bytes.length < MIN_SECRET_BYTES) {
    throw invalidOption(
      option,
      `is ${bytes.length} bytes; HS256 secrets must be at least ${MIN_SECRET_BYTES} bytes (e.g. 32 random bytes, hex-encoded)`,
    );
  }
  return bytes;
}

/**
 * The algorithm an asymmetric key's type fixes: Ed25519 → EdDSA, P-256 → ES256, RSA ≥ 2048 bits →
 * RS256. Anything else is refused (ERR_INVALID_OPTION naming `option`). Keys are bound to it once,
 * at configuration; a token's header never chooses.
 *
 * @example
 * ```ts
 * algorithmForKey(createPublicKey(pem)); // 'EdDSA'
 * ```
 */
export function algorithmForKey(key: KeyObject, option = 'key'): AsymmetricAlgorithm {
  const type = key.asymmetricKeyType;
  const details = key.asymmetricKeyDetails ?? {};
  if (type === 'ed25519') return 'EdDSA';
  if (type === 'ec' && details.namedCurve === 'prime256v1') return 'ES256';
  if (type === 'rsa') {
    if ((details.modulusLength ?? 0) < MIN_RSA_BITS) {
      throw invalidOption(
        option,
        `is a ${details.modulusLength ?? 0}-bit RSA key; RSA keys must have at least ${MIN_RSA_BITS} bits`,
      );
    }
    return 'RS256';
  }
  const curve = type === 'ec' ? ` (${String(details.namedCurve)})` : '';
  throw invalidOption(
    option,
    `unsupported key type ${type ?? 'unknown'}${curve}; use Ed25519, P-256 or RSA (≥ ${MIN_RSA_BITS} bits)`,
  );
}

function toKeyObject(material: AsymmetricKeyMaterial, kind: 'public' | 'private', option: string): KeyObject {
  try {
    if (material instanceof KeyObject) {
      if (kind === 'private' && material.type !== 'private') throw new Error('not a private key');
      if (material.type === 'secret') throw new Error('a secret KeyObject is not an asymmetric key');
      return kind === 'public' && material.type === 'private' ? createPublicKey(material) : material;
    }
    const input =
      typeof material === 'string' || material instanceof Uint8Array
        ? { key: Buffer.from(material) }
        : { key: material as JsonWebKey, format: 'jwk' as const };
    return kind === 'public' ? createPublicKey(input) : createPrivateKey(input);
  } catch {
    throw invalidOption(option, `is not a readable ${kind} key (PEM, JWK or KeyObject expected)`);
  }
}

function bindAlgorithm(key: KeyObject, requested: unknown, option: string, algOption: string): AsymmetricAlgorithm {
  const alg = algorithmForKey(key, option);
  if (requested !== undefined && requested !== alg) {
    throw invalidOption(algOption, `the key is an ${alg} key, not ${String(requested)}`);
  }
  return alg;
}

function asymmetricVerify(alg: AsymmetricAlgorithm, publicKey: KeyObject): VerificationKey['verify'] {
  switch (alg) {
    case 'EdDSA':
      return (input, signature) => verify(null, Buffer.from(input, 'latin1'), publicKey, signature);
    case 'ES256': {
      const key = { key: publicKey, dsaEncoding: 'ieee-p1363' as const };
      return (input, signature) =>
        signature.length === ES256_SIGNATURE_BYTES &&
        createVerify('sha256').update(input, 'latin1').verify(key, signature);
    }
    case 'RS256':
      return (input, signature) => createVerify('sha256').update(input, 'latin1').verify(publicKey, signature);
  }
}

function asymmetricSign(alg: AsymmetricAlgorithm, privateKey: KeyObject): SigningKey['sign'] {
  switch (alg) {
    case 'EdDSA':
      return (input) => sign(null, Buffer.from(input, 'latin1'), privateKey).toString('base64url');
    case 'ES256': {
      const key = { key: privateKey, dsaEncoding: 'ieee-p1363' as const };
      return (input) => createSign('sha256').update(input, 'latin1').sign(key, 'base64url');
    }
    case 'RS256':
      return (input) => createSign('sha256').update(input, 'latin1').sign(privateKey, 'base64url');
  }
}

/** A member of a key input, as named in an error. */
export type KeyMember = 'kid' | 'alg' | 'secret' | 'publicKey' | 'privateKey';

/**
 * Imports a verification key once, at configuration: all checks happen here, not per token.
 * Errors name the key `option` and its members `member(name)` (default `option.name`), so that a
 * caller who took the key under another name (`secret`) gets its own name in the message.
 */
export function importVerificationKey(
  input: VerificationKeyInput,
  option = 'key',
  member: (name: KeyMember) => string = (name) => `${option}.${name}`,
): VerificationKey {
  if (typeof input !== 'object' || input === null)
    throw invalidOption(option, 'must be an object with secret, publicKey or privateKey');
  const kid = checkKid(input.kid, member('kid'));
  if ('secret' in input) {
    if (input.alg !== undefined && input.alg !== 'HS256')
      throw invalidOption(member('alg'), 'a secret can only be an HS256 key');
    const secret = secretBytes(input.secret, member('secret'));
    const hmacKey = createSecretKey(secret); // imported once: cheaper per token than raw bytes
    return {
      kid,
      alg: 'HS256',
      secret,
      verify: (signingInput, signature) =>
        signature.length === HS256_SIGNATURE_BYTES &&
        timingSafeEqual(createHmac('sha256', hmacKey).update(signingInput, 'latin1').digest(), signature),
    };
  }
  const material = 'publicKey' in input ? input.publicKey : 'privateKey' in input ? input.privateKey : undefined;
  if (material === undefined) throw invalidOption(option, 'must have secret, publicKey or privateKey');
  const materialOption = member('publicKey' in input ? 'publicKey' : 'privateKey');
  const publicKey = toKeyObject(material, 'public', materialOption);
  const alg = bindAlgorithm(publicKey, input.alg, materialOption, member('alg'));
  return { kid, alg, secret: undefined, verify: asymmetricVerify(alg, publicKey) };
}

/** Imports a signing key once: a secret (HS256, T1) or a private key (EdDSA, ES256, RS256). */
export function importSigningKey(input: SigningKeyInput, option = 'key'): SigningKey {
  if (typeof input !== 'object' || input === null)
    throw invalidOption(option, 'must be an object with secret or privateKey');
  const kid = checkKid(input.kid, 'kid');
  if ('secret' in input) {
    if (input.alg !== undefined && input.alg !== 'HS256') throw invalidOption('alg', 'a secret can only sign HS256');
    const secret = secretBytes(input.secret, 'secret');
    const hmacKey = createSecretKey(secret);
    return {
      kid,
      alg: 'HS256',
      secret,
      sign: (signingInput) => createHmac('sha256', hmacKey).update(signingInput, 'latin1').digest('base64url'),
    };
  }
  if (!('privateKey' in input)) throw invalidOption(option, 'must have secret or privateKey');
  const privateKey = toKeyObject(input.privateKey, 'private', 'privateKey');
  const alg = bindAlgorithm(privateKey, input.alg, 'privateKey', 'alg');
  return { kid, alg, secret: undefined, sign: asymmetricSign(alg, privateKey) };
}
