import { STATUS_CODES, type IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import type { ErrorCode } from '@stagepass/protocol';
import type { Socket } from 'node:net';
import type { Server as WebSocketServer } from 'ws';
import { ClientConnection, type TransportContext } from './client-connection.js';
import { pathOf, readConnectTarget, type UpgradeRefusal } from '../connect-target.js';
import type { GatewaySocket } from './gateway-socket.js';
import { countFragments } from './count-fragments.js';
import { quietEnd, receiverOf } from './quiet-end.js';
import type { HttpGuard } from '../http-guard.js';

export interface UpgradeOptions {
  readonly ctx: TransportContext;
  readonly wss: WebSocketServer<typeof GatewaySocket>;
  /** Counts the socket against its address's cap (at accept, before any request). */
  readonly guard: Pick<HttpGuard, 'counted'>;
  readonly isDraining: () => boolean;
}

function ignore(): void {}

/** Answers an upgrade request with a plain HTTP status and `{"code","message"}`, and drops the socket. */
function refuseUpgrade(socket: Duplex, refusal: UpgradeRefusal): void {
  socket.on('error', ignore);
  if (!socket.writable) {
    socket.destroy();
    return;
  }
  const body = JSON.stringify({ code: refusal.code, message: refusal.message });
  socket.once('finish', socket.destroy);
  socket.end(
    `HTTP/1.1 ${refusal.status} ${STATUS_CODES[refusal.status] ?? ''}\r\n` +
      'Connection: close\r\n' +
      'Content-Type: application/json; charset=utf-8\r\n' +
      `Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
  );
}

function refusal(status: number, code: ErrorCode, message: string): UpgradeRefusal {
  return { status, code, message };
}

/**
 * Handles the HTTP `upgrade` event (docs/protocol.md "Connecting"): everything that can be refused
 * without the app or the token is refused here, before the upgrade, with no socket state —
 * another path (404), a bad query (400), a draining gateway (503); too many connections from the
 * address were refused (429) as they were accepted (transport/http-guard.ts). Then ws completes the handshake and the socket waits for its `connect` message.
 */
export function createUpgradeHandler(
  options: UpgradeOptions,
): (req: IncomingMessage, socket: Duplex, head: Buffer) => void {
  const { ctx, wss, guard, isDraining } = options;

  function refuse(req: IncomingMessage, socket: Duplex, answer: UpgradeRefusal): void {
    ctx.metrics.upgradeRefusals.inc({ status: String(answer.status) });
    ctx.logger.info(
      {
        method: req.method,
        path: pathOf(req.url),
        status: answer.status,
        code: answer.code,
        ip: (socket as Socket).remoteAddress,
      },
      'upgrade refused',
    );
    refuseUpgrade(socket, answer);
  }

  return function handleUpgrade(req, socket, head) {
    // Refused at accept (too many connections from its address): its 429 is already on its way out.
    if (!guard.counted(socket)) return;
    const target = readConnectTarget(req.url);
    if ('status' in target && target.status === 404) {
      refuse(req, socket, target);
      return;
    }
    if (isDraining()) {
      refuse(
        req,
        socket,
        refusal(503, 'ERR_SERVER_SHUTTING_DOWN', 'The gateway is shutting down; connect again to another one.'),
      );
      return;
    }
    if ('status' in target) {
      refuse(req, socket, target);
      return;
    }
    // The upgrade's socket is a net.Socket (or a TLS one) for any Node HTTP(S) server.
    const ip = (socket as Socket).remoteAddress ?? '';
    const origin = req.headers.origin;
    // ws answers 400/405/426 itself for a request that is not a valid WebSocket upgrade.
    wss.handleUpgrade(req, socket, head, (ws) => {
      const connection = new ClientConnection(ctx, ws, socket, ip, target.appId, target.sessionId, origin);
      ws.connection = connection; // from now on, the socket's events go to it (GatewaySocket.emit)
      quietEnd(socket as Socket);
      const receiver = receiverOf(ws);
      if (receiver !== undefined) {
        quietEnd(receiver);
        countFragments(receiver, connection);
      }
      ctx.connections.add(connection);
    });
  };
}
