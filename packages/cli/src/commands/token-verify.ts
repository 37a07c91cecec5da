import { isStagepassError, type Seconds, type UnixSeconds } from '@stagepass/protocol';
import { verifyToken, type VerifiedToken } from '@stagepass/token';
import type { CommandIo } from '../cli-io.js';
import type { CommandOutput } from '../command-spec.js';
import { readKeyFile } from '../read-key-file.js';
import { readTokenArgument } from '../read-token-argument.js';
import { formatRelative, formatUnixTime } from '../time-format.js';
import { tokenFormatName } from '../token-format-name.js';

/** `stagepass token verify` options, as parsed from the command line. */
export interface TokenVerifyOptions {
  /** The token, or `-` for stdin. */
  readonly token: string;
  readonly appId: string;
  /** Give this or `publicKeyFile` (the parser ensures exactly one). */
  readonly secret?: string;
  /** Path of a PEM or JWK public key file (a private key file works too: its public half is used). */
  readonly publicKeyFile?: string;
  /** When given, the token must be for this session. */
  readonly sessionId?: string;
  readonly legacyT1?: boolean;
  readonly clockTolerance?: Seconds;
  /** The time to verify at (default: the clock). */
  readonly now?: UnixSeconds;
}

/** The verdict, exactly as `--json` prints it. */
export type TokenVerifyResult =
  | ({ readonly valid: true; readonly now: UnixSeconds } & VerifiedToken)
  | { readonly valid: false; readonly code: string; readonly message: string };

/**
 * Verifies one token with one app's secret or public key. A refused token is a result
 * (`valid: false` with its `ERR_TOKEN_…` code), not an error; a bad option still throws.
 *
 * @example
 * ```ts
 * const verdict = await tokenVerify({ token, appId, secret, sessionId }, io);
 * if (verdict.valid) verdict.role;
 * ```
 */
export async function tokenVerify(options: TokenVerifyOptions, io: CommandIo): Promise<TokenVerifyResult> {
  const token = await readTokenArgument(options.token, io);
  const publicKey =
    options.publicKeyFile === undefined ? undefined : await readKeyFile(io, options.publicKeyFile, '--public-key');
  try {
    const verified = verifyToken(token, {
      appId: options.appId,
      secret: options.secret,
      publicKey,
      sessionId: options.sessionId,
      legacyT1: options.legacyT1,
      clockTolerance: options.clockTolerance,
      now: options.now,
    });
    return { valid: true, now: options.now ?? io.now(), ...verified };
  } catch (err) {
    if (isStagepassError(err) && err.code !== 'ERR_INVALID_OPTION') {
      return { valid: false, code: err.code, message: err.message };
    }
    throw err;
  }
}

/**
 * How a verdict is shown: a one-line summary on stdout, or the refusal's code and message on
 * stderr; with `--json`, the verdict with times as integer UNIX seconds and `null` for absent values.
 *
 * @example
 * ```ts
 * renderTokenVerify(verdict).text;
 * // 'valid Stagepass/OpenTok JWT (format stagepass), HS256: role publisher, session s1, expires … (in 23h 59m)\n'
 * ```
 */
export function renderTokenVerify(result: TokenVerifyResult): CommandOutput {
  if (!result.valid) {
    return {
      ok: false,
      json: { valid: false, code: result.code, message: result.message },
      text: '',
      failure: { code: result.code, message: result.message },
      warnings: [],
    };
  }
  const json = {
    valid: true,
    format: result.format,
    algorithm: result.algorithm,
    appId: result.appId,
    sessionId: result.sessionId,
    role: result.role,
    capabilities: result.capabilities,
    createTime: result.createTime,
    issuedAt: result.issuedAt,
    expireTime: result.expireTime,
    notBefore: result.notBefore ?? null,
    data: result.data ?? null,
    initialLayoutClassList: result.initialLayoutClassList,
    tokenId: result.tokenId,
    keyId: result.keyId ?? null,
  };
  const expires = `${formatUnixTime(result.expireTime) ?? String(result.expireTime)} (${formatRelative(result.expireTime, result.now)})`;
  const what = `${tokenFormatName(result.format)}, ${result.algorithm}`;
  const text = `valid ${what}: role ${result.role}, session ${result.sessionId}, expires ${expires}\n`;
  return { ok: true, json, text, warnings: [] };
}
