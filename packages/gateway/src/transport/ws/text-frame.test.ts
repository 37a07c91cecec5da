import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import * as wsModule from 'ws';
import { Outbound } from '../../session/outbound.js';
import { textFrame } from './text-frame.js';

/** ws's frame parser (exported by ws, not described by @types/ws). */
interface FrameReceiver {
  on(event: 'message', listener: (data: Buffer, isBinary: boolean) => void): void;
  on(event: 'error', listener: (err: Error) => void): void;
  write(chunk: Buffer): void;
}
const { Receiver } = wsModule as unknown as {
  Receiver: new (options: { isServer: boolean; maxPayload: number }) => FrameReceiver;
};

/** Parses frames with ws's own receiver, as a client would (server frames are unmasked). */
function receive(frame: Buffer): { text: string; isBinary: boolean }[] {
  const got: { text: string; isBinary: boolean }[] = [];
  const receiver = new Receiver({ isServer: false, maxPayload: 0 });
  receiver.on('message', (data: Buffer, isBinary: boolean) => got.push({ text: data.toString('utf8'), isBinary }));
  receiver.on('error', (err) => {
    throw err;
  });
  receiver.write(frame);
  return got;
}

describe('textFrame', () => {
  it('frames every payload length class (7-bit, 16-bit, 64-bit) as one unmasked FIN text frame', () => {
    for (const length of [0, 1, 125, 126, 127, 65_535, 65_536, 70_000]) {
      const text = 'x'.repeat(length);
      const frame = textFrame(text);
      assert.equal(frame[0], 0x81);
      assert.equal(frame[1]! & 0x80, 0, 'a server frame is never masked');
      assert.equal(frame.length, length + (length < 126 ? 2 : length < 65_536 ? 4 : 10));
      assert.deepEqual(receive(frame), [{ text, isBinary: false }], `length ${length}`);
    }
  });

  it('counts UTF-8 bytes, not UTF-16 units', () => {
    const text = 'é😀'.repeat(40); // 240 bytes, 120 units: the 16-bit length class
    const frame = textFrame(text);
    assert.equal(frame[1], 126);
    assert.equal(frame.readUInt16BE(2), 240);
    assert.deepEqual(receive(frame), [{ text, isBinary: false }]);
  });

  it('an Outbound is framed once: every recipient of a fan-out gets the same Buffer, another message its own', () => {
    const fanOut = new Outbound('{"type":"a"}');
    const a = fanOut.frame(textFrame);
    assert.equal(fanOut.frame(textFrame), a);
    assert.deepEqual(receive(a), [{ text: '{"type":"a"}', isBinary: false }]);
    const b = new Outbound('{"type":"b"}').frame(textFrame);
    assert.notEqual(b, a);
    assert.deepEqual(receive(b), [{ text: '{"type":"b"}', isBinary: false }]);
    // Explicit, not by string identity: the same text in another fan-out is framed again.
    assert.notEqual(new Outbound('{"type":"a"}').frame(textFrame), a);
  });
});
