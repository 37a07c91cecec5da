/**
 * What the transport assumes of ws (see index.ts), checked against the ws installed: each test
 * fails when ws stops behaving as the gateway relies on.
 */
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { WebSocket } from 'ws';
import type { ClientConnection } from './client-connection.js';
import { countFragments } from './count-fragments.js';
import { createWsServer } from './create-ws-server.js';
import { receiverOf } from './quiet-end.js';
import type { GatewaySocket } from './gateway-socket.js';
import { textFrame } from './text-frame.js';

let server: Server;
let url = '';
const wss = createWsServer({ maxPayloadBytes: 1024, closeTimeoutMs: 1000 });
let accepted: ((pair: { ws: GatewaySocket; socket: Socket }) => void) | undefined;

before(async () => {
  server = createServer();
  server.on('upgrade', (req, socket, head) => {
    wss.handleUpgrade(req, socket, head, (ws) => accepted?.({ ws, socket: socket as Socket }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `ws://127.0.0.1:${(server.address() as AddressInfo).port}/`;
});
after(async () => {
  wss.close();
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

/** A client (offering permessage-deflate, ws's default) and the server's end of it. */
async function pair(): Promise<{ client: WebSocket; ws: GatewaySocket; socket: Socket }> {
  const serverSide = new Promise<{ ws: GatewaySocket; socket: Socket }>((resolve) => {
    accepted = resolve;
  });
  const client = new WebSocket(url, { perMessageDeflate: true });
  await new Promise((resolve, reject) => {
    client.once('open', resolve);
    client.once('error', reject);
  });
  return { client, ...(await serverSide) };
}

describe('ws assumptions', () => {
  it('negotiates no extension (no permessage-deflate) even when the client offers it', async () => {
    const { client, ws } = await pair();
    assert.equal(client.extensions, '');
    assert.equal(ws.extensions, '');
    client.terminate();
  });

  it('ws writes its own frames to the socket at once, in call order, among the frames written directly', async () => {
    const { client, ws, socket } = await pair();
    const got: string[] = [];
    client.on('ping', (data) => got.push(`ping ${data.toString()}`));
    client.on('message', (data) => got.push(`message ${data.toString()}`));
    socket.cork();
    const before = socket.writableLength;
    ws.ping('1');
    assert.ok(socket.writableLength > before, 'ws queued its ping instead of writing it');
    socket.write(textFrame('direct'));
    const afterDirect = socket.writableLength;
    ws.send('by ws');
    assert.ok(socket.writableLength > afterDirect, 'ws queued a data frame instead of writing it');
    socket.uncork();
    while (got.length < 3) await new Promise((resolve) => setTimeout(resolve, 5));
    assert.deepEqual(got, ['ping 1', 'message direct', 'message by ws']);
    client.terminate();
  });

  it("GatewaySocket hands ws's events to its connection, with no listener on the socket", async () => {
    const { client, ws } = await pair();
    const seen: string[] = [];
    let closed: () => void = () => {};
    const done = new Promise<void>((resolve) => {
      closed = resolve;
    });
    ws.connection = {
      message: (data: Buffer, isBinary: boolean) => seen.push(`message ${data.toString()} ${isBinary}`),
      ping: () => seen.push('ping'),
      controlFrame: () => seen.push('pong'),
      wsError: () => seen.push('error'),
      closed: (code: number) => {
        seen.push(`closed ${code}`);
        closed();
      },
    } as unknown as ClientConnection;
    assert.equal(ws.listenerCount('message'), 0);
    client.send('hello');
    client.ping();
    client.close(1000);
    await done;
    assert.deepEqual(seen, ['message hello false', 'ping', 'closed 1000']);
  });

  it("ws's frame parser calls dataMessage once per data frame, _fin false on all but the last (countFragments counts them)", async () => {
    const { client, ws } = await pair();
    let fragments = 0;
    assert.equal(countFragments(receiverOf(ws)!, { fragment: () => fragments++ }), true);
    const got = new Promise<string>((resolve) => {
      ws.connection = {
        message: (data: Buffer) => resolve(data.toString()),
        wsError: () => {},
        closed: () => {},
      } as unknown as ClientConnection;
    });
    client.send('a', { fin: false });
    client.send('', { fin: false }); // an empty continuation counts too
    client.send('b', { fin: false });
    client.send('c', { fin: true });
    assert.equal(await got, 'abc');
    assert.equal(fragments, 3);
    client.send('whole');
    client.terminate();
    assert.equal(fragments, 3, 'an unfragmented message is no fragment');
  });
});
