import {
  invalidOption,
  toUnixSeconds,
  type ErrorCode,
  type Role,
  type Seconds,
  type UnixSeconds,
} from '@stagepass/protocol';
import { DEFAULT_TTL_SECONDS } from '../lib/limits.js';
import { parseTtl } from '../lib/validate.js';
import { createMinter, type MinterOptions } from '../mint/create-minter.js';

/** What the app grants the user it authenticated: one token for one session. */
export interface TokenGrant {
  readonly sessionId: string;
  readonly role: Role | 'publisherOnly';
  /** Connection data, shown to everyone in the session (≤ 1000 characters, never personal data in clear). */
  readonly data?: string;
  /** Lifetime: seconds or "30m", "2h". Default 24 h. Short is better: the page asks again at each join. */
  readonly ttl?: Seconds | string;
}

/** A refusal: 401 (who are you?) or 403 (not this session / role), with a message for the caller. */
export interface TokenRefusal {
  readonly status: 401 | 403;
  readonly message?: string;
}

/** Options of {@link createTokenHandler}: the app's key (as {@link createMinter}) and who gets what. */
export interface TokenHandlerOptions extends MinterOptions {
  /**
   * Called for every request: authenticate it (cookie, session, header) and return the grant, or a
   * refusal (`null` is a 401). What it throws rejects the handler, for the framework to log and answer 500.
   */
  readonly authorize: (
    request: Request,
  ) => TokenGrant | TokenRefusal | null | Promise<TokenGrant | TokenRefusal | null>;
}

/** The 200 answer's JSON body. */
export interface TokenHandlerResult {
  readonly token: string;
  readonly appId: string;
  readonly sessionId: string;
  readonly role: string;
  /** UNIX seconds. */
  readonly expireTime: UnixSeconds;
}

/** A Web-standard request handler (Hono, Bun, Deno, Next.js route handlers; Node through a small adapter). */
export type TokenHandler = (request: Request) => Promise<Response>;

const REFUSAL_CODE: Record<401 | 403, ErrorCode> = { 401: 'ERR_AUTH_INVALID', 403: 'ERR_CAPABILITY_DENIED' };
const REFUSAL_MESSAGE: Record<401 | 403, string> = {
  401: 'Sign in to get a token.',
  403: 'You may not join this session with this role.',
};
// A token is a credential: no cache (browser, proxy or CDN) may keep or share it.
const HEADERS = { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' } as const;

function json(status: number, body: unknown): Response {
  return new Response(JSON.stringify(body), { status, headers: HEADERS });
}

function isRefusal(value: TokenGrant | TokenRefusal): value is TokenRefusal {
  return 'status' in value && !('sessionId' in value);
}

function refuse(refusal: TokenRefusal): Response {
  const status = refusal.status === 403 ? 403 : 401;
  return json(status, { code: REFUSAL_CODE[status], message: refusal.message ?? REFUSAL_MESSAGE[status] });
}

/**
 * The token endpoint of an app backend: a fresh token per request, for the user `authorize` has
 * authenticated ("a new token for every user at the time they try to connect"). The key is checked
 * once, here; each request is `authorize` and one signature. Answers 200
 * `{"token","appId","sessionId","role","expireTime"}`, or 401/403 `{"code","message"}`; never cacheable.
 * A grant the minter refuses (a bad session ID, data too long) rejects with its `ERR_INVALID_OPTION`.
 *
 * @example
 * ```ts
 * const handleToken = createTokenHandler({
 *   appId, secret: process.env.STAGEPASS_SECRET!,
 *   authorize: async (request) => {
 *     const user = await userOf(request);                 // your own sign-in
 *     return user === undefined ? null : { sessionId: 'room-1', role: 'publisher', data: `name=${user.name}`, ttl: '10m' };
 *   },
 * });
 * const response = await handleToken(request);            // Response: 200 {"token",…} | 401 | 403
 * ```
 */
export function createTokenHandler(options: TokenHandlerOptions): TokenHandler {
  if (typeof options !== 'object' || options === null) throw invalidOption('options', 'must be an object');
  const { authorize, ...minterOptions } = options;
  if (typeof authorize !== 'function')
    throw invalidOption('authorize', 'must be a function (request) => { sessionId, role, data?, ttl? } or a refusal');
  const minter = createMinter(minterOptions);

  return async function handleTokenRequest(request: Request): Promise<Response> {
    const answer = await authorize(request);
    if (answer === null || answer === undefined) return refuse({ status: 401 });
    if (isRefusal(answer)) return refuse(answer);
    // The same clock for the token and the answer's expireTime.
    const now = toUnixSeconds(Date.now());
    const ttl = answer.ttl === undefined ? DEFAULT_TTL_SECONDS : parseTtl(answer.ttl);
    const token = minter.mint({
      sessionId: answer.sessionId,
      role: answer.role,
      ttl,
      now,
      ...(answer.data === undefined ? {} : { data: answer.data }),
    });
    const result: TokenHandlerResult = {
      token,
      appId: minter.appId,
      sessionId: answer.sessionId,
      role: answer.role === 'publisherOnly' ? 'publisheronly' : answer.role,
      expireTime: now + ttl,
    };
    return json(200, result);
  };
}
