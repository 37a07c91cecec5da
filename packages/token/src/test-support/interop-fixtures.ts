/**
 * Shared fixtures for the interop and tamper tests: typed handles on the CJS packages that ship no
 * types (`opentok`, `opentok-token`, `jsonwebtoken`), key generation, and an exact-code assertion.
 */
import assert from 'node:assert/strict';
import { generateKeyPairSync, randomBytes, type KeyObject } from 'node:crypto';
import { createRequire } from 'node:module';
import { StagepassError, type ErrorCode } from '../index.js';

const require = createRequire(import.meta.url);

/** A fixed clock (integer UNIX seconds) for tokens we mint; verification runs a little later. */
export const NOW = 1_750_000_000;
export const LATER = NOW + 10;

/** OpenTok's four roles, as written in tokens. */
export const ROLES_IN_TOKENS = ['subscriber', 'publisher', 'publisheronly', 'moderator'] as const;

/** Connection data with everything that must survive encoding: `& = : + %`, spaces, unicode, an emoji. */
export const SPECIAL_DATA = 'name=Ada Lovelace&team=a:b+c%20d 100% é ü 中文 🎉 "q" \\ end';

/** `prefix` padded with ASCII to exactly `units` UTF-16 code units (never splits a surrogate pair). */
export function dataOfLength(prefix: string, units: number): string {
  assert.ok(prefix.length <= units);
  const filler = 'abcdefghij0123456789';
  let text = prefix;
  while (text.length < units) text += filler[text.length % filler.length];
  assert.equal(text.length, units);
  assert.ok(text.isWellFormed());
  return text;
}

/** A 40-character OpenTok-style API secret. */
export function opentokSecret(): string {
  return randomBytes(20).toString('hex');
}

/** A session ID that OpenTok's SDK accepts as belonging to `apiKey` (it decodes and checks it). */
export function opentokSessionId(apiKey: string): string {
  const random = randomBytes(12).toString('hex');
  return (
    '1_' +
    Buffer.from(`1~${apiKey}~~${new Date().toISOString()}~${random}`)
      .toString('base64')
      .replace(/\+/g, '-')
      .replace(/\//g, '_')
  );
}

/** Asserts that `fn` throws a StagepassError with exactly `code`; returns it for further checks. */
export function assertRefused(fn: () => unknown, code: ErrorCode, message?: string): StagepassError {
  let caught: unknown;
  try {
    const value = fn();
    assert.fail(`${message ?? 'expected a refusal'}: expected ${code}, but it returned ${JSON.stringify(value)}`);
  } catch (err) {
    if (err instanceof assert.AssertionError) throw err;
    caught = err;
  }
  assert.ok(
    caught instanceof StagepassError,
    `${message ?? ''} expected a StagepassError ${code}, got ${String(caught)}`,
  );
  assert.equal(caught.code, code, message);
  return caught;
}

// ---- opentok (CJS, untyped) ----

export interface OpenTokTokenOptions {
  role?: string;
  data?: string;
  expireTime?: number;
  initialLayoutClassList?: string[];
}

export interface OpenTokClient {
  generateToken(sessionId: string, options?: OpenTokTokenOptions, generateT1Token?: boolean): string;
}

export const OpenTok = require('opentok') as new (apiKey: string, apiSecret: string) => OpenTokClient;

export interface OpenTokHelpers {
  decodeToken(token: string): Record<string, string>;
  verifyTokenSignature(token: string, apiSecret: string): boolean;
}

export const opentokHelpers = require('opentok-token/helpers.js') as OpenTokHelpers;

export const encodeOpenTokToken = require('opentok-token') as (
  tokenData: Record<string, string | number>,
  apiKey: string,
  apiSecret: string,
) => string;

// ---- jsonwebtoken (CJS, untyped) ----

export interface JwtSignOptions {
  algorithm?: string;
  keyid?: string;
  header?: Record<string, unknown>;
  noTimestamp?: boolean;
}

export interface JwtVerifyOptions {
  algorithms?: string[];
  clockTimestamp?: number;
  complete?: boolean;
}

export interface JsonWebTokenLib {
  sign(payload: Record<string, unknown>, key: string | Buffer | KeyObject, options?: JwtSignOptions): string;
  verify(token: string, key: string | Buffer | KeyObject, options?: JwtVerifyOptions): unknown;
  decode(token: string, options?: { complete?: boolean }): unknown;
}

export const jsonwebtoken = require('jsonwebtoken') as JsonWebTokenLib;

// ---- keys ----

export interface PemKeyPair {
  readonly publicKey: string;
  readonly privateKey: string;
}

export function rsaKeyPair(): PemKeyPair {
  return generateKeyPairSync('rsa', {
    modulusLength: 2048,
    publicKeyEncoding: { type: 'spki', format: 'pem' },
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
  });
}

export function ed25519KeyPair(): PemKeyPair {
  return generateKeyPairSync('ed25519', {
    publicKeyEncoding: { type: 'spki', format: 'pem' },
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
  });
}

export function p256KeyPair(): PemKeyPair {
  return generateKeyPairSync('ec', {
    namedCurve: 'prime256v1',
    publicKeyEncoding: { type: 'spki', format: 'pem' },
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
  });
}

/** Compact JWS segments of a token (asserts there are exactly three). */
export function jwsSegments(token: string): [string, string, string] {
  const parts = token.split('.');
  assert.equal(parts.length, 3);
  return parts as [string, string, string];
}

/** The decoded JSON of a JWS segment. */
export function decodeSegment(segment: string): Record<string, unknown> {
  return JSON.parse(Buffer.from(segment, 'base64url').toString('utf8')) as Record<string, unknown>;
}
