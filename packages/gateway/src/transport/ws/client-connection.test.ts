import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Duplex } from 'node:stream';
import { ADMITTING, OPEN } from '../../connection/client-protocol.js';
import { Outbound } from '../../session/outbound.js';
import { ClientConnection, type TransportContext } from './client-connection.js';
import type { GatewaySocket } from './gateway-socket.js';
import { textFrame } from './text-frame.js';

/** A socket that records each write, as the kernel would see it (after cork/uncork). */
function recordingSocket(): { socket: Duplex; writes: Buffer[][] } {
  const writes: Buffer[][] = [];
  const socket = new Duplex({
    read() {},
    write(chunk: Buffer, _encoding, callback) {
      writes.push([chunk]);
      callback();
    },
    writev(chunks, callback) {
      writes.push(chunks.map((c) => c.chunk as Buffer));
      callback();
    },
  });
  return { socket, writes };
}

function connection(readyState: number, state: number) {
  const { socket, writes } = recordingSocket();
  const ctx = {
    rateLimit: { perSecond: 50, burst: 100 },
    admissionTimeoutMs: 10_000,
    maxBufferedBytes: 1 << 20,
    hot: { messagesIn: 0, messagesOut: 0, admitted: 0, closes: new Map() },
  } as unknown as TransportContext;
  const ws = { readyState } as unknown as GatewaySocket;
  const c = new ClientConnection(ctx, ws, socket, '127.0.0.1', 'app', 'session', undefined);
  c.state = state;
  return { c, writes, ctx };
}

const WS_OPEN = 1;
const WS_CLOSING = 2;
const nextTurn = () => new Promise((resolve) => setImmediate(resolve));

describe('ClientConnection.send', () => {
  it('writes nothing once ws has sent or received a close frame (no data frame after close)', async () => {
    const { c, writes, ctx } = connection(WS_CLOSING, OPEN);
    c.send(new Outbound('{"type":"signal"}'));
    await nextTurn();
    assert.deepEqual(writes, []);
    assert.equal(ctx.hot.messagesOut, 0);
  });

  it('sends `connected` (while admitting) as one complete text frame, at the end of the turn', async () => {
    const { c, writes } = connection(WS_OPEN, ADMITTING);
    c.send(new Outbound('{"type":"connected"}'));
    await nextTurn();
    assert.deepEqual(writes, [[textFrame('{"type":"connected"}')]]);
  });

  it('batches the messages of one turn into one write per socket once admitted', async () => {
    const { c, writes, ctx } = connection(WS_OPEN, OPEN);
    c.send(new Outbound('{"n":1}'));
    c.send(new Outbound('{"n":2}'));
    assert.deepEqual(writes, [], 'nothing leaves before the turn ends');
    await nextTurn();
    assert.deepEqual(writes, [[textFrame('{"n":1}'), textFrame('{"n":2}')]]);
    assert.equal(ctx.hot.messagesOut, 2);
  });
});
