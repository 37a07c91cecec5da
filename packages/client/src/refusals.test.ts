import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { CAPABILITIES, ROLES, type Role } from '@stagepass/protocol';
import type { Session } from './index.js';
import { Harness, newSessionId, nextEvent, rejection } from './test-support/harness.js';

type Action = (s: Session) => Promise<unknown>;
const ACTIONS: readonly [name: string, capability: string, action: Action][] = [
  ['publish', 'publish', (s) => s.publish({} as MediaStream)],
  ['subscribe', 'subscribe', (s) => s.subscribe('some-stream')],
  ['signal', 'signal', (s) => s.signal({ data: 'x' })],
  ['forceDisconnect', 'forceDisconnect', (s) => s.forceDisconnect('some-connection')],
  ['forceUnpublish', 'forceUnpublish', (s) => s.forceUnpublish('some-stream')],
  ['forceMuteStream', 'forceMute', (s) => s.forceMuteStream('some-stream')],
  ['forceMuteAll', 'forceMute', (s) => s.forceMuteAll()],
  ['disableForceMute', 'forceMute', (s) => s.disableForceMute()],
];

describe('refusals', () => {
  let h: Harness;
  before(async () => {
    h = await Harness.start();
  });
  after(async () => {
    await h.stop();
  });

  for (const role of ROLES) {
    it(`${role}: what the role cannot do is refused locally with ERR_CAPABILITY_DENIED, nothing sent`, async () => {
      const sessionId = newSessionId();
      const session = await h.join(sessionId, role);
      const sentinel = await h.join(sessionId, 'moderator');
      const denied = ACTIONS.filter(
        ([, capability]) => !CAPABILITIES[role][capability as keyof (typeof CAPABILITIES)[Role]],
      );
      assert.equal(denied.length, { subscriber: 6, publisher: 5, publisheronly: 7, moderator: 0 }[role]);

      const inBefore = await h.metric('stagepass_messages_in_total');
      const deniedBefore = await h.metric(
        'stagepass_capability_denials_total',
        `capability="${denied[0]?.[1] ?? 'publish'}"`,
      );
      for (const [name, capability, action] of denied) {
        const err = await rejection(action(session));
        assert.equal(err.code, 'ERR_CAPABILITY_DENIED', name);
        assert.equal(err.details.capability, capability, name);
        assert.equal(err.message, `The ${role} role may not ${name} (capability ${capability}).`);
      }
      // One request from another connection, acknowledged: anything the refused calls had sent was read before it.
      await new Promise((resolve) => setTimeout(resolve, 20));
      await sentinel.signal({ data: 'sentinel', to: sentinel.connection.id });
      assert.equal((await h.metric('stagepass_messages_in_total')) - inBefore, 1, 'the gateway saw only the sentinel');
      assert.equal(
        await h.metric('stagepass_capability_denials_total', `capability="${denied[0]?.[1] ?? 'publish'}"`),
        deniedBefore,
      );
    });
  }

  it("the gateway's refusals reject with its code: ERR_NOT_FOUND, ERR_MESSAGE_INVALID", async () => {
    const sessionId = newSessionId();
    const mod = await h.join(sessionId, 'moderator');
    const elsewhere = await h.raw(newSessionId());
    const foreignStream = await elsewhere.publish();
    const cases: [string, Promise<unknown>, string][] = [
      ['forceUnpublish unknown', mod.forceUnpublish('no-such-stream'), 'ERR_NOT_FOUND'],
      ['forceUnpublish of another session', mod.forceUnpublish(foreignStream), 'ERR_NOT_FOUND'],
      ['forceMuteStream unknown', mod.forceMuteStream('no-such-stream'), 'ERR_NOT_FOUND'],
      ['forceDisconnect another session', mod.forceDisconnect(elsewhere.id), 'ERR_NOT_FOUND'],
      ['signal to nobody', mod.signal({ data: 'x', to: ['no-such-connection'] }), 'ERR_NOT_FOUND'],
      ['signal too large', mod.signal({ data: 'x'.repeat(8193) }), 'ERR_MESSAGE_INVALID'],
      ['signal type with a space', mod.signal({ data: 'x', type: 'a b' }), 'ERR_MESSAGE_INVALID'],
    ];
    for (const [name, promise, code] of cases) {
      const err = await rejection(promise);
      assert.equal(err.code, code, name);
      assert.equal(err instanceof Error && err.name, 'StagepassError', name);
    }
    assert.equal(mod.state, 'connected', 'a refused request never closes the connection');
    await mod.signal({ data: 'still fine', to: mod.connection.id });
  });

  it('a request pending when the socket closes rejects ERR_NOT_CONNECTED (a moderator force-disconnecting itself gets no ack)', async () => {
    const mod = await h.join(newSessionId(), 'moderator');
    const ended = nextEvent(mod, 'disconnected');
    const err = await rejection(mod.forceDisconnect(mod.connection.id));
    assert.equal(err.code, 'ERR_NOT_CONNECTED');
    assert.equal(err.details.reason, 'forceDisconnected');
    assert.equal((await ended).reason, 'forceDisconnected');
  });

  it('publish and subscribe without WebRTC reject ERR_INVALID_OPTION naming RTCPeerConnection', async () => {
    const session = await h.join(newSessionId(), 'publisher');
    for (const promise of [session.publish({} as MediaStream), session.subscribe('some-stream')]) {
      const err = await rejection(promise);
      assert.equal(err.code, 'ERR_INVALID_OPTION');
      assert.equal(err.details.option, 'RTCPeerConnection');
    }
  });

  it('bad arguments are ERR_INVALID_OPTION naming them', async () => {
    const mod = await h.join(newSessionId(), 'moderator');
    const cases: [Promise<unknown>, string][] = [
      [mod.signal({ data: 42 as unknown as string }), 'data'],
      [mod.signal({ data: 'x', to: [7 as unknown as string] }), 'to'],
      [mod.forceUnpublish(''), 'streamId'],
      [mod.forceDisconnect('x'.repeat(65)), 'connectionId'],
      [mod.forceMuteAll({ excludedStreamIds: 'x' as unknown as string[] }), 'excludedStreamIds'],
    ];
    for (const [promise, option] of cases) {
      const err = await rejection(promise);
      assert.equal(err.code, 'ERR_INVALID_OPTION', option);
      assert.equal(err.details.option, option);
    }
  });
});
