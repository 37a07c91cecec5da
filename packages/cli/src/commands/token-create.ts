import { createMinter, inspectToken, type JwsAlgorithm, type Role, type TokenFormat } from '@stagepass/token';
import type { UnixSeconds } from '@stagepass/protocol';
import type { CommandIo } from '../cli-io.js';
import type { CommandOutput } from '../command-spec.js';
import { personalDataWarning } from '../data-warning.js';
import { readKeyFile } from '../read-key-file.js';

/** `stagepass token create` options, as parsed from the command line. */
export interface TokenCreateOptions {
  readonly appId: string;
  readonly sessionId: string;
  /** Give this or `privateKeyFile` (the parser ensures exactly one). */
  readonly secret?: string;
  /** Path of a PEM or JWK private key file. */
  readonly privateKeyFile?: string;
  readonly alg?: string;
  readonly role?: string;
  /** Seconds or a duration (`30m`, `24h`, `7d`), passed to the library as written. */
  readonly ttl?: string;
  readonly expireTime?: UnixSeconds;
  readonly notBefore?: UnixSeconds;
  /** The creation time (default: the clock), for reproducible scripts. */
  readonly now?: UnixSeconds;
  readonly data?: string;
  readonly layout?: readonly string[];
  readonly format?: string;
  readonly kid?: string;
}

/** A minted token and what it says (read back from the token itself). */
export interface TokenCreateResult {
  readonly token: string;
  readonly format: TokenFormat;
  readonly appId: string;
  readonly sessionId: string;
  readonly role: string;
  readonly createTime: UnixSeconds;
  readonly expireTime: UnixSeconds;
  readonly notBefore: UnixSeconds | null;
  readonly data: string | null;
  readonly initialLayoutClassList: readonly string[];
  readonly header: Readonly<Record<string, unknown>>;
  readonly claims: Readonly<Record<string, unknown>>;
  /** Diagnostics for stderr, e.g. the personal-data warning. */
  readonly warnings: readonly string[];
}

/** A claim we wrote ourselves as a number, or as T1's decimal string. */
function timeClaim(value: unknown): UnixSeconds {
  return typeof value === 'string' ? Number(value) : (value as number);
}

/**
 * Mints one token with `@stagepass/token`. Library errors (`ERR_INVALID_OPTION` naming the option)
 * are thrown for `main.ts` to report.
 *
 * @example
 * ```ts
 * const { token } = await tokenCreate({ appId, sessionId, secret, ttl: '1h' }, io);
 * ```
 */
export async function tokenCreate(options: TokenCreateOptions, io: CommandIo): Promise<TokenCreateResult> {
  const privateKey =
    options.privateKeyFile === undefined ? undefined : await readKeyFile(io, options.privateKeyFile, '--private-key');
  const minter = createMinter({
    appId: options.appId,
    secret: options.secret,
    privateKey,
    alg: options.alg as JwsAlgorithm | undefined,
    kid: options.kid,
    format: options.format as TokenFormat | undefined,
  });
  const token = minter.mint({
    sessionId: options.sessionId,
    role: options.role as Role | undefined,
    ttl: options.ttl,
    expireTime: options.expireTime,
    notBefore: options.notBefore,
    now: options.now,
    data: options.data,
    initialLayoutClassList: options.layout,
  });
  const { header, claims } = inspectToken(token);
  const warning = options.data === undefined ? undefined : personalDataWarning(options.data);
  const layout = typeof claims.initial_layout_class_list === 'string' ? claims.initial_layout_class_list : '';
  return {
    token,
    format: minter.format,
    appId: minter.appId,
    sessionId: options.sessionId,
    role: String(claims.role),
    createTime: timeClaim(claims.create_time ?? claims.iat),
    expireTime: timeClaim(claims.exp ?? claims.expire_time),
    notBefore: claims.nbf === undefined ? null : timeClaim(claims.nbf),
    data: options.data ?? null,
    initialLayoutClassList: layout === '' ? [] : layout.split(' '),
    header,
    claims,
    warnings: warning === undefined ? [] : [warning],
  };
}

/**
 * How a minted token is shown: the bare token (one line, for `$(…)`), or with `--json` the token
 * and its claims.
 *
 * @example
 * ```ts
 * renderTokenCreate(await tokenCreate(options, io)).text; // 'eyJ…\n'
 * ```
 */
export function renderTokenCreate(result: TokenCreateResult): CommandOutput {
  const { warnings, ...json } = result;
  return { ok: true, json, text: `${result.token}\n`, warnings };
}
