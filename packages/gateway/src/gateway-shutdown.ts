import type { Server } from 'node:http';
import type { Milliseconds } from '@stagepass/protocol';
import type { Logger } from 'pino';
import type { ClientProtocol } from './connection/client-protocol.js';

/** How the shutdown learns that a socket closed: it sets `onDrained`, the connections call it. */
export interface DrainHook {
  onDrained: (() => void) | undefined;
}

/** Resolves once every socket is closed; past drainMs, destroys the ones left. */
export function drainSockets(
  connections: Set<ClientProtocol>,
  hook: DrainHook,
  drainMs: Milliseconds,
  logger: Logger,
): Promise<void> {
  return new Promise((resolve) => {
    let forced: NodeJS.Timeout | undefined;
    const done = () => {
      if (connections.size > 0) return;
      clearTimeout(forced);
      hook.onDrained = undefined;
      resolve();
    };
    hook.onDrained = done;
    forced = setTimeout(() => {
      logger.warn({ sockets: connections.size }, 'drain time over: destroying the sockets left');
      for (const connection of [...connections]) connection.terminate();
      // Destroyed sockets report their close on a later turn; do not wait on them forever.
      forced = setTimeout(() => {
        connections.clear();
        done();
      }, 1000);
    }, drainMs);
    done();
  });
}

/** Closes the HTTP server, cutting its keep-alive connections after a second. */
export function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    const force = setTimeout(() => server.closeAllConnections(), 1000);
    server.close(() => {
      clearTimeout(force);
      resolve();
    });
    server.closeIdleConnections();
  });
}
