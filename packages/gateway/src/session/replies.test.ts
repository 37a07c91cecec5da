import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { StagepassError, type Role, type ServerMessage } from '@stagepass/protocol';
import { ADMITTED_AT_S, admittedClient } from '../test-support/admitted-client.js';
import type { Outbound } from './outbound.js';
import { MemorySessionService } from './memory-session-service.js';
import { ackReply, errorReply, replyIdOf } from './replies.js';
import type { AdmittedClient, Peer } from './session-service.js';

const NOW_S = ADMITTED_AT_S;
const client = (role: Role, data: string): AdmittedClient => admittedClient(role, { data, sessionId: 'replies' });

/** Keeps the serialised texts, as a cluster node relaying them sees them. */
class TextPeer implements Peer {
  readonly texts: string[] = [];
  send(message: Outbound): void {
    this.texts.push(message.text);
  }
  close(): void {}
}

describe('replies: replyIdOf reads the id of the replies the session core sends', () => {
  it("every ack and error the core sends has its id read off its start; no other message has one (a cluster node's in-flight tracking relies on it)", async () => {
    const core = new MemorySessionService({ now: () => NOW_S * 1000 });
    const [pubPeer, subPeer] = [new TextPeer(), new TextPeer()];
    const pub = await core.join(client('publisher', 'pub'), pubPeer);
    const sub = await core.join(client('subscriber', '{"type":"ack","id":99}'), subPeer);
    core.handle(pub, { type: 'publish', id: 1, name: 'cam', hasAudio: true, hasVideo: true });
    core.handle(pub, { type: 'signal', id: 2, data: '{"type":"error","id":98}' });
    core.handle(sub, { type: 'publish', id: 3, hasAudio: true, hasVideo: false }); // capability denied
    core.handle(sub, { type: 'subscribe', id: 4, streamId: 'no-such-stream' }); // not found
    core.handle(sub, { type: 'signal', data: 'no id: no ack' });
    core.leave(pub, 'clientDisconnected');

    const seen = { ack: [] as number[], error: [] as number[], other: 0 };
    for (const text of [...pubPeer.texts, ...subPeer.texts]) {
      const message = JSON.parse(text) as ServerMessage;
      if (message.type === 'ack' || message.type === 'error') {
        assert.equal(replyIdOf(text), message.id, text);
        seen[message.type].push(message.id!);
      } else {
        assert.equal(replyIdOf(text), undefined, text);
        seen.other++;
      }
    }
    assert.deepEqual(seen.ack.sort(), [1, 2]);
    assert.deepEqual(seen.error.sort(), [3, 4]);
    assert.ok(seen.other >= 4, `events seen too (connectionCreated, streamCreated, signal…): ${seen.other}`);
  });

  it('reads what ackReply and errorReply make, serialised; an error without an id has none', () => {
    const denied = new StagepassError('ERR_CAPABILITY_DENIED', 'no');
    assert.equal(replyIdOf(JSON.stringify(ackReply(0, {}))), 0);
    assert.equal(replyIdOf(JSON.stringify(ackReply(2 ** 31, { streamId: 'x' }))), 2 ** 31);
    assert.equal(replyIdOf(JSON.stringify(errorReply(7, denied, 'publish'))), 7);
    assert.equal(replyIdOf(JSON.stringify(errorReply(null, denied))), undefined);
    assert.equal(replyIdOf('{"type":"signal","id":5}'), undefined);
  });
});
