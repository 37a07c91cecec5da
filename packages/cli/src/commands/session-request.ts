import { createAppJwt } from '@stagepass/token';
import type { CommandIo } from '../cli-io.js';
import type { CommandOutput } from '../command-spec.js';
import { readKeyFile } from '../read-key-file.js';
import { UsageError } from '../usage-error.js';

/** Where `stagepass session …` finds the gateway when neither `--url` nor `$STAGEPASS_URL` says. */
export const DEFAULT_GATEWAY_URL = 'http://127.0.0.1:4280';
/** How long one request may take before the command gives up. */
const REQUEST_TIMEOUT_MS = 30_000;
/** Longest server message shown; a stray proxy page must not flood the terminal. */
const MAX_SHOWN_MESSAGE = 500;

/** The gateway and the app credentials every `stagepass session …` command takes. */
export interface GatewayOptions {
  /** The gateway's base URL (http or https). */
  readonly url: string;
  readonly appId: string;
  /** The app secret (HS256). Give this or `privateKeyFile` (the parser ensures exactly one). */
  readonly secret?: string;
  /** A private key file (PEM or JWK) registered with the app. */
  readonly privateKeyFile?: string;
  /** Key ID written in the app JWT header. */
  readonly kid?: string;
}

/** The gateway refused, or could not be reached: exit 1 with `code`. */
export interface GatewayFailure {
  readonly ok: false;
  /**
   * A registered code (docs/errors.md): the gateway's (`ERR_AUTH_INVALID`, …), or the CLI's own when no
   * Stagepass answer came: `ERR_GATEWAY_UNREACHABLE` (no answer) or `ERR_GATEWAY_ANSWER_INVALID` (not a gateway's).
   */
  readonly code: string;
  readonly message: string;
  /** The HTTP status, or null when no answer came. */
  readonly status: number | null;
  /** With ERR_GATEWAY_UNREACHABLE: the system's code, e.g. `ECONNREFUSED`, `ENOTFOUND`, `ETIMEDOUT`. */
  readonly cause?: string;
}

/**
 * The server answered, but not as a Stagepass gateway does (ERR_GATEWAY_ANSWER_INVALID).
 *
 * @example
 * ```ts
 * return notAGateway(reply.status, "the gateway's answer has no sessionId; is --url a Stagepass gateway?");
 * ```
 */
export function notAGateway(status: number, message: string): GatewayFailure {
  return { ok: false, status, code: 'ERR_GATEWAY_ANSWER_INVALID', message };
}

/** A command's outcome: its data, or why the gateway did not do it. */
export type GatewayResult<T> = ({ readonly ok: true } & T) | GatewayFailure;

/** One REST request: the path below `/v1/apps/{appId}/` as raw segments (each is percent-encoded here). */
export interface GatewayRequest {
  readonly method: 'GET' | 'POST' | 'DELETE';
  readonly path: readonly string[];
  readonly body?: Readonly<Record<string, unknown>>;
}

function baseUrl(url: string): URL {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new UsageError(`--url: must be an http:// or https:// URL such as ${DEFAULT_GATEWAY_URL}`, '--url');
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    throw new UsageError(`--url: must be an http:// or https:// URL such as ${DEFAULT_GATEWAY_URL}`, '--url');
  }
  return parsed;
}

/** The URL as shown in messages: without credentials, query or fragment. */
function shownUrl(url: URL): string {
  return `${url.protocol}//${url.host}${url.pathname.replace(/\/+$/, '')}`;
}

/** Server text made safe for a terminal: no control characters, bounded length. */
function printable(text: string): string {
  const clean = text.replace(/[\u0000-\u001f\u007f-\u009f]+/g, ' ').trim();
  return clean.length > MAX_SHOWN_MESSAGE ? `${clean.slice(0, MAX_SHOWN_MESSAGE)}…` : clean;
}

function unreachable(err: unknown, where: string): GatewayFailure {
  if (err instanceof Error && (err.name === 'TimeoutError' || err.name === 'AbortError')) {
    return {
      ok: false,
      status: null,
      code: 'ERR_GATEWAY_UNREACHABLE',
      cause: 'ETIMEDOUT',
      message: `no answer from the gateway at ${where} within ${REQUEST_TIMEOUT_MS / 1000} s`,
    };
  }
  const system = err instanceof Error ? (err.cause as { code?: unknown } | undefined) : undefined;
  const code = typeof system?.code === 'string' && /^[A-Z][A-Z0-9_]{1,40}$/.test(system.code) ? system.code : undefined;
  const why = code === 'ECONNREFUSED' ? 'connection refused' : (code ?? 'no connection');
  return {
    ok: false,
    status: null,
    code: 'ERR_GATEWAY_UNREACHABLE',
    ...(code === undefined ? {} : { cause: code }),
    message: `cannot reach the Stagepass gateway at ${where} (${why}): is it running? Point --url (or STAGEPASS_URL) at it.`,
  };
}

/**
 * Sends one REST request to the gateway, signed with a fresh app JWT (60 s, one use) minted from
 * the app's secret or private key. Never prints or returns the JWT or the secret. A refusal, an
 * unreachable gateway or a non-Stagepass answer is a {@link GatewayFailure}; bad options throw
 * (usage errors).
 *
 * @example
 * ```ts
 * const reply = await callGateway(options, io, { method: 'POST', path: ['sessions'], body: {} });
 * if (reply.ok) reply.body; // { sessionId, createdAt }
 * ```
 */
export async function callGateway(
  options: GatewayOptions,
  io: CommandIo,
  request: GatewayRequest,
): Promise<GatewayResult<{ readonly status: number; readonly body: Readonly<Record<string, unknown>> | undefined }>> {
  const base = baseUrl(options.url);
  const privateKey =
    options.privateKeyFile === undefined ? undefined : await readKeyFile(io, options.privateKeyFile, '--private-key');
  const jwt = createAppJwt({ appId: options.appId, secret: options.secret, privateKey, kid: options.kid });
  const path = ['v1', 'apps', options.appId, ...request.path].map(encodeURIComponent).join('/');
  const target = new URL(`${base.pathname.replace(/\/+$/, '')}/${path}`, base);
  const where = shownUrl(base);
  const headers: Record<string, string> = { authorization: `Bearer ${jwt}`, accept: 'application/json' };
  if (request.body !== undefined) headers['content-type'] = 'application/json';
  let response: Response;
  let text: string;
  try {
    response = await fetch(target, {
      method: request.method,
      headers,
      ...(request.body === undefined ? {} : { body: JSON.stringify(request.body) }),
      // A redirect could carry the app JWT elsewhere: none is followed.
      redirect: 'manual',
      signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
    });
    text = await response.text();
  } catch (err) {
    return unreachable(err, where);
  }
  let body: unknown;
  if (text !== '' && (response.headers.get('content-type') ?? '').toLowerCase().startsWith('application/json')) {
    try {
      body = JSON.parse(text);
    } catch {
      body = undefined;
    }
  }
  const object =
    typeof body === 'object' && body !== null && !Array.isArray(body) ? (body as Record<string, unknown>) : undefined;
  if (response.status >= 200 && response.status < 300) return { ok: true, status: response.status, body: object };
  if (typeof object?.code === 'string' && /^ERR_[A-Z_]{1,60}$/.test(object.code)) {
    const message = typeof object.message === 'string' ? printable(object.message) : '';
    return { ok: false, status: response.status, code: object.code, message };
  }
  return notAGateway(
    response.status,
    `the server at ${where} answered HTTP ${response.status} without a Stagepass error; is --url a Stagepass gateway?`,
  );
}

/**
 * How a failure is shown: `error: CODE: message` on stderr, and with `--json` `{code, message, status}` (and
 * `cause` when the gateway could not be reached).
 *
 * @example
 * ```ts
 * if (!result.ok) return renderGatewayFailure(result);
 * ```
 */
export function renderGatewayFailure(failure: GatewayFailure): CommandOutput {
  return {
    ok: false,
    json: {
      code: failure.code,
      message: failure.message,
      status: failure.status,
      ...(failure.cause === undefined ? {} : { cause: failure.cause }),
    },
    text: '',
    failure: { code: failure.code, message: failure.message },
    warnings: [],
  };
}

/**
 * How a done action is shown: one line for people, or `json` with `--json`.
 *
 * @example
 * ```ts
 * renderDone({ sessionId, connectionId }, `disconnected ${connectionId}`);
 * ```
 */
export function renderDone(json: Readonly<Record<string, unknown>>, line: string): CommandOutput {
  return { ok: true, json, text: `${line}\n`, warnings: [] };
}
