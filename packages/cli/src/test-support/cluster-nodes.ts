/**
 * Gateway nodes as child processes (`stagepass serve --port 0 --redis URL`) sharing one registry file, and
 * protocol clients over `ws` that record everything they receive: the pieces of the cluster process tests.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createToken, type Role } from '@stagepass/token';
import WebSocket from 'ws';
import { BIN } from './run-cli.js';

export interface ClusterNode {
  readonly child: ChildProcess;
  readonly port: number;
  readonly output: () => string;
}

/** Waits for `check` to hold, polling every 20 ms, up to `ms`; then fails with `what`. */
export async function waitFor(what: string, ms: number, check: () => boolean | Promise<boolean>): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`${what}: not within ${ms} ms`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** Starts `stagepass serve --port 0 --redis redisUrl --db db --drain-ms drainMs`; resolves once it listens. */
export async function startClusterNode(
  db: string,
  redisUrl: string,
  extra: readonly string[] = [],
  drainMs = 500,
): Promise<ClusterNode> {
  const args = [BIN, 'serve', '--port', '0', '--pretty', 'false', '--drain-ms', String(drainMs), '--db', db, ...extra];
  const child = spawn(process.execPath, [...args, '--redis', redisUrl], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { PATH: process.env.PATH ?? '' },
  });
  let out = '';
  child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (out += chunk.toString()));
  let line: string | undefined;
  await waitFor('a node listening', 20_000, () => {
    line = out.split('\n').find((l) => l.includes('gateway listening'));
    if (line === undefined && child.exitCode !== null) throw new Error(`serve exited:\n${out}`);
    return line !== undefined;
  });
  return { child, port: Number(/"port":(\d+)/.exec(line!)?.[1]), output: () => out };
}

/** SIGKILLs every node still running. */
export function killNodes(nodes: readonly ClusterNode[]): void {
  for (const node of nodes)
    if (node.child.exitCode === null && node.child.signalCode === null) node.child.kill('SIGKILL');
}

export interface Message {
  readonly type: string;
  readonly [member: string]: unknown;
}

/** An admitted client: every message it got, how its socket closed, and requests answered by their reply. */
export interface ClusterClient {
  readonly ws: WebSocket;
  readonly id: string;
  readonly messages: Message[];
  closed: { code: number; reason: string } | undefined;
  /** Sends `message` with a fresh `id`; resolves with its `ack` or `error`. */
  request(message: Record<string, unknown>): Promise<Message>;
  /** True once a message matching `match` has arrived. */
  has(match: (message: Message) => boolean): boolean;
}

export interface App {
  readonly appId: string;
  readonly secret: string;
}

/** Joins `sessionId` at `node` with a fresh token of `role`; rejects if refused. */
export function joinCluster(
  node: ClusterNode,
  app: App,
  sessionId: string,
  options: { readonly role?: Role; readonly data?: string } = {},
): Promise<ClusterClient> {
  const token = createToken({ appId: app.appId, secret: app.secret, sessionId, ...options });
  return new Promise((resolve, reject) => {
    const query = `appId=${encodeURIComponent(app.appId)}&sessionId=${encodeURIComponent(sessionId)}`;
    const ws = new WebSocket(`ws://127.0.0.1:${node.port}/v1/connect?${query}`);
    const messages: Message[] = [];
    const waiting = new Map<number, (reply: Message) => void>();
    let client: ClusterClient | undefined;
    let seq = 0;
    ws.once('open', () => ws.send(JSON.stringify({ type: 'connect', v: 1, token })));
    ws.on('message', (data) => {
      const message = JSON.parse(String(data)) as Message;
      messages.push(message);
      if ((message.type === 'ack' || message.type === 'error') && typeof message.id === 'number') {
        waiting.get(message.id)?.(message);
        waiting.delete(message.id);
      }
      if (client !== undefined || message.type !== 'connected') return;
      client = {
        ws,
        id: (message.connection as { id: string }).id,
        messages,
        closed: undefined,
        request: (m) =>
          new Promise((answer) => {
            const id = ++seq;
            waiting.set(id, answer);
            ws.send(JSON.stringify({ ...m, id }));
          }),
        has: (match) => messages.some(match),
      };
      resolve(client);
    });
    ws.on('close', (code, reason) => {
      if (client !== undefined) client.closed = { code, reason: String(reason) };
      else reject(new Error(`refused at node :${node.port}: ${code} ${String(reason)}`));
    });
    ws.once('error', reject);
  });
}
