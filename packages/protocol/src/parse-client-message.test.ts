import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MessageError, parseClientMessage, utf8Length } from './parse-client-message.js';
import { MAX_PAYLOAD_DEPTH } from './wire-limits.js';

function refused(text: string, pattern: RegExp, id: number | null = null): void {
  assert.throws(
    () => parseClientMessage(text),
    (err: unknown) => {
      assert.ok(err instanceof MessageError, String(err));
      assert.equal(err.code, 'ERR_MESSAGE_INVALID');
      assert.match(err.message, pattern);
      assert.equal(err.requestId, id);
      return true;
    },
  );
}
const json = (value: unknown) => JSON.stringify(value);

describe('parseClientMessage', () => {
  it('accepts every message type in its documented shape', () => {
    const valid: unknown[] = [
      { type: 'connect', v: 1, token: 'abc' },
      { type: 'publish', id: 1, name: 'cam', hasAudio: true, hasVideo: false, videoType: 'screen' },
      { type: 'publish', hasAudio: true, hasVideo: true },
      { type: 'unpublish', id: 2, streamId: 'S1' },
      { type: 'setStreamProperty', streamId: 'S1', property: 'hasAudio', value: false },
      { type: 'subscribe', id: 3, streamId: 'S1' },
      { type: 'unsubscribe', subscriptionId: 'U1' },
      { type: 'webrtc', subscriptionId: 'U1', kind: 'offer', payload: { type: 'offer', sdp: 'v=0' } },
      { type: 'signal', data: '' },
      { type: 'signal', id: 0, to: ['C1', 'C2'], signalType: 'chat_msg-1~', data: 'hi' },
      { type: 'signal', to: 'C1', data: 'x'.repeat(8192) },
      { type: 'forceDisconnect', connectionId: 'C1' },
      { type: 'forceUnpublish', streamId: 'S1' },
      { type: 'forceMuteStream', streamId: 'S1' },
      { type: 'forceMuteAll', excludedStreamIds: ['S1'] },
      { type: 'forceMuteAll' },
      { type: 'disableForceMute', id: 2147483647 },
    ];
    for (const message of valid) assert.deepEqual(parseClientMessage(json(message)), message);
  });
  it('refuses what is not a JSON object', () => {
    refused('not json', /not valid JSON/);
    refused('[1]', /JSON object/);
    refused('null', /JSON object/);
  });
  it('refuses unknown types and members, and missing members, naming them', () => {
    refused(json({ type: 'hack', id: 4 }), /type is missing or unknown/, 4);
    refused(json({ id: 4 }), /type/, 4);
    refused(json({ type: 'subscribe', id: 5, streamId: 'S', extra: 1 }), /no member "extra"/, 5);
    refused(json({ type: 'subscribe', id: 6 }), /subscribe needs streamId/, 6);
    refused(json({ type: 'toString' }), /unknown/);
  });
  it('refuses bad request ids without echoing them', () => {
    for (const id of [-1, 1.5, '1', 2 ** 31])
      refused(json({ type: 'disableForceMute', id }), /id must be an integer/, null);
  });
  it('checks every member type and size', () => {
    refused(
      json({ type: 'publish', id: 1, hasAudio: 'yes', hasVideo: true }),
      /publish.hasAudio must be true or false/,
      1,
    );
    refused(json({ type: 'publish', hasAudio: true, hasVideo: true, videoType: 'window' }), /videoType/);
    refused(json({ type: 'publish', hasAudio: true, hasVideo: true, name: 'n'.repeat(257) }), /name/);
    refused(json({ type: 'unpublish', streamId: '' }), /streamId must be an ID/);
    refused(json({ type: 'unpublish', streamId: 'has space' }), /streamId/);
    refused(json({ type: 'unpublish', streamId: 'x'.repeat(65) }), /streamId/);
    refused(json({ type: 'setStreamProperty', streamId: 'S', property: 'name', value: true }), /property/);
    refused(json({ type: 'webrtc', subscriptionId: 'U', kind: 'renegotiate', payload: {} }), /kind/);
    refused(json({ type: 'webrtc', subscriptionId: 'U', kind: 'offer', payload: 'sdp' }), /payload must be an object/);
    refused(json({ type: 'signal', data: 'x'.repeat(8193) }), /8192 bytes/);
    refused(json({ type: 'signal', data: 'é'.repeat(4097) }), /8192 bytes/); // 8194 bytes, 4097 characters
    refused(json({ type: 'signal', data: 5 }), /data must be text/);
    refused(json({ type: 'signal', data: '', signalType: 'has space' }), /signalType/);
    refused(json({ type: 'signal', data: '', signalType: 'x'.repeat(129) }), /signalType/);
    refused(json({ type: 'signal', data: '', to: [] }), /to must be/);
    refused(json({ type: 'signal', data: '', to: 5 }), /to must be/);
    refused(json({ type: 'forceMuteAll', excludedStreamIds: 'S1' }), /excludedStreamIds/);
    const ids = (n: number) => Array.from({ length: n }, (_, i) => `C${i}`);
    assert.equal(
      (parseClientMessage(json({ type: 'signal', data: '', to: ids(1000) })) as unknown as { to: string[] }).to.length,
      1000,
    );
    refused(json({ type: 'signal', data: '', to: ids(1001) }), /to must be/);
    assert.equal(
      (
        parseClientMessage(json({ type: 'forceMuteAll', excludedStreamIds: ids(1000) })) as unknown as {
          excludedStreamIds: string[];
        }
      ).excludedStreamIds.length,
      1000,
    );
    refused(json({ type: 'forceMuteAll', excludedStreamIds: ids(1001) }), /excludedStreamIds/);
    refused(json({ type: 'connect', v: 0, token: 't' }), /v must be/);
    refused(json({ type: 'connect', v: 1, token: '' }), /token must be/);
    // A token's size is the verifier's to refuse (ERR_TOKEN_TOO_LARGE, close 4001), not the message validator's.
    assert.equal(
      (parseClientMessage(json({ type: 'connect', v: 1, token: 'x'.repeat(12_000) })) as { token: string }).token
        .length,
      12_000,
    );
    refused('{"type":"signal","data":"\\ud800"}', /data must be text/);
  });
  it('never echoes a token or data in its messages', () => {
    try {
      parseClientMessage(json({ type: 'connect', v: 1, token: 'SECRET-TOKEN', extra: true }));
      assert.fail('should throw');
    } catch (err) {
      assert.doesNotMatch((err as Error).message, /SECRET-TOKEN/);
    }
  });
  it(`refuses a webrtc payload nested more than ${MAX_PAYLOAD_DEPTH} levels deep (5,000 levels: no stack overflow), with its id`, () => {
    const nested = (levels: number) => '{"a":'.repeat(levels - 1) + '{}' + '}'.repeat(levels - 1);
    const webrtc = (payload: string) =>
      `{"type":"webrtc","id":7,"subscriptionId":"U","kind":"candidate","payload":${payload}}`;
    assert.equal(parseClientMessage(webrtc(nested(MAX_PAYLOAD_DEPTH))).type, 'webrtc');
    refused(webrtc(nested(MAX_PAYLOAD_DEPTH + 1)), /payload must nest objects and arrays at most 32 levels deep/, 7);
    refused(webrtc(`{"a":${'['.repeat(5000)}${']'.repeat(5000)}}`), /at most 32 levels/, 7);
    // Wide is fine: depth, not size, is what is bounded here (size is the transport's).
    const wide = JSON.stringify({ candidates: Array.from({ length: 500 }, (_, i) => ({ candidate: `c${i}` })) });
    assert.equal(parseClientMessage(webrtc(wide)).type, 'webrtc');
  });
});

describe('utf8Length', () => {
  it('counts UTF-8 bytes', () => {
    for (const text of ['', 'abc', 'é', '€', '😀', 'aé€😀z'])
      assert.equal(utf8Length(text), Buffer.byteLength(text), text);
  });
});
