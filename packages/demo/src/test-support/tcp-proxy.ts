/**
 * (A copy of packages/client/src/test-support/tcp-proxy.ts: test support is not exported across packages.)
 * A TCP proxy in front of the gateway (the page and its WebSocket) that a test can cut, as a network drop would: every
 * connection through it is destroyed at once (no close frame either way), and while it is held new
 * connections are refused, so a client's reconnect waits until the test lets it through.
 */
import { createServer, connect as tcpConnect, type Server, type Socket } from 'node:net';

export class TcpProxy {
  readonly #pairs = new Set<[Socket, Socket]>();
  #held = false;

  private constructor(
    readonly server: Server,
    /** `ws://127.0.0.1:PORT`, the gateway's URL through this proxy. */
    readonly url: string,
  ) {}

  /** Listens on a free port of 127.0.0.1 and forwards to `target` (`ws://host:port`). */
  static async start(target: string): Promise<TcpProxy> {
    const { hostname, port } = new URL(target);
    let proxy: TcpProxy | undefined;
    const server = createServer((client) => {
      if (proxy === undefined || proxy.#held) {
        client.destroy();
        return;
      }
      const upstream = tcpConnect(Number(port), hostname);
      const pair: [Socket, Socket] = [client, upstream];
      proxy.#pairs.add(pair);
      const end = () => {
        client.destroy();
        upstream.destroy();
        proxy!.#pairs.delete(pair);
      };
      client.on('error', end).on('close', end);
      upstream.on('error', end).on('close', end);
      client.pipe(upstream);
      upstream.pipe(client);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const address = server.address();
    if (address === null || typeof address === 'string') throw new Error('the proxy has no port');
    proxy = new TcpProxy(server, `ws://127.0.0.1:${address.port}`);
    return proxy;
  }

  /** Connections open through the proxy now. */
  get open(): number {
    return this.#pairs.size;
  }

  /** Drops every connection; with `hold`, refuses new ones until {@link release}. */
  cut(hold = false): void {
    this.#held = hold;
    for (const [client, upstream] of [...this.#pairs]) {
      client.destroy();
      upstream.destroy();
    }
    this.#pairs.clear();
  }

  /** Lets connections through again. */
  release(): void {
    this.#held = false;
  }

  async stop(): Promise<void> {
    this.cut(true);
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
