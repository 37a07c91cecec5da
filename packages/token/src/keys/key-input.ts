import type { JsonWebKey, KeyObject } from 'node:crypto';
import type { AsymmetricAlgorithm } from './algorithms.js';

/** An app secret: used as its UTF-8 bytes (as the OpenTok SDKs do), at least 32 bytes. HS256 and T1. */
export interface SecretKeyInput {
  readonly secret: string | Uint8Array;
  readonly kid?: string;
  readonly alg?: 'HS256';
}

/** PEM text, a KeyObject or a JWK. The key's type fixes the algorithm; `alg`, if given, must agree. */
export type AsymmetricKeyMaterial = string | Uint8Array | KeyObject | JsonWebKey;

export interface PublicKeyInput {
  readonly publicKey: AsymmetricKeyMaterial;
  readonly kid?: string;
  readonly alg?: AsymmetricAlgorithm;
}

export interface PrivateKeyInput {
  readonly privateKey: AsymmetricKeyMaterial;
  readonly kid?: string;
  readonly alg?: AsymmetricAlgorithm;
}

/** A key a verifier may use: a secret, a public key, or a private key (its public half is used). */
export type VerificationKeyInput = SecretKeyInput | PublicKeyInput | PrivateKeyInput;

/** A key a minter may sign with. */
export type SigningKeyInput = SecretKeyInput | PrivateKeyInput;
