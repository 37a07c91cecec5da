import assert from 'node:assert/strict';
import { once } from 'node:events';
import { describe, it } from 'node:test';
import { Writable } from 'node:stream';
import { WebSocket, WebSocketServer } from 'ws';
import { quietEnd, receiverOf } from './quiet-end.js';

function sink(): Writable {
  return new Writable({
    write(_chunk, _encoding, callback) {
      callback();
    },
  });
}

describe('quietEnd', () => {
  it('ends a live stream as end() does', async () => {
    const stream = sink();
    quietEnd(stream);
    assert.ok(Object.hasOwn(stream, 'end'));
    const finished = once(stream, 'finish');
    assert.equal(stream.end(), stream);
    await finished;
    assert.equal(stream.writableFinished, true);
  });

  it('shares one wrapper per original end (no function per stream), and never wraps twice', () => {
    const a = sink();
    const b = sink();
    quietEnd(a);
    quietEnd(b);
    assert.equal(a.end, b.end);
    const wrapped = a.end;
    quietEnd(a);
    assert.equal(a.end, wrapped);
  });

  it('returns at once for a finished or destroyed stream, with no error anywhere', async () => {
    const finished = sink();
    quietEnd(finished);
    finished.end();
    await once(finished, 'finish');
    const destroyed = sink();
    quietEnd(destroyed);
    destroyed.destroy();
    for (const stream of [finished, destroyed]) {
      stream.on('error', (err) => assert.fail(`unexpected error event: ${String(err)}`));
      assert.equal(stream.end(), stream);
    }
    await new Promise((resolve) => setImmediate(resolve));
  });

  it('keeps the original for calls with arguments: a callback still hears ERR_STREAM_ALREADY_FINISHED', async () => {
    const stream = sink();
    quietEnd(stream);
    stream.end();
    await once(stream, 'finish');
    const err = await new Promise<Error | null | undefined>((resolve) => stream.end(resolve));
    assert.equal((err as { code?: string } | null | undefined)?.code, 'ERR_STREAM_ALREADY_FINISHED');
  });

  it('finds the frame parser of a ws server socket (fails if ws renames it: the gateway would lose this saving)', async () => {
    const wss = new WebSocketServer({ port: 0, host: '127.0.0.1' });
    await once(wss, 'listening');
    const { port } = wss.address() as { port: number };
    const serverSide = once(wss, 'connection');
    const client = new WebSocket(`ws://127.0.0.1:${port}`);
    const [ws] = (await serverSide) as [WebSocket];
    await once(client, 'open');
    const receiver = receiverOf(ws);
    assert.ok(receiver instanceof Writable);
    client.close();
    await once(ws, 'close');
    wss.close();
  });
});
