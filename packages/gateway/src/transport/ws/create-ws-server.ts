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
 * no permessage-deflate (ClientConnection.send writes uncompressed text frames itself), and no automatic
 * pong (ClientConnection.ping answers a ping only within the rate limit).
 */
export function createWsServer(options: WsServerOptions): Server<typeof GatewaySocket> {
  return new WebSocketServer<typeof GatewaySocket>({
    noServer: true,
    WebSocket: GatewaySocket,
    maxPayload: options.maxPayloadBytes,
    clientTracking: false,
    perMessageDeflate: false,
    closeTimeout: options.closeTimeoutMs,
    // Pings count against the rate: ClientConnection.ping answers them when they are within it.
    autoPong: false,
  } as ServerOptions<typeof GatewaySocket>);
}
