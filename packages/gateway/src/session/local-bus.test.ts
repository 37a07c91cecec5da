import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createLocalBus } from './local-bus.js';
import type { Outbound } from './outbound.js';
import type { ConnectionRecord, SessionRecord } from './session-events.js';
import type { Peer } from './session-service.js';

class Recorder implements Peer {
  readonly got: Outbound[] = [];
  closed: [number, string] | undefined;
  send(message: Outbound): void {
    this.got.push(message);
  }
  close(code: number, reason: string): void {
    this.closed = [code, reason];
  }
}

function session(count: number): { session: SessionRecord; members: ConnectionRecord[]; peers: Recorder[] } {
  const connections = new Map<string, ConnectionRecord>();
  const peers: Recorder[] = [];
  const record = { connections } as unknown as SessionRecord;
  for (let i = 0; i < count; i++) {
    const peer = new Recorder();
    peers.push(peer);
    connections.set(`c${i}`, { id: `c${i}`, peer, session: record } as unknown as ConnectionRecord);
  }
  return { session: record, members: [...connections.values()], peers };
}

describe('local bus', () => {
  it('hands every recipient of a fan-out the same Outbound (serialised once)', () => {
    const bus = createLocalBus();
    const { session: s, members, peers } = session(3);
    bus.toSession(s, { type: 'forceMuteChanged', active: false, excludedStreamIds: [] }, members[0]);
    assert.equal(peers[0]!.got.length, 0, 'except is skipped');
    assert.equal(peers[1]!.got[0], peers[2]!.got[0], 'one object for the fan-out');
    assert.equal(peers[1]!.got[0]!.text, '{"type":"forceMuteChanged","active":false,"excludedStreamIds":[]}');
    bus.toConnections([members[0]!, members[2]!], { type: 'muteForced', streamId: 'x' });
    assert.equal(peers[0]!.got[0], peers[2]!.got[1]);
    assert.notEqual(peers[2]!.got[1], peers[2]!.got[0], 'another event, another Outbound');
    assert.deepEqual(
      peers.map((p) => p.got.length),
      [1, 1, 2],
    );
  });

  it('serialises nothing and sends nothing when nobody is left to tell', () => {
    const bus = createLocalBus();
    const lone = session(1);
    const poison = {
      toJSON() {
        throw new Error('serialised');
      },
    };
    bus.toSession(lone.session, poison as never, lone.members[0]);
    bus.toSession(session(0).session, poison as never);
    bus.toConnections([], poison as never);
    assert.equal(lone.peers[0]!.got.length, 0);
    bus.close(lone.members[0]!, 4100, 'forceDisconnected');
    assert.deepEqual(lone.peers[0]!.closed, [4100, 'forceDisconnected']);
  });
});
