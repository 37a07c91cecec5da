import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { describe, it } from 'node:test';
import { isStagepassError } from '@stagepass/protocol';
import { checkIcePair, checkIceServerUrls, checkTurnSecret, createIceServersFor } from './ice-servers.js';

const SECRET = 'a-turn-secret-of-32-characters!!';

/** The message of the ERR_INVALID_OPTION `fn` throws, with its option. */
function refusal(fn: () => unknown): { option: unknown; message: string } {
  try {
    fn();
  } catch (err) {
    assert.ok(isStagepassError(err) && err.code === 'ERR_INVALID_OPTION', String(err));
    return { option: err.option, message: err.message };
  }
  assert.fail('not refused');
}

describe('checkIceServerUrls', () => {
  it('takes STUN and TURN URLs (host names, IPv4, [IPv6], ports, transports)', () => {
    const urls = [
      'stun:stun.example.com',
      'stuns:stun.example.com:5349',
      'turn:203.0.113.7:3478?transport=udp',
      'turn:[2001:db8::7]:3478?transport=tcp',
      'turns:turn.example.com:5349',
    ];
    assert.deepEqual(checkIceServerUrls(urls, 'createGateway'), urls);
    assert.deepEqual(checkIceServerUrls(undefined), []);
  });

  it('refuses each bad entry, naming it', () => {
    const cases: [unknown, RegExp][] = [
      ['stun:a.example.com', /must be a list of at most 16/],
      [
        ['https://turn.example.com'],
        /entry 0 "https:\/\/turn\.example\.com" is not a stun:, stuns:, turn: or turns: URL/,
      ],
      [['turn:'], /entry 0 "turn:" is not a/],
      [['turn:a.example.com:70000'], /has a port outside 1–65535/],
      [['turn:a.example.com:0'], /has a port outside 1–65535/],
      [['stun:a.example.com?transport=udp'], /only TURN URLs take \?transport/],
      [['turn:a.example.com?transport=sctp'], /is not a stun:/],
      [['stun:a.example.com', 'stun:a.example.com'], /entry 1 "stun:a\.example\.com" is given twice/],
      [[42], /entry 0 is not a string/],
      [[`stun:${'a'.repeat(260)}`], /entry 0 is longer than 256 characters/],
      [Array.from({ length: 17 }, (_, i) => `stun:s${i}.example.com`), /at most 16/],
    ];
    for (const [value, pattern] of cases) {
      const { option, message } = refusal(() => checkIceServerUrls(value, 'createGateway'));
      assert.equal(option, 'iceServers');
      assert.match(message, /^createGateway: iceServers must be a list/);
      assert.match(message, pattern, JSON.stringify(value));
    }
  });
});

describe('checkTurnSecret', () => {
  it('takes 16–512 visible ASCII characters, and never repeats a refused one', () => {
    assert.equal(checkTurnSecret(SECRET), SECRET);
    assert.equal(checkTurnSecret(undefined), undefined);
    for (const bad of ['short-secret', 'a secret with spaces in it', 'x'.repeat(513), 'é'.repeat(20), 42]) {
      const { option, message } = refusal(() => checkTurnSecret(bad, 'createGateway'));
      assert.equal(option, 'turnSecret');
      assert.equal(
        message,
        "createGateway: turnSecret must be 16 to 512 visible ASCII characters (no spaces), the TURN server's static-auth-secret.",
      );
    }
  });
});

describe('checkIcePair', () => {
  it('wants the secret with a TURN URL, and a TURN URL with the secret', () => {
    checkIcePair(['stun:s.example.com'], undefined);
    checkIcePair(['turns:t.example.com'], SECRET);
    assert.equal(refusal(() => checkIcePair(['turn:t.example.com'], undefined)).option, 'turnSecret');
    assert.equal(refusal(() => checkIcePair(['stun:s.example.com'], SECRET)).option, 'iceServers');
    assert.equal(refusal(() => checkIcePair([], SECRET)).option, 'iceServers');
  });
});

describe('createIceServersFor', () => {
  const nowMs = 1_750_000_000_500;
  const now = () => nowMs;

  it('gives [] with nothing configured, and STUN alone without credentials', () => {
    assert.deepEqual(createIceServersFor({ urls: [], turnSecret: undefined, ttl: 600, now })('C1', 2e9), []);
    assert.deepEqual(
      createIceServersFor({ urls: ['stun:s.example.com'], turnSecret: undefined, ttl: 600, now })('C1', 2e9),
      [{ urls: ['stun:s.example.com'] }],
    );
  });

  it('gives TURN a credential per connection, expiring at min(token exp, now + ttl)', () => {
    const iceServersFor = createIceServersFor({
      urls: ['stun:s.example.com', 'turn:t.example.com:3478', 'turns:t.example.com:5349'],
      turnSecret: SECRET,
      ttl: 600,
      now,
    });
    const expect = (expiry: number, id: string) => {
      const username = `${expiry}:${id}`;
      return [
        { urls: ['stun:s.example.com'] },
        {
          urls: ['turn:t.example.com:3478', 'turns:t.example.com:5349'],
          username,
          credential: createHmac('sha1', SECRET).update(username).digest('base64'),
        },
      ];
    };
    // Token lives longer than the ttl: now + ttl.
    assert.deepEqual(iceServersFor('C1', 1_750_000_000 + 3600), expect(1_750_000_600, 'C1'));
    // Token expires first: its exp.
    assert.deepEqual(iceServersFor('C2', 1_750_000_100), expect(1_750_000_100, 'C2'));
  });
});
