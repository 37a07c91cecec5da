import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createTokenHandler, createVerifier, type TokenGrant, type TokenRefusal } from '../index.js';

const appId = '4f6d7c5e-2a1b-4c3d-9e8f-0a1b2c3d4e5f';
const secret = 'a'.repeat(16) + 'b'.repeat(16) + 'c'.repeat(8);
const verifier = createVerifier({ apps: [{ appId, keys: [{ secret }] }] });

function handlerAnswering(answer: TokenGrant | TokenRefusal | null) {
  const seen: Request[] = [];
  const handler = createTokenHandler({
    appId,
    secret,
    authorize: async (request) => {
      seen.push(request);
      return answer;
    },
  });
  return { handler, seen };
}

describe('createTokenHandler', () => {
  it('mints a fresh, verifiable token per request for the grant authorize returns, never cacheable', async () => {
    const { handler, seen } = handlerAnswering({
      sessionId: 'room-1',
      role: 'moderator',
      data: 'name=Ada',
      ttl: '10m',
    });
    const request = new Request('http://app.example/token', { method: 'POST', headers: { cookie: 'sid=1' } });
    const before = Math.floor(Date.now() / 1000);
    const first = await handler(request);
    const second = await handler(new Request('http://app.example/token', { method: 'POST' }));
    assert.equal(first.status, 200);
    assert.equal(first.headers.get('cache-control'), 'no-store');
    assert.match(first.headers.get('content-type') ?? '', /^application\/json/);
    assert.equal(seen[0], request, 'authorize sees the request itself');
    const body = (await first.json()) as {
      token: string;
      appId: string;
      sessionId: string;
      role: string;
      expireTime: number;
    };
    const other = (await second.json()) as { token: string };
    assert.notEqual(body.token, other.token);
    assert.equal(body.appId, appId);
    assert.equal(body.sessionId, 'room-1');
    assert.equal(body.role, 'moderator');
    const granted = verifier.verify(body.token, { appId, sessionId: 'room-1' });
    assert.equal(granted.role, 'moderator');
    assert.equal(granted.data, 'name=Ada');
    assert.equal(granted.expireTime, body.expireTime);
    assert.ok(body.expireTime >= before + 600 && body.expireTime <= before + 601, `expireTime ${body.expireTime}`);
  });

  it('writes publisherOnly as publisheronly', async () => {
    const { handler } = handlerAnswering({ sessionId: 'room-1', role: 'publisherOnly' });
    const body = (await (await handler(new Request('http://app.example/token'))).json()) as {
      token: string;
      role: string;
    };
    assert.equal(body.role, 'publisheronly');
    assert.equal(verifier.verify(body.token, { appId, sessionId: 'room-1' }).role, 'publisheronly');
  });

  it('answers 401 ERR_AUTH_INVALID for null and a 401 refusal, 403 ERR_CAPABILITY_DENIED for a 403, with no token', async () => {
    for (const [answer, status, code, message] of [
      [null, 401, 'ERR_AUTH_INVALID', 'Sign in to get a token.'],
      [{ status: 401, message: 'Your sign-in expired.' }, 401, 'ERR_AUTH_INVALID', 'Your sign-in expired.'],
      [{ status: 403 }, 403, 'ERR_CAPABILITY_DENIED', 'You may not join this session with this role.'],
    ] as const) {
      const response = await handlerAnswering(answer).handler(new Request('http://app.example/token'));
      assert.equal(response.status, status);
      assert.equal(response.headers.get('cache-control'), 'no-store');
      assert.deepEqual(await response.json(), { code, message });
    }
  });

  it('rejects with the minter’s ERR_INVALID_OPTION for a bad grant, and with what authorize throws', async () => {
    await assert.rejects(
      handlerAnswering({ sessionId: 'room 1', role: 'publisher' }).handler(new Request('http://a/')),
      {
        code: 'ERR_INVALID_OPTION',
      },
    );
    await assert.rejects(
      handlerAnswering({ sessionId: 'r', role: 'publisher', ttl: '90d' }).handler(new Request('http://a/')),
      {
        code: 'ERR_INVALID_OPTION',
      },
    );
    const boom = new Error('database down');
    const failing = createTokenHandler({ appId, secret, authorize: () => Promise.reject(boom) });
    await assert.rejects(failing(new Request('http://a/')), boom);
  });

  it('checks its options once, at creation', () => {
    assert.throws(() => createTokenHandler({ appId, secret } as never), {
      code: 'ERR_INVALID_OPTION',
      details: { option: 'authorize' },
    });
    assert.throws(() => createTokenHandler({ appId, secret: 'short', authorize: () => null }), {
      code: 'ERR_INVALID_OPTION',
    });
  });
});
