import { randomFillSync } from 'node:crypto';

/**
 * A small pool of CSPRNG bytes, refilled 4 KiB at a time: one `randomFillSync` per 256 token IDs
 * instead of one per token (the benchmark in docs/benchmarks.md shows why).
 */
const POOL_SIZE = 4096;
const pool = Buffer.allocUnsafe(POOL_SIZE);
let offset = POOL_SIZE;

function reserve(length: number): number {
  if (offset + length > POOL_SIZE) {
    randomFillSync(pool);
    offset = 0;
  }
  const start = offset;
  offset += length;
  return start;
}

/** 128 random bits as 22 base64url characters: a token ID (`jti`). */
export function randomId128(): string {
  const start = reserve(16);
  return pool.toString('base64url', start, start + 16);
}

/** `bytes` random bytes as base64url. */
export function randomBase64url(bytes: number): string {
  const start = reserve(bytes);
  return pool.toString('base64url', start, start + bytes);
}

/**
 * A random 32-bit unsigned integer: the `nonce` claim, a number as OpenTok's is. Uniqueness comes
 * from `jti` (128 bits); the nonce only keeps OpenTok-era tooling that expects it happy, and a
 * short integer is cheaper to write than a 53-bit one.
 */
export function randomNonce(): number {
  const start = reserve(4);
  return pool.readUInt32BE(start);
}
