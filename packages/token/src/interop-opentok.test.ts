/**
 * Interop with the real `opentok` Node SDK (and its `opentok-token` T1 encoder/helpers):
 * OpenTok's JWT and T1 tokens verify with us, and our `opentok-t1` tokens pass OpenTok's own
 * decoder and signature check, byte for byte.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { describe, it } from 'node:test';
import {
  CAPABILITIES,
  StagepassError,
  createMinter,
  createToken,
  inspectToken,
  verifyToken,
  type Role,
  type VerifiedToken,
} from './index.js';
import {
  LATER,
  NOW,
  OpenTok,
  ROLES_IN_TOKENS,
  SPECIAL_DATA,
  assertRefused,
  dataOfLength,
  encodeOpenTokToken,
  opentokHelpers,
  opentokSecret,
  opentokSessionId,
} from './test-support/interop-fixtures.js';

const API_KEY = '4711';
const OTHER_API_KEY = '4712';
const SECRET = opentokSecret();
const OTHER_SECRET = opentokSecret();
const LAYOUT = ['focus', 'full-width', 'étoile'];
const opentok = new OpenTok(API_KEY, SECRET);

function unixNow(): number {
  return Math.floor(Date.now() / 1000);
}

function digestId(token: string): string {
  return `sha256:${createHash('sha256').update(token, 'latin1').digest('base64url')}`;
}

interface Expected {
  readonly format: VerifiedToken['format'];
  readonly sessionId: string;
  readonly role: Role;
  readonly data: string | undefined;
  readonly expireTime: number;
  readonly layout: readonly string[];
}

/**
 * Checks a token minted by the OpenTok SDK (on the real clock) against what was asked for; times
 * come from the token itself and must lie within the minting window [before, after].
 */
function assertOpenTokGrant(
  token: string,
  granted: VerifiedToken,
  expected: Expected,
  before: number,
  after: number,
): void {
  const claims = inspectToken(token).claims;
  const createTime = Number(claims.create_time);
  const issuedAt = expected.format === 'opentok-t1' ? createTime : Number(claims.iat);
  // OpenTok rounds create_time (Math.round) but floors iat: both within a second of the window.
  for (const t of [createTime, issuedAt])
    assert.ok(t >= before && t <= after + 1, `time ${t} outside [${before}, ${after + 1}]`);
  assert.deepEqual(granted, {
    format: expected.format,
    algorithm: expected.format === 'opentok-t1' ? 'HMAC-SHA1' : 'HS256',
    appId: API_KEY,
    sessionId: expected.sessionId,
    role: expected.role,
    capabilities: CAPABILITIES[expected.role],
    createTime,
    issuedAt,
    expireTime: expected.expireTime,
    notBefore: undefined,
    data: expected.data,
    initialLayoutClassList: expected.layout,
    tokenId: digestId(token),
    keyId: undefined,
  });
}

describe('OpenTok SDK tokens verify with Stagepass', () => {
  for (const role of ROLES_IN_TOKENS) {
    it(`JWT (generateToken), role ${role}, special-character data, layout classes, explicit expireTime`, () => {
      const sessionId = opentokSessionId(API_KEY);
      const before = unixNow();
      const expireTime = before + 3600;
      const token = opentok.generateToken(sessionId, {
        role,
        data: SPECIAL_DATA,
        expireTime,
        initialLayoutClassList: LAYOUT,
      });
      const after = unixNow();
      assert.equal(inspectToken(token).format, 'stagepass');
      const granted = verifyToken(token, { appId: API_KEY, secret: SECRET, sessionId });
      assertOpenTokGrant(
        token,
        granted,
        { format: 'stagepass', sessionId, role, data: SPECIAL_DATA, expireTime, layout: LAYOUT },
        before,
        after,
      );
    });

    it(`T1 (generateToken(…, true)), role ${role}: verifies with legacyT1, refused without it`, () => {
      const sessionId = opentokSessionId(API_KEY);
      const before = unixNow();
      const expireTime = before + 7200;
      const token = opentok.generateToken(
        sessionId,
        { role, data: SPECIAL_DATA, expireTime, initialLayoutClassList: LAYOUT },
        true,
      );
      const after = unixNow();
      assert.ok(token.startsWith('T1=='));
      const granted = verifyToken(token, { appId: API_KEY, secret: SECRET, sessionId, legacyT1: true });
      assertOpenTokGrant(
        token,
        granted,
        { format: 'opentok-t1', sessionId, role, data: SPECIAL_DATA, expireTime, layout: LAYOUT },
        before,
        after,
      );
      assertRefused(
        () => verifyToken(token, { appId: API_KEY, secret: SECRET, sessionId }),
        'ERR_TOKEN_FORMAT_DISABLED',
      );
      assertRefused(
        () => verifyToken(token, { appId: API_KEY, secret: SECRET, sessionId, legacyT1: false }),
        'ERR_TOKEN_FORMAT_DISABLED',
      );
    });
  }

  it('defaults: no options gives a publisher token without data or layout, expiring in 24 h', () => {
    const sessionId = opentokSessionId(API_KEY);
    for (const t1 of [false, true]) {
      const before = unixNow();
      const token = opentok.generateToken(sessionId, undefined, t1);
      const after = unixNow();
      const granted = verifyToken(token, { appId: API_KEY, secret: SECRET, sessionId, legacyT1: true });
      assert.equal(granted.format, t1 ? 'opentok-t1' : 'stagepass');
      assert.equal(granted.role, 'publisher');
      assert.equal(granted.data, undefined);
      assert.deepEqual(granted.initialLayoutClassList, []);
      assert.equal(granted.expireTime - granted.createTime, 86_400);
      assert.ok(granted.createTime >= before && granted.createTime <= after + 1);
    }
  });

  it('the 1024-character data maximum OpenTok mints (specials, unicode, emoji) verifies, JWT and T1', () => {
    const data = dataOfLength(SPECIAL_DATA, 1024);
    const sessionId = opentokSessionId(API_KEY);
    for (const t1 of [false, true]) {
      const before = unixNow();
      const expireTime = before + 600;
      const token = opentok.generateToken(sessionId, { role: 'subscriber', data, expireTime }, t1);
      const after = unixNow();
      const granted = verifyToken(token, { appId: API_KEY, secret: SECRET, sessionId, legacyT1: true });
      assertOpenTokGrant(
        token,
        granted,
        {
          format: t1 ? 'opentok-t1' : 'stagepass',
          sessionId,
          role: 'subscriber',
          data,
          expireTime,
          layout: [],
        },
        before,
        after,
      );
    }
    // 1025 characters cannot be minted by OpenTok at all: nothing to interoperate with.
    assert.throws(() => opentok.generateToken(sessionId, { data: dataOfLength('', 1025) }), /maximum length 1024/);
  });

  it('1024 UTF-16 units of non-ASCII data (OpenTok accepts it) verifies as a JWT', () => {
    const sessionId = opentokSessionId(API_KEY);
    for (const data of ['€'.repeat(1024), '🎉'.repeat(512)]) {
      const before = unixNow();
      const expireTime = before + 600;
      const token = opentok.generateToken(sessionId, { data, expireTime });
      const granted = verifyToken(token, { appId: API_KEY, secret: SECRET, sessionId });
      assertOpenTokGrant(
        token,
        granted,
        { format: 'stagepass', sessionId, role: 'publisher', data, expireTime, layout: [] },
        before,
        unixNow(),
      );
    }
  });

  it('a T1 token OpenTok makes over 8 KiB (1024 non-ASCII characters, percent-encoded) is refused ERR_TOKEN_TOO_LARGE, as documented', () => {
    const sessionId = opentokSessionId(API_KEY);
    for (const data of ['€'.repeat(1024), '🎉'.repeat(512)]) {
      const token = opentok.generateToken(sessionId, { data, expireTime: unixNow() + 600 }, true);
      assert.ok(token.length > 8192, `expected an oversized token, got ${token.length} bytes`);
      assertRefused(
        () => verifyToken(token, { appId: API_KEY, secret: SECRET, sessionId, legacyT1: true }),
        'ERR_TOKEN_TOO_LARGE',
      );
    }
    // The same data in a T1 token that fits verifies.
    const data = '€'.repeat(600);
    const expireTime = unixNow() + 600;
    const before = unixNow();
    const token = opentok.generateToken(sessionId, { data, expireTime }, true);
    assert.ok(token.length <= 8192);
    const granted = verifyToken(token, { appId: API_KEY, secret: SECRET, sessionId, legacyT1: true });
    assertOpenTokGrant(
      token,
      granted,
      { format: 'opentok-t1', sessionId, role: 'publisher', data, expireTime, layout: [] },
      before,
      unixNow(),
    );
  });

  it('a token signed with another secret is refused ERR_TOKEN_SIGNATURE_INVALID (JWT and T1)', () => {
    const sessionId = opentokSessionId(API_KEY);
    const stranger = new OpenTok(API_KEY, OTHER_SECRET);
    for (const t1 of [false, true]) {
      const token = stranger.generateToken(sessionId, { role: 'moderator' }, t1);
      assertRefused(
        () => verifyToken(token, { appId: API_KEY, secret: SECRET, sessionId, legacyT1: true }),
        'ERR_TOKEN_SIGNATURE_INVALID',
      );
    }
  });

  it('a token presented with another App ID whose key is the same secret is refused ERR_TOKEN_APP_MISMATCH (JWT and T1)', () => {
    const sessionId = opentokSessionId(API_KEY);
    for (const t1 of [false, true]) {
      const token = opentok.generateToken(sessionId, { role: 'moderator' }, t1);
      assertRefused(
        () => verifyToken(token, { appId: OTHER_API_KEY, secret: SECRET, legacyT1: true }),
        'ERR_TOKEN_APP_MISMATCH',
      );
    }
  });

  it('a token for another session is refused ERR_TOKEN_SESSION_MISMATCH (JWT and T1)', () => {
    const sessionId = opentokSessionId(API_KEY);
    for (const t1 of [false, true]) {
      const token = opentok.generateToken(sessionId, {}, t1);
      assertRefused(
        () =>
          verifyToken(token, { appId: API_KEY, secret: SECRET, sessionId: opentokSessionId(API_KEY), legacyT1: true }),
        'ERR_TOKEN_SESSION_MISMATCH',
      );
    }
  });
  it('expireTime in milliseconds (the SDK copies it unchecked): refused, saying the backend passed milliseconds (JWT and T1)', () => {
    const sessionId = opentokSessionId(API_KEY);
    for (const t1 of [false, true]) {
      const token = opentok.generateToken(sessionId, { expireTime: Date.now() + 3600e3 }, t1);
      const err = assertRefused(
        () => verifyToken(token, { appId: API_KEY, secret: SECRET, sessionId, legacyT1: true }),
        'ERR_TOKEN_CLAIM_INVALID',
      );
      assert.match(
        err.message,
        /looks like milliseconds, not UNIX seconds; the backend passed milliseconds to expireTime/,
      );
      assert.match(err.message, /Math\.floor\(Date\.now\(\) \/ 1000\) \+ 3600\.$/);
      // A current SDK mints the same token again: that advice would send the developer the wrong way.
      assert.doesNotMatch(err.message, /SDK\b(?! wants)/);
    }
  });
});

describe("Stagepass opentok-t1 tokens pass OpenTok's decoder and signature check", () => {
  const t1Minter = createMinter({ appId: API_KEY, secret: SECRET, format: 'opentok-t1' });

  for (const role of ROLES_IN_TOKENS) {
    it(`role ${role}: verifyTokenSignature is true and decodeToken returns exactly our values`, () => {
      const sessionId = opentokSessionId(API_KEY);
      const token = t1Minter.mint({
        sessionId,
        role,
        data: SPECIAL_DATA,
        initialLayoutClassList: LAYOUT,
        expireTime: NOW + 3600,
        now: NOW,
      });
      assert.equal(opentokHelpers.verifyTokenSignature(token, SECRET), true);
      assert.equal(opentokHelpers.verifyTokenSignature(token, OTHER_SECRET), false);
      const inspected = inspectToken(token);
      assert.equal(inspected.format, 'opentok-t1');
      const nonce = inspected.claims.nonce;
      assert.equal(typeof nonce, 'string');
      assert.match(nonce as string, /^(?:0|[1-9][0-9]*)$/);
      assert.deepEqual(
        { ...opentokHelpers.decodeToken(token) },
        {
          partner_id: API_KEY,
          sig: inspected.header.sig,
          session_id: sessionId,
          create_time: String(NOW),
          nonce,
          role,
          expire_time: String(NOW + 3600),
          connection_data: SPECIAL_DATA,
          initial_layout_class_list: LAYOUT.join(' '),
          scope: 'session.connect',
        },
      );
      // And it verifies with us too, with the same values.
      const granted = verifyToken(token, { appId: API_KEY, secret: SECRET, sessionId, legacyT1: true, now: LATER });
      assert.equal(granted.format, 'opentok-t1');
      assert.equal(granted.role, role);
      assert.equal(granted.data, SPECIAL_DATA);
      assert.deepEqual(granted.initialLayoutClassList, LAYOUT);
      assert.equal(granted.createTime, NOW);
      assert.equal(granted.expireTime, NOW + 3600);
    });
  }

  it('without data or layout: no connection_data, an empty initial_layout_class_list', () => {
    const sessionId = opentokSessionId(API_KEY);
    const token = t1Minter.mint({ sessionId, now: NOW, ttl: '1h' });
    assert.equal(opentokHelpers.verifyTokenSignature(token, SECRET), true);
    const decoded = { ...opentokHelpers.decodeToken(token) };
    assert.equal(decoded.connection_data, undefined);
    assert.equal(decoded.initial_layout_class_list, '');
    assert.equal(decoded.role, 'publisher');
    assert.equal(decoded.create_time, String(NOW));
    assert.equal(decoded.expire_time, String(NOW + 3600));
  });

  it('our data maximum (1000 code points, specials, unicode, an emoji) round-trips through decodeToken', () => {
    const sessionId = opentokSessionId(API_KEY);
    const data = dataOfLength(SPECIAL_DATA, 1001); // one emoji: 1001 UTF-16 units, 1000 code points
    assert.equal([...data].length, 1000);
    const token = t1Minter.mint({ sessionId, data, now: NOW, ttl: 60 });
    assert.equal(opentokHelpers.verifyTokenSignature(token, SECRET), true);
    assert.equal(opentokHelpers.decodeToken(token).connection_data, data);
    assert.equal(verifyToken(token, { appId: API_KEY, secret: SECRET, legacyT1: true, now: LATER }).data, data);
  });

  it('our T1 minter refuses data that would make the token over 8 KiB, instead of minting an unverifiable token', () => {
    const sessionId = opentokSessionId(API_KEY);
    assert.throws(
      () => t1Minter.mint({ sessionId, data: '€'.repeat(1000), now: NOW, ttl: 60 }),
      (err: unknown) =>
        err instanceof StagepassError && err.code === 'ERR_INVALID_OPTION' && err.details.option === 'data',
    );
    const data = '€'.repeat(600);
    const token = t1Minter.mint({ sessionId, data, now: NOW, ttl: 60 });
    assert.equal(opentokHelpers.verifyTokenSignature(token, SECRET), true);
    assert.equal(verifyToken(token, { appId: API_KEY, secret: SECRET, legacyT1: true, now: LATER }).data, data);
  });

  const cases: readonly {
    name: string;
    data: string | undefined;
    layout: readonly string[] | undefined;
    role: Role;
  }[] = [
    {
      name: 'data with & = : spaces and unicode, and layout classes',
      data: "a=1&b=2:c d é 中文 🎉 +% !'()*~",
      layout: LAYOUT,
      role: 'moderator',
    },
    { name: 'special data, no layout', data: SPECIAL_DATA, layout: undefined, role: 'publisheronly' },
    { name: 'no data, layout classes', data: undefined, layout: ['one', 'two'], role: 'subscriber' },
    { name: 'no data, no layout', data: undefined, layout: undefined, role: 'publisher' },
  ];
  for (const c of cases) {
    it(`byte-exact with opentok-token's encodeToken: ${c.name}`, () => {
      const sessionId = opentokSessionId(API_KEY);
      const expireTime = NOW + 86_400;
      const ours = createToken({
        appId: API_KEY,
        secret: SECRET,
        format: 'opentok-t1',
        sessionId,
        role: c.role,
        data: c.data,
        initialLayoutClassList: c.layout,
        expireTime,
        now: NOW,
      });
      const nonceText = inspectToken(ours).claims.nonce;
      assert.equal(typeof nonceText, 'string');
      const nonce = Number(nonceText);
      assert.ok(Number.isSafeInteger(nonce));
      assert.equal(String(nonce), nonceText);
      // OpenTok's field order: session_id, create_time, nonce, role, expire_time, connection_data,
      // initial_layout_class_list, scope.
      const tokenData: Record<string, string | number> = {
        session_id: sessionId,
        create_time: NOW,
        nonce,
        role: c.role,
        expire_time: expireTime,
      };
      if (c.data !== undefined) tokenData.connection_data = c.data;
      tokenData.initial_layout_class_list = (c.layout ?? []).join(' ');
      tokenData.scope = 'session.connect';
      const theirs = encodeOpenTokToken(tokenData, API_KEY, SECRET);
      assert.equal(ours, theirs);
    });
  }
});
