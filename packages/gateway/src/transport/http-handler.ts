import type { IncomingMessage, ServerResponse } from 'node:http';
import { performance } from 'node:perf_hooks';
import { CONNECT_PATH, ERROR_CODES, type ErrorCode } from '@stagepass/protocol';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import { isOpenTokPath } from '../rest/opentok/opentok-routes.js';
import { pathOf } from './connect-target.js';

/** A Node request listener, as `createRestHandler` returns. */
export type RequestHandler = (req: IncomingMessage, res: ServerResponse) => void;

/** Development routes (the demo page, `POST /dev/token`): true when it answered the request, false to pass. */
export type DevRoutes = (req: IncomingMessage, res: ServerResponse) => boolean;

export interface HttpHandlerOptions {
  readonly metrics: Registry;
  /** True once the gateway stopped admitting (readyz answers 503). */
  readonly isDraining: () => boolean;
  /** Why the app registry's store cannot be trusted (readyz answers 503), or undefined. */
  readonly storeProblem?: () => string | undefined;
  /** Why the session service cannot serve (cluster mode: Redis unreachable; readyz answers 503), or undefined. */
  readonly sessionsProblem?: () => string | undefined;
  /** Serves everything under /v1/apps/ (the REST API for app backends). */
  readonly rest: RequestHandler;
  /** Serves `/session/create` and everything under /v2/project/ (the OpenTok-compatible routes); absent: 404. */
  readonly opentokRest?: RequestHandler | undefined;
  readonly logger: Logger;
  /** A scrape within this many ms of the last collection gets the same text; 0 collects every time. */
  readonly metricsCacheMs: number;
  /** Asked before the 404, only when the gateway was given `dev`. */
  readonly dev?: DevRoutes | undefined;
}

const REST_PREFIX = '/v1/apps/';
const PROBES = new Set(['/healthz', '/readyz', '/metrics']);

/** Writes a JSON answer. */
export function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(text),
    'cache-control': 'no-store',
  });
  res.end(text);
}

/** Writes a refusal: the code's HTTP status (or `status`) and `{"code","message"}`. */
export function sendError(
  res: ServerResponse,
  code: ErrorCode,
  message: string,
  status: number = ERROR_CODES[code].httpStatus,
): void {
  sendJson(res, status, { code, message });
}

/**
 * The gateway's plain HTTP side: `GET /healthz` (200 while the process runs), `GET /readyz` (200 while
 * admitting, 503 while draining, while the registry's database file is gone or replaced, or while cluster mode cannot reach Redis), `GET /metrics` (Prometheus text), the REST API under /v1/apps/,
 * the OpenTok-compatible routes (`/session/create`, `/v2/project/…`) when given,
 * and 404 `ERR_NOT_FOUND` for anything else. Each request is logged with its path only: query strings
 * never reach the logs.
 */
export function createHttpHandler(options: HttpHandlerOptions): RequestHandler {
  const { metrics, isDraining, storeProblem, sessionsProblem, rest, opentokRest, logger, dev } = options;
  const metricsText = cachedMetrics(metrics, options.metricsCacheMs);

  function logWhenDone(req: IncomingMessage, res: ServerResponse, path: string): void {
    const started = performance.now();
    res.once('finish', () => {
      const line = {
        method: req.method,
        path,
        status: res.statusCode,
        ms: Math.round((performance.now() - started) * 10) / 10,
      };
      // Probes come every few seconds from orchestrators: keep them out of the info log.
      if (PROBES.has(path)) logger.debug(line, 'http');
      else logger.info(line, 'http');
    });
  }

  return function handleHttp(req, res) {
    const path = pathOf(req.url);
    if (path.startsWith(REST_PREFIX)) {
      // The REST handler logs its own requests (route, status, App ID).
      rest(req, res);
      return;
    }
    if (opentokRest !== undefined && isOpenTokPath(path)) {
      // It logs its own requests too.
      opentokRest(req, res);
      return;
    }
    logWhenDone(req, res, path);
    const readOnly = req.method === 'GET' || req.method === 'HEAD';
    if (readOnly && path === '/healthz') {
      sendJson(res, 200, { status: 'ok' });
    } else if (readOnly && path === '/readyz') {
      if (isDraining())
        sendJson(res, 503, {
          status: 'draining',
          code: 'ERR_SERVER_SHUTTING_DOWN',
          message: 'The gateway is shutting down and admits no one.',
        });
      else {
        const problem = storeProblem?.();
        const sessionProblem = problem === undefined ? sessionsProblem?.() : undefined;
        if (problem !== undefined)
          sendJson(res, 503, { status: 'store unavailable', code: 'ERR_DATABASE_UNAVAILABLE', message: problem });
        else if (sessionProblem !== undefined)
          sendJson(res, 503, { status: 'cluster unavailable', code: 'ERR_UNAVAILABLE', message: sessionProblem });
        else sendJson(res, 200, { status: 'ready' });
      }
    } else if (readOnly && path === '/metrics') {
      metricsText().then(
        (text) => {
          res.writeHead(200, {
            'content-type': metrics.contentType,
            'content-length': Buffer.byteLength(text),
            'cache-control': 'no-store',
          });
          res.end(text);
        },
        (err: unknown) => {
          logger.error({ err }, 'metrics collection failed');
          res.writeHead(500);
          res.end();
        },
      );
    } else if (path === CONNECT_PATH) {
      sendError(res, 'ERR_INVALID_OPTION', `${CONNECT_PATH} takes a WebSocket upgrade.`, 400);
    } else if (dev === undefined || !dev(req, res)) {
      sendError(res, 'ERR_NOT_FOUND', 'No such endpoint.');
    }
  };
}

/**
 * Collects the metrics at most once per `cacheMs`: every scrape meanwhile, and every scrape while a
 * collection runs, gets that one text. A flood of scrapes costs a string write each, not a collection.
 */
function cachedMetrics(metrics: Registry, cacheMs: number): () => Promise<string> {
  let text: Promise<string> | undefined;
  let collectedAt = 0;
  return function metricsText(): Promise<string> {
    const t = performance.now();
    if (text === undefined || t - collectedAt >= cacheMs) {
      collectedAt = t;
      const collecting = metrics.metrics();
      text = collecting;
      // A failed collection is not kept: the next scrape tries again.
      collecting.catch(() => {
        if (text === collecting) text = undefined;
      });
    }
    return text;
  };
}
