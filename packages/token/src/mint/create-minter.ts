import { DEFAULT_ROLE, invalidOption, toUnixSeconds, type Seconds, type UnixSeconds } from '@stagepass/protocol';
import { encodeBase64urlText } from '../lib/base64.js';
import { DEFAULT_TTL_SECONDS, MAX_LIFETIME_SECONDS, MAX_TOKEN_BYTES } from '../lib/limits.js';
import { randomId128, randomNonce } from '../lib/random.js';
import {
  checkAppId,
  checkDataInput,
  checkLayoutInput,
  checkRoleInput,
  checkSessionId,
  parseTtl,
  unixSecondsOption,
} from '../lib/validate.js';
import { importSigningKey, type SigningKey } from '../keys/import-key.js';
import type { AsymmetricKeyMaterial } from '../keys/key-input.js';
import type { JwsAlgorithm } from '../keys/algorithms.js';
import type { MintClaims } from '../formats/mint-claims.js';
import { stagepassClaimsWriter } from '../formats/stagepass.js';
import { writeT1Token } from '../formats/opentok-t1.js';
import { vonageClaimsWriter } from '../formats/vonage.js';
import { TOKEN_FORMATS, type TokenFormat } from '../types.js';
import type { Role } from '@stagepass/protocol';

/** How a minter signs: the app, its key, and the token format. Checked once, in `createMinter`. */
export interface MinterOptions {
  /** The App ID the tokens are for (ours are UUIDs; an OpenTok API key or Vonage application ID works too). */
  readonly appId: string;
  /** The app secret (HS256 and opentok-t1), at least 32 bytes. Give this or `privateKey`. */
  readonly secret?: string | Uint8Array;
  /** A private key (PEM, JWK or KeyObject): Ed25519 → EdDSA, P-256 → ES256, RSA → RS256. */
  readonly privateKey?: AsymmetricKeyMaterial;
  /** The algorithm; if given, it must be the one the key fixes. */
  readonly alg?: JwsAlgorithm;
  /** Key ID written into the JWS header, so a verifier with several keys picks the right one. */
  readonly kid?: string;
  /** `stagepass` (default), `opentok-t1` (needs `secret`) or `vonage` (needs an RSA `privateKey`). */
  readonly format?: TokenFormat;
}

/** What one token grants. */
export interface MintOptions {
  readonly sessionId: string;
  /** Default `publisher`. `publisherOnly` is accepted and written as `publisheronly`. */
  readonly role?: Role | 'publisherOnly';
  /** Expiry as integer UNIX seconds or a Date. Give this or `ttl`, not both. */
  readonly expireTime?: UnixSeconds | Date;
  /** Lifetime: seconds, or "30m", "24h", "7d". Default 24 h; at most 30 days. */
  readonly ttl?: Seconds | string;
  /** Not valid before this time (integer UNIX seconds or a Date). */
  readonly notBefore?: UnixSeconds | Date;
  /** Connection data, shown to every client in the session: never personal data in clear. ≤ 1000 characters. */
  readonly data?: string;
  /** Layout classes for the client's first stream (no whitespace; ≤ 1024 characters joined). */
  readonly initialLayoutClassList?: readonly string[];
  /** The creation time, integer UNIX seconds (default: now). For tests and replays of a clock. */
  readonly now?: UnixSeconds;
}

/** A reusable, synchronous token minter bound to one app key. */
export interface TokenMinter {
  readonly appId: string;
  readonly format: TokenFormat;
  readonly alg: JwsAlgorithm;
  readonly kid: string | undefined;
  /** Mints one token. Throws a StagepassError `ERR_INVALID_OPTION` naming the bad option. */
  mint(options: MintOptions): string;
}

function checkFormat(value: unknown): TokenFormat {
  if (value === undefined) return 'stagepass';
  if (!(TOKEN_FORMATS as readonly unknown[]).includes(value)) {
    throw invalidOption('format', `must be one of ${TOKEN_FORMATS.join(', ')}`);
  }
  return value as TokenFormat;
}

function signingKeyFrom(options: MinterOptions, format: TokenFormat): SigningKey {
  const hasSecret = options.secret !== undefined;
  const hasPrivate = options.privateKey !== undefined;
  if (hasSecret === hasPrivate)
    throw invalidOption(hasSecret ? 'privateKey' : 'secret', 'give exactly one of secret or privateKey');
  const key = importSigningKey(
    hasSecret
      ? { secret: options.secret!, kid: options.kid, alg: options.alg as 'HS256' | undefined }
      : {
          privateKey: options.privateKey!,
          kid: options.kid,
          alg: options.alg as Exclude<JwsAlgorithm, 'HS256'> | undefined,
        },
  );
  if (format === 'opentok-t1') {
    if (key.secret === undefined)
      throw invalidOption(
        'format',
        'opentok-t1 tokens are signed with the app secret (HMAC-SHA1), not with a private key',
      );
    if (key.kid !== undefined) throw invalidOption('kid', 'opentok-t1 tokens have no key ID');
  }
  if (format === 'vonage' && key.alg !== 'RS256') {
    throw invalidOption('format', "vonage tokens are RS256: give the application's RSA private key");
  }
  return key;
}

function expiryOf(options: MintOptions, now: UnixSeconds): UnixSeconds {
  if (options.expireTime !== undefined && options.ttl !== undefined) {
    throw invalidOption('ttl', 'give expireTime or ttl, not both');
  }
  const option = options.expireTime !== undefined ? 'expireTime' : 'ttl';
  const expireTime =
    options.expireTime !== undefined
      ? unixSecondsOption(options.expireTime, 'expireTime')
      : now + (options.ttl !== undefined ? parseTtl(options.ttl) : DEFAULT_TTL_SECONDS);
  if (expireTime <= now) throw invalidOption(option, 'must be in the future');
  if (expireTime - now > MAX_LIFETIME_SECONDS) {
    throw invalidOption(option, `must be at most 30 days (${MAX_LIFETIME_SECONDS} s) after creation`);
  }
  return expireTime;
}

function currentTime(value: unknown): UnixSeconds {
  if (value === undefined) return toUnixSeconds(Date.now());
  return unixSecondsOption(value, 'now');
}

/**
 * Creates a reusable minter: the key is imported and every option checked once, so minting is
 * one HMAC (or signature) and a little string building per token.
 *
 * @example
 * ```ts
 * const minter = createMinter({ appId, secret: process.env.STAGEPASS_SECRET! });
 * const token = minter.mint({ sessionId, role: 'subscriber', ttl: '1h', data: 'user=42' });
 * ```
 */
export function createMinter(options: MinterOptions): TokenMinter {
  if (typeof options !== 'object' || options === null) throw invalidOption('options', 'must be an object');
  const appId = checkAppId(options.appId);
  const format = checkFormat(options.format);
  const key = signingKeyFrom(options, format);
  const header =
    format === 'opentok-t1'
      ? ''
      : encodeBase64urlText(
          JSON.stringify(
            key.kid === undefined ? { alg: key.alg, typ: 'JWT' } : { alg: key.alg, typ: 'JWT', kid: key.kid },
          ),
        );
  const writeClaims = format === 'vonage' ? vonageClaimsWriter(appId) : stagepassClaimsWriter(appId);

  function mint(mintOptions: MintOptions): string {
    if (typeof mintOptions !== 'object' || mintOptions === null) throw invalidOption('options', 'must be an object');
    const now = currentTime(mintOptions.now);
    const expireTime = expiryOf(mintOptions, now);
    const notBefore =
      mintOptions.notBefore === undefined ? undefined : unixSecondsOption(mintOptions.notBefore, 'notBefore');
    if (notBefore !== undefined) {
      if (format === 'opentok-t1') throw invalidOption('notBefore', 'opentok-t1 tokens cannot carry a not-before time');
      if (notBefore >= expireTime) throw invalidOption('notBefore', 'must be before the expiry time');
    }
    const claims: MintClaims = {
      appId,
      sessionId: checkSessionId(mintOptions.sessionId),
      role: mintOptions.role === undefined ? DEFAULT_ROLE : checkRoleInput(mintOptions.role),
      now,
      expireTime,
      notBefore,
      data: checkDataInput(mintOptions.data),
      layout: checkLayoutInput(mintOptions.initialLayoutClassList),
      jti: format === 'opentok-t1' ? '' : randomId128(),
      nonce: randomNonce(),
    };
    let token: string;
    if (format === 'opentok-t1') {
      token = writeT1Token(claims, key.secret!);
    } else {
      const signingInput = `${header}.${encodeBase64urlText(writeClaims(claims))}`;
      token = `${signingInput}.${key.sign(signingInput)}`;
    }
    // Tokens are ASCII, so length is size. Escaping can grow data several-fold (a non-ASCII character
    // takes up to 12 bytes percent-encoded in T1, a control character 6 as a JSON escape): never hand
    // out a token that every verifier would refuse as too large.
    if (token.length > MAX_TOKEN_BYTES) {
      throw invalidOption(
        claims.data === undefined ? 'initialLayoutClassList' : 'data',
        `makes the ${format} token ${token.length} bytes once encoded; tokens are at most ${MAX_TOKEN_BYTES} bytes (use fewer non-ASCII or control characters)`,
      );
    }
    return token;
  }

  return { appId, format, alg: key.alg, kid: key.kid, mint };
}

/**
 * Mints one token. For many tokens, make one {@link createMinter} and call `mint` on it.
 *
 * @example
 * ```ts
 * const token = createToken({ appId, secret, sessionId, role: 'moderator', ttl: '2h' });
 * ```
 */
export function createToken(options: MinterOptions & MintOptions): string {
  return createMinter(options).mint(options);
}
