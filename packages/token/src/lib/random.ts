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

/**
 * `bytes` random bytes (CSPRNG, from the pool) as base64url: for IDs that must not be guessed.
 * Also exported as `randomId` from the package, for the gateway's connection and stream IDs.
 */
export function randomBase64url(bytes: number): string {
  if (!Number.isInteger(bytes) || bytes < 1 || bytes > 256)
    throw new RangeError('randomBase64url: bytes must be an integer from 1 to 256');
  const start = reserve(bytes);
  return pool.toString('base64url', start, start + bytes);
}

/**
 * `bytes` random bytes (CSPRNG, from the pool) in a Buffer of their own: for secrets kept as bytes
 * (the gateway's resume secrets, compared with timingSafeEqual). One pool refill per 128 secrets of
 * 32 bytes, where `crypto.randomBytes` makes a system call for each (measured: 12 % of an
 * admission's CPU, docs/benchmarks.md).
 */
export function randomSecretBytes(bytes: number): Buffer {
  if (!Number.isInteger(bytes) || bytes < 1 || bytes > 256)
    throw new RangeError('randomSecretBytes: bytes must be an integer from 1 to 256');
  const start = reserve(bytes);
  const out = Buffer.allocUnsafe(bytes);
  pool.copy(out, 0, start, start + bytes);
  // The pool's copy is wiped: the secret lives in `out` only.
  pool.fill(0, start, start + bytes);
  return out;
}

/** '0000' … '9999', made once: nonces are assembled from these instead of converting numbers. */
const FOUR_DIGITS = Array.from({ length: 10_000 }, (_, n) => String(n).padStart(4, '0'));

/**
 * A random 12-digit decimal integer, as text: the `nonce` claim (a number, as OpenTok's is).
 * Uniqueness comes from `jti` (128 bits); the nonce keeps OpenTok-era tooling that expects it
 * happy. It is built from table entries, not with Number → String: V8 remembers recent
 * conversions in a cache that keeps each converted string alive past young-generation GCs, which
 * alone grew a 1,000,000-token minting loop from ~52 MB to ~100 MB of RSS (docs/benchmarks.md).
 */
export function randomNonce(): string {
  const start = reserve(6);
  const a = (pool.readUInt16BE(start) % 9000) + 1000; // no leading zero
  const b = pool.readUInt16BE(start + 2) % 10_000;
  const c = pool.readUInt16BE(start + 4) % 10_000;
  return FOUR_DIGITS[a]! + FOUR_DIGITS[b]! + FOUR_DIGITS[c]!;
}
