import { WebSocket } from 'ws';
import type { ClientConnection } from './client-connection.js';

/**
 * The gateway's WebSocket class (ws's `WebSocket` server option): the plain ws socket plus a link to
 * its connection state, so event listeners can be shared functions instead of closures per socket.
 */
export class GatewaySocket extends WebSocket {
  connection: ClientConnection | undefined = undefined;

  /**
   * ws closes a socket itself when a message is over `maxPayload`, with 1009 and no reason; the
   * protocol promises the reason `ERR_MESSAGE_TOO_LARGE` (docs/protocol.md "Closing").
   */
  override close(code?: number, data?: string | Buffer): void {
    super.close(code, code === 1009 && data === undefined ? 'ERR_MESSAGE_TOO_LARGE' : data);
  }
}
