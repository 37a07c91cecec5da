import { WebSocketServer, type Server, type ServerOptions } from 'ws';
import { GatewaySocket } from './gateway-socket.js';

export interface WsServerOptions {
  readonly maxPayloadBytes: number;
  /** How long ws waits for a client's answer to a close frame before destroying the socket, ms. */
  readonly closeTimeoutMs: number;
}

/**
 * The gateway's ws server: no server of its own (the gateway's HTTP server hands it upgrades), no
 * client tracking (the gateway keeps its connection set), sockets of class {@link GatewaySocket},
 * and no permessage-deflate: ClientConnection.send writes uncompressed text frames itself.
 */
export function createWsServer(options: WsServerOptions): Server<typeof GatewaySocket> {
  return new WebSocketServer<typeof GatewaySocket>({
    noServer: true,
    WebSocket: GatewaySocket,
    maxPayload: options.maxPayloadBytes,
    clientTracking: false,
    perMessageDeflate: false,
    closeTimeout: options.closeTimeoutMs,
  } as ServerOptions<typeof GatewaySocket>);
}
