import type { RawData } from 'ws';
import { WebSocket } from 'ws';
import type { ClientConnection } from './client-connection.js';

/**
 * The gateway's WebSocket class (ws's `WebSocket` server option): the plain ws socket plus a link to
 * its connection state. The events ws emits on a server socket (message, close, error, ping, pong)
 * go straight to that connection instead of through listeners: nothing to register per socket,
 * nothing to look up per frame. Any other event, and every event before the link is set, is emitted
 * as usual.
 */
export class GatewaySocket extends WebSocket {
  connection: ClientConnection | undefined = undefined;

  override emit(event: string | symbol, a?: unknown, b?: unknown): boolean {
    const connection = this.connection;
    if (connection !== undefined) {
      switch (event) {
        case 'message':
          connection.message(a as RawData, b as boolean);
          return true;
        case 'close':
          connection.closed(a as number, b as Buffer | undefined);
          return true;
        case 'error':
          connection.wsError(a as Error);
          return true;
        case 'ping':
          connection.ping(a as Buffer);
          return true;
        case 'pong':
          connection.controlFrame();
          return true;
      }
    }
    return super.emit(event, a, b);
  }

  /**
   * ws closes a socket itself when a message is over `maxPayload`, with 1009 and no reason; the
   * protocol promises the reason `ERR_MESSAGE_TOO_LARGE` (docs/protocol.md "Closing").
   */
  override close(code?: number, data?: string | Buffer): void {
    super.close(code, code === 1009 && data === undefined ? 'ERR_MESSAGE_TOO_LARGE' : data);
  }
}
