import type { IncomingMessage, ServerResponse } from 'node:http';
import { ERROR_CODES, isErrorCode, isStagepassError } from '@stagepass/protocol';
import { hasBody } from './read-json-body.js';
import { HttpRefusal } from './rest-routes.js';

/** One REST answer: its status, JSON body (none for 204) and extra headers. */
export interface Answer {
  readonly status: number;
  readonly body?: unknown;
  readonly headers?: Readonly<Record<string, string>>;
  /** The body's media type; default `application/json; charset=utf-8`. The body is JSON either way. */
  readonly contentType?: string;
}

/** The answer to a refused request: its HTTP status and `{"code","message"}`; anything unexpected is a bare 500. */
export function refusal(err: unknown): Answer {
  if (err instanceof HttpRefusal) {
    return { status: err.status, body: { code: err.code, message: err.message }, headers: err.headers };
  }
  if (isStagepassError(err) && isErrorCode(err.code)) {
    const status = ERROR_CODES[err.code].httpStatus;
    const headers = status === 401 ? { 'www-authenticate': 'Bearer realm="stagepass"' } : undefined;
    return { status, body: { code: err.code, message: err.message }, ...(headers === undefined ? {} : { headers }) };
  }
  return { status: 500, body: { code: 'ERR_INTERNAL', message: 'Internal error; the gateway log has the details.' } };
}

/** Writes an answer (JSON, never cached). */
export function send(req: IncomingMessage, res: ServerResponse, result: Answer): void {
  if (res.headersSent || res.destroyed) return;
  const headers: Record<string, string> = { 'cache-control': 'no-store', ...result.headers };
  // A body left unread (refused early, or too large) is not drained: the connection closes instead.
  if (hasBody(req) && !req.complete) headers.connection = 'close';
  if (result.body === undefined) {
    res.writeHead(result.status, headers).end();
    return;
  }
  const text = JSON.stringify(result.body);
  res
    .writeHead(result.status, {
      ...headers,
      'content-type': result.contentType ?? 'application/json; charset=utf-8',
      'content-length': String(Buffer.byteLength(text)),
      'x-content-type-options': 'nosniff',
    })
    .end(text);
}
