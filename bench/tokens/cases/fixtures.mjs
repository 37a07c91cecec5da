// Inputs shared by every case, so every library mints and verifies the same thing.
import { generateKeyPairSync } from 'node:crypto';
import { readFileSync } from 'node:fs';

/** App ID / API key: a UUID (ours, LiveKit, Vonage; OpenTok accepts any string key). */
export const APP_ID = '4f6d7c5e-2a1b-4c3d-9e8f-0a1b2c3d4e5f';
/** A 40-character app secret (HS256, T1 and LiveKit's API secret). */
export const SECRET = 'b3f1c9e2a7d54f6e8a0b1c2d3e4f5a6b7c8d9e0f';
export const SECRET_BYTES = new TextEncoder().encode(SECRET);
export const ROLE = 'publisher';
/** ~24 characters of connection data (has '&' and '=', so T1 percent-encodes it). */
export const DATA = 'userId=42&name=Alice-Doe';
export const TTL_SECONDS = 24 * 60 * 60;
/** LiveKit participant identity (LiveKit requires one for room-join tokens). */
export const IDENTITY = 'user-42';

/**
 * An OpenTok-style session ID whose base64 holds the API key, as `opentok`'s generateToken checks:
 * '1_' + base64url('1~' + apiKey + '~~' + ISO date + '~xyz'). Used as the session (LiveKit: room) everywhere.
 */
export function makeSessionId(apiKey = APP_ID, date = new Date()) {
  return '1_' + Buffer.from(`1~${apiKey}~~${date.toISOString()}~xyz`, 'utf8').toString('base64url');
}
export const SESSION_ID = makeSessionId();

/** A fixed 300-byte ASCII string for the raw HMAC baseline. */
export const S300 = 'stagepass-bench-'.repeat(19).slice(0, 300);
if (Buffer.byteLength(S300) !== 300) throw new Error('S300 must be 300 bytes');

export const nowSeconds = () => Math.floor(Date.now() / 1000);

let cachedKeys;
/**
 * RSA-2048, Ed25519 and P-256 key pairs as PEM. The orchestrator generates them once per run and
 * passes them in STAGEPASS_BENCH_KEYS (key generation is not what is measured, and RSA keygen is slow);
 * a case run by hand generates its own.
 */
export function keys() {
  if (cachedKeys !== undefined) return cachedKeys;
  if (process.env.STAGEPASS_BENCH_KEYS) {
    cachedKeys = JSON.parse(process.env.STAGEPASS_BENCH_KEYS);
  } else {
    cachedKeys = generateKeys();
  }
  return cachedKeys;
}

export function generateKeys() {
  const pem = {
    publicKeyEncoding: { type: 'spki', format: 'pem' },
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
  };
  const rsa = generateKeyPairSync('rsa', { modulusLength: 2048, ...pem });
  const ed25519 = generateKeyPairSync('ed25519', pem);
  const p256 = generateKeyPairSync('ec', { namedCurve: 'prime256v1', ...pem });
  return {
    rsa: { privateKey: rsa.privateKey, publicKey: rsa.publicKey },
    ed25519: { privateKey: ed25519.privateKey, publicKey: ed25519.publicKey },
    p256: { privateKey: p256.privateKey, publicKey: p256.publicKey },
  };
}

/** Throws unless `condition` holds: each case checks its op's result once before measuring. */
export function expect(condition, message) {
  if (!condition) throw new Error(`setup check failed: ${message}`);
}

/** How many items the peak-RSS cases make. */
export const PEAK_RSS_COUNT = 1_000_000;

/**
 * Calls `make(i)` PEAK_RSS_COUNT times (each result a string, dropped at once), sampling the RSS
 * every 10,000 calls and reading VmHWM at the end; reports the larger as `peakRssMB` (MB = 2^20).
 */
export function measurePeakRss(make) {
  const SAMPLE_EVERY = 10_000;
  let maxSample = process.memoryUsage.rss();
  let chars = 0;
  const start = performance.now();
  for (let i = 0; i < PEAK_RSS_COUNT; i++) {
    chars += make(i).length;
    if ((i + 1) % SAMPLE_EVERY === 0) {
      const rss = process.memoryUsage.rss();
      if (rss > maxSample) maxSample = rss;
    }
  }
  const ms = performance.now() - start;
  expect(chars > PEAK_RSS_COUNT * 100, 'strings were made');
  const hwm = readVmHwmBytes();
  const MiB = 1024 * 1024;
  const round1 = (x) => Math.round(x * 10) / 10;
  return {
    opsPerSec: PEAK_RSS_COUNT / (ms / 1000),
    ops: PEAK_RSS_COUNT,
    ms,
    peakRssMB: round1(Math.max(maxSample, hwm ?? 0) / MiB),
    sampledRssMaxMB: round1(maxSample / MiB),
    vmHwmMB: hwm === undefined ? null : round1(hwm / MiB),
  };
}

/** The process's peak resident set (VmHWM) from /proc/self/status, in bytes; undefined off Linux. */
function readVmHwmBytes() {
  try {
    const match = /^VmHWM:\s+(\d+)\s+kB$/m.exec(readFileSync('/proc/self/status', 'utf8'));
    return match === null ? undefined : Number(match[1]) * 1024;
  } catch {
    return undefined;
  }
}
