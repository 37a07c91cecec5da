import type { IncomingMessage, ServerResponse } from 'node:http';
import { performance } from 'node:perf_hooks';
import type { Logger } from 'pino';
import { StagepassError, invalidOption, isOpaqueId, wireLimits } from '@stagepass/protocol';
import { isEntityId, isSessionId, MAX_SESSION_ID_LENGTH } from './parse-rest-body.js';
import { refusal, send, type Answer } from './rest-answer.js';

/**
 * What both REST surfaces (`/v1` and the OpenTok-compatible routes) share at their edge: their
 * options' checks, the path IDs' checks, and one request's life (answer, refusal, log line).
 */

/** Request bodies: 64 KiB by default (docs/protocol.md). */
export const DEFAULT_MAX_BODY_BYTES = 64 * 1024;
const MAX_MAX_BODY_BYTES = 16 * 1024 * 1024;

/** The options both REST handlers take. */
export interface RestEdgeOptions {
  readonly registry: object;
  readonly sessions: object;
  readonly replay: object;
  readonly now?: () => number;
  readonly maxBodyBytes?: number;
}

/** Checks a REST handler's options; returns the largest body, in bytes. */
export function checkRestOptions(options: RestEdgeOptions): number {
  if (typeof options !== 'object' || options === null) throw invalidOption('options', 'must be an object');
  for (const name of ['registry', 'sessions', 'replay'] as const) {
    if (typeof options[name] !== 'object' || options[name] === null) throw invalidOption(name, 'is required');
  }
  if (options.now !== undefined && typeof options.now !== 'function')
    throw invalidOption('now', 'must be a function returning milliseconds');
  const max = options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
  if (!Number.isSafeInteger(max) || max < 1 || max > MAX_MAX_BODY_BYTES) {
    throw invalidOption('maxBodyBytes', `must be a whole number of bytes from 1 to ${MAX_MAX_BODY_BYTES}`);
  }
  return max;
}

/** A path's IDs; '' for one the route does not have. */
export interface PathIds {
  readonly sessionId: string;
  readonly connectionId: string;
  readonly streamId: string;
}

function badParam(name: string, problem: string): never {
  throw new StagepassError('ERR_MESSAGE_INVALID', `The path's ${name} ${problem}.`);
}

/** The path's IDs, percent-decoded by the router, checked against the protocol's shapes. */
export function pathIds(params: {
  readonly sessionId?: string;
  readonly connectionId?: string;
  readonly streamId?: string;
}): PathIds {
  const { sessionId, connectionId, streamId } = params;
  if (sessionId !== undefined && !isSessionId(sessionId)) {
    badParam('sessionId', `must be 1–${MAX_SESSION_ID_LENGTH} printable ASCII characters without spaces`);
  }
  if (connectionId !== undefined && !isEntityId(connectionId)) badParam('connectionId', 'is not a connection ID');
  if (streamId !== undefined && !isEntityId(streamId)) badParam('streamId', 'is not a stream ID');
  return { sessionId: sessionId ?? '', connectionId: connectionId ?? '', streamId: streamId ?? '' };
}

/** What a request's answerer learns as it goes, for the log line (either may stay undefined). */
export interface RequestNotes {
  route?: string;
  appId?: string;
}

/**
 * A Node request listener around `answer`: a thrown error becomes its refusal (`{"code","message"}`),
 * a 5xx other than 501 (a deliberate "not supported") is logged as an error, and every request gets
 * one `label` log line with method, route pattern, status, App ID (only one of the right shape: the
 * path is the caller's), code and time; never a JWT, a body or a query string.
 */
export function serveRestRequests(
  label: string,
  logger: Logger | undefined,
  answer: (req: IncomingMessage, notes: RequestNotes) => Promise<Answer>,
): (req: IncomingMessage, res: ServerResponse) => void {
  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const started = performance.now();
    const notes: RequestNotes = {};
    let result: Answer;
    try {
      result = await answer(req, notes);
    } catch (err) {
      result = refusal(err);
      if (result.status >= 500 && result.status !== 501)
        logger?.error({ err, method: req.method, route: notes.route }, `${label} failed`);
    }
    send(req, res, result);
    logger?.info(
      {
        method: req.method,
        route: notes.route ?? null,
        status: result.status,
        appId: isOpaqueId(notes.appId, wireLimits.MAX_APP_ID_LENGTH) ? notes.appId : null,
        code: (result.body as { code?: unknown } | undefined)?.code ?? null,
        ms: Math.round((performance.now() - started) * 10) / 10,
      },
      label,
    );
  }

  return (req, res) => {
    handle(req, res).catch((err: unknown) => {
      logger?.error({ err }, `${label} handler failed`);
      if (!res.headersSent && !res.destroyed) res.writeHead(500).end();
    });
  };
}
