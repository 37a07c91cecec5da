import { existsSync, readFileSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { fileURLToPath } from 'node:url';
import { ERROR_CODES, invalidOption, isStagepassError, type ErrorCode } from '@stagepass/protocol';
import { createSessionId, createTokenHandler, readOpenTokSessionId, type TokenGrant } from '@stagepass/token';
import { BodyTooLargeError, readBody, toWebRequest, writeWebResponse } from './node-web-request.js';

/** Options of {@link createDevRoutes}: the development app whose tokens `POST /dev/token` mints. */
export interface DevRoutesOptions {
  readonly appId: string;
  /** The app's HS256 secret: it never leaves this process (the page only sees tokens). */
  readonly secret: string;
  readonly kid?: string;
  /** Told to a `POST /dev/token` without `ttl`. Default '1h'. */
  readonly defaultTtl?: string;
  /** Most session names remembered as routed sessions (the oldest is forgotten first). Default 10000. */
  readonly maxRoutedNames?: number;
}

/** A Node request listener that answers the requests it owns (true) and passes the rest (false). */
export type DevRoutesHandler = (req: IncomingMessage, res: ServerResponse) => boolean;

interface StaticFile {
  readonly type: string;
  readonly body: Buffer;
}

const TOKEN_PATH = '/dev/token';
const MAX_TOKEN_REQUEST_BYTES = 16 * 1024;
// The page may talk to this origin only (its scripts, its WebSocket, its media): nothing else.
const PAGE_HEADERS = {
  'cache-control': 'no-cache',
  'x-content-type-options': 'nosniff',
  'content-security-policy':
    "default-src 'self'; connect-src 'self' ws: wss:; media-src 'self' blob: mediastream:; img-src 'self' data:; frame-ancestors 'none'",
} as const;

function staticFiles(): ReadonlyMap<string, StaticFile> {
  const here = (path: string) => fileURLToPath(new URL(`../static/${path}`, import.meta.url));
  const bundle = fileURLToPath(import.meta.resolve('@stagepass/client/stagepass-client.min.js'));
  if (!existsSync(bundle)) throw new Error(`The client bundle ${bundle} is missing: run npm run build first.`);
  const html = { type: 'text/html; charset=utf-8', body: readFileSync(here('index.html')) };
  return new Map<string, StaticFile>([
    ['/', html],
    ['/index.html', html],
    ['/demo/demo.js', { type: 'text/javascript; charset=utf-8', body: readFileSync(here('demo.js')) }],
    ['/demo/demo.css', { type: 'text/css; charset=utf-8', body: readFileSync(here('demo.css')) }],
    ['/demo/stagepass-client.min.js', { type: 'text/javascript; charset=utf-8', body: readFileSync(bundle) }],
  ]);
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(text),
    'cache-control': 'no-store',
  });
  res.end(text);
}

function sendError(
  res: ServerResponse,
  code: ErrorCode,
  message: string,
  status: number = ERROR_CODES[code].httpStatus,
): void {
  sendJson(res, status, { code, message });
}

/**
 * The routed session ID behind each session *name* the page asked routed: a routed session's mode lives in its
 * ID (docs/protocol.md "Media modes"), so `standup` asked routed becomes one ID made by `createSessionId`, the
 * same for every tab while this process runs. Names that already are OpenTok-shaped IDs keep their own mode.
 */
function routedNames(appId: string, max: number): (name: string) => string {
  const ids = new Map<string, string>();
  return (name) => {
    if (readOpenTokSessionId(name) !== undefined) return name;
    let id = ids.get(name);
    if (id === undefined) {
      id = createSessionId({ appId, mediaMode: 'routed' });
      if (ids.size >= max) ids.delete(ids.keys().next().value!);
      ids.set(name, id);
    }
    return id;
  };
}

/** The grant a `POST /dev/token` body asks for; the minter checks each field (ERR_INVALID_OPTION). */
function grantOf(text: string, defaultTtl: string, routed: (name: string) => string): TokenGrant {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    body = undefined;
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return { sessionId: '', role: 'publisher' };
  const { role, data, ttl, mediaMode } = body as Record<string, unknown>;
  let sessionId = (body as Record<string, unknown>).sessionId;
  if (mediaMode !== undefined && mediaMode !== 'relayed' && mediaMode !== 'routed') {
    throw invalidOption('mediaMode', 'must be "relayed" or "routed"');
  }
  if (mediaMode === 'routed' && typeof sessionId === 'string' && sessionId !== '') sessionId = routed(sessionId);
  return {
    sessionId: sessionId as string,
    role: (role ?? 'publisher') as TokenGrant['role'],
    ...(data === undefined || data === '' ? {} : { data: data as string }),
    ttl: (ttl ?? defaultTtl) as string,
  };
}

/**
 * The demo page and its dev-only token endpoint, for `createGateway({ dev })` (what `stagepass serve --dev`
 * mounts): `GET /` the page, `GET /demo/…` its script, style and the client bundle, and
 * `POST /dev/token` `{sessionId, role, data?, ttl?, mediaMode?}` → `{token, appId, sessionId, role, expireTime}`
 * (with `mediaMode: "routed"`, a plain session name is swapped for the routed session ID kept for it), minted by
 * `createTokenHandler` for the development app. Anyone who reaches it gets any token: loopback only, which the
 * CLI enforces. Every other path passes (false).
 *
 * @example
 * ```ts
 * const dev = createDevRoutes({ appId, secret });
 * const gateway = createGateway({ registry, dev });   // http://127.0.0.1:4280/ is the demo page
 * ```
 */
export function createDevRoutes(options: DevRoutesOptions): DevRoutesHandler {
  const files = staticFiles();
  const defaultTtl = options.defaultTtl ?? '1h';
  const routed = routedNames(options.appId, options.maxRoutedNames ?? 10_000);
  const handleToken = createTokenHandler({
    appId: options.appId,
    secret: options.secret,
    ...(options.kid === undefined ? {} : { kid: options.kid }),
    authorize: async (request) => grantOf(await request.text(), defaultTtl, routed),
  });

  async function token(req: IncomingMessage, res: ServerResponse): Promise<void> {
    try {
      const body = await readBody(req, MAX_TOKEN_REQUEST_BYTES);
      await writeWebResponse(await handleToken(toWebRequest(req, body)), res);
    } catch (err) {
      if (err instanceof BodyTooLargeError) sendError(res, 'ERR_MESSAGE_TOO_LARGE', 'The body is over 16 KiB.', 413);
      else if (isStagepassError(err) && err.code === 'ERR_INVALID_OPTION')
        sendError(res, 'ERR_INVALID_OPTION', err.message, 400);
      else sendError(res, 'ERR_INTERNAL', 'The token could not be minted.', 500);
    }
  }

  return function handleDevRequest(req, res) {
    const path = (req.url ?? '/').split('?')[0] ?? '/';
    if (path === TOKEN_PATH) {
      if (req.method === 'POST') void token(req, res);
      else
        sendError(
          res,
          'ERR_INVALID_OPTION',
          `${TOKEN_PATH} takes POST {sessionId, role, data?, ttl?, mediaMode?}.`,
          405,
        );
      return true;
    }
    const file = files.get(path);
    if (file === undefined || (req.method !== 'GET' && req.method !== 'HEAD')) return false;
    res.writeHead(200, { ...PAGE_HEADERS, 'content-type': file.type, 'content-length': file.body.length });
    res.end(req.method === 'HEAD' ? undefined : file.body);
    return true;
  };
}
