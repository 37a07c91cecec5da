import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import * as wsModule from 'ws';
import { textFrame, textFrameOnce } from './text-frame.js';

/** ws's frame parser (exported by ws, not described by @types/ws). */
interface FrameReceiver {
  on(event: 'message', listener: (data: Buffer, isBinary: boolean) => void): void;
  on(event: 'error', listener: (err: Error) => void): void;
  write(chunk: Buffer): void;
}
const { Receiver } = wsModule as unknown as { Receiver: new (options: { isServer: boolean; maxPayload: number }) => FrameReceiver };

/** Parses frames with ws's own receiver, as a client would (server frames are unmasked). */
function receive(frame: Buffer): { text: string; isBinary: boolean }[] {
  const got: { text: string; isBinary: boolean }[] = [];
  const receiver = new Receiver({ isServer: false, maxPayload: 0 });
  receiver.on('message', (data: Buffer, isBinary: boolean) => got.push({ text: data.toString('utf8'), isBinary }));
  receiver.on('error', (err) => { throw err; });
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

  it('textFrameOnce shares the frame of consecutive identical texts only', () => {
    const a = textFrameOnce('{"type":"a"}');
    assert.equal(textFrameOnce('{"type":"a"}'), a);
    const b = textFrameOnce('{"type":"b"}');
    assert.notEqual(b, a);
    assert.deepEqual(receive(b), [{ text: '{"type":"b"}', isBinary: false }]);
  });
});
