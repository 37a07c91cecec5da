/**
 * `iceServers` in `connected` and `resumed` through the real gateway on port 0 (docs/protocol.md "ICE
 * servers"): `[]` unless configured; STUN as given; TURN with a credential per connection whose expiry is
 * min(token exp, now + turnCredentialTtl), the one coturn's use-auth-secret checks; never in the logs.
 */
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { Writable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import { pino } from 'pino';
import { PROTOCOL_VERSION, isStagepassError, type IceServer } from '@stagepass/protocol';
import { createGateway } from './gateway.js';
import { createSqliteAppRegistry } from './registry/index.js';
import { TestGateway, newSessionId } from './test-support/test-gateway.js';

const SECRET = 'gateway-test-turn-secret-0123456789';
const STUN = 'stun:203.0.113.9:3478';
const TURN = ['turn:203.0.113.9:3478?transport=udp', 'turns:turn.example.com:5349'];
/** The gateway's wall clock, whole seconds (tests move it). */
const T0 = Math.floor(Date.now() / 1000);

function expected(expiry: number, connectionId: string): IceServer[] {
  const username = `${expiry}:${connectionId}`;
  const credential = createHmac('sha1', SECRET).update(username).digest('base64');
  return [{ urls: [STUN] }, { urls: TURN, username, credential }];
}

describe('connected.iceServers', () => {
  it('is [] when the gateway has none configured', async () => {
    const g = await TestGateway.start();
    try {
      const a = await g.join(newSessionId('ice'));
      assert.deepEqual(a.connected.iceServers, []);
      a.client.close();
    } finally {
      await g.stop();
    }
  });

  describe('with STUN and TURN configured', () => {
    let g: TestGateway;
    let clock = T0 * 1000;
    const lines: string[] = [];
    before(async () => {
      const stream = new Writable({
        write(chunk: Buffer, _encoding, done) {
          lines.push(chunk.toString());
          done();
        },
      });
      g = await TestGateway.start({
        iceServers: [STUN, ...TURN],
        turnSecret: SECRET,
        turnCredentialTtl: 600,
        resumeWindowMs: 60_000,
        now: () => clock,
        logger: pino({ level: 'debug' }, stream),
      });
    });
    after(async () => {
      await g.stop();
    });

    it('gives each connection its own TURN credential, expiring now + ttl when the token lives longer', async () => {
      const sessionId = newSessionId('ice');
      const a = await g.join(sessionId, { now: T0, expireTime: T0 + 3600 });
      const b = await g.join(sessionId, { now: T0, expireTime: T0 + 3600 });
      assert.deepEqual(a.connected.iceServers, expected(T0 + 600, a.id));
      assert.deepEqual(b.connected.iceServers, expected(T0 + 600, b.id));
      a.client.close();
      b.client.close();
    });

    it("caps the credential at the token's exp", async () => {
      const a = await g.join(newSessionId('ice'), { now: T0, expireTime: T0 + 120 });
      assert.deepEqual(a.connected.iceServers, expected(T0 + 120, a.id));
      a.client.close();
    });

    it('gives fresh credentials in resumed', async () => {
      const sessionId = newSessionId('ice');
      const a = await g.join(sessionId, { now: T0, expireTime: T0 + 3600 });
      a.client.ws.terminate();
      await new Promise((resolve) => setTimeout(resolve, 100));
      clock = (T0 + 60) * 1000;
      const client = g.open(sessionId);
      await client.opened;
      client.send({ type: 'resume', v: PROTOCOL_VERSION, connectionId: a.id, resumeSecret: a.connected.resumeSecret });
      const resumed = await client.next('resumed');
      assert.deepEqual(resumed.iceServers, expected(T0 + 660, a.id));
      client.close();
      clock = T0 * 1000;
    });

    it('never logs the secret or a credential', () => {
      const text = lines.join('');
      assert.ok(text.includes('client admitted'), 'the test saw the logs');
      assert.ok(!text.includes(SECRET));
      assert.ok(!/credential|username/.test(text), text);
    });
  });

  it('createGateway refuses bad ICE options with the option named, the secret never repeated', () => {
    const registry = createSqliteAppRegistry({ path: ':memory:' });
    const refused = (options: Record<string, unknown>) => {
      try {
        createGateway({ registry, ...options });
      } catch (err) {
        assert.ok(isStagepassError(err) && err.code === 'ERR_INVALID_OPTION', String(err));
        return { option: err.option, message: err.message };
      }
      assert.fail('not refused');
    };
    assert.deepEqual(refused({ iceServers: ['turn:t.example.com'] }), {
      option: 'turnSecret',
      message:
        'createGateway: turnSecret must be set when iceServers has a turn: or turns: URL (its credentials come from it).',
    });
    assert.equal(refused({ iceServers: 'stun:s.example.com' }).option, 'iceServers');
    const short = refused({ iceServers: ['turn:t.example.com'], turnSecret: 'too-short' });
    assert.equal(short.option, 'turnSecret');
    assert.ok(!short.message.includes('too-short'));
    assert.equal(refused({ turnCredentialTtl: 10 }).option, 'turnCredentialTtl');
    registry.close();
  });
});
