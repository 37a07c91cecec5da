/**
 * A TCP load balancer in front of gateway nodes, as an operator puts one in front of a cluster: each new
 * connection goes to the next node in turn, skipping one that refuses the connection (a dead node), and a
 * connection whose node goes away is cut (the client sees the WebSocket close 1006 and reconnects).
 */
import { createServer, connect as tcpConnect, type Server, type Socket } from 'node:net';

export class RoundRobinBalancer {
  readonly #sockets = new Set<Socket>();
  #turn = 0;

  private constructor(
    readonly server: Server,
    readonly ports: readonly number[],
    /** `ws://127.0.0.1:PORT`: the cluster's URL through this balancer. */
    readonly url: string,
  ) {}

  /** Listens on a free port of 127.0.0.1 and forwards to the nodes at `ports` of 127.0.0.1. */
  static async start(ports: readonly number[]): Promise<RoundRobinBalancer> {
    let balancer: RoundRobinBalancer | undefined;
    const server = createServer((client) => balancer!.forward(client, ports.length));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as { port: number };
    balancer = new RoundRobinBalancer(server, ports, `ws://127.0.0.1:${port}`);
    return balancer;
  }

  /** The node the next connection goes to (its index in `ports`), as a test plans who lands where. */
  get next(): number {
    return this.#turn % this.ports.length;
  }

  private forward(client: Socket, triesLeft: number): void {
    client.pause();
    this.#sockets.add(client);
    let upstream: Socket | undefined;
    const end = () => {
      client.destroy();
      upstream?.destroy();
      this.#sockets.delete(client);
    };
    client.on('error', end).on('close', end);
    const attempt = (left: number) => {
      const next = tcpConnect(this.ports[this.#turn++ % this.ports.length]!, '127.0.0.1');
      this.#sockets.add(next);
      next.once('connect', () => {
        upstream = next;
        client.pipe(next);
        next.pipe(client);
        client.resume();
      });
      next.on('error', () => {
        this.#sockets.delete(next);
        if (upstream === undefined && left > 1) attempt(left - 1);
        else end();
      });
      next.on('close', () => {
        this.#sockets.delete(next);
        if (upstream === next) end();
      });
    };
    attempt(triesLeft);
  }

  async stop(): Promise<void> {
    for (const socket of this.#sockets) socket.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
