import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createAppJwt } from '@stagepass/token';
import { TestGateway, newSessionId } from './test-support/test-gateway.js';

describe('gateway: unexpected failures', () => {
  let gw: TestGateway;
  before(async () => {
    gw = await TestGateway.start();
  });
  after(async () => {
    await gw.stop();
  });

  it('a store failure during admission closes 1011 ERR_INTERNAL, counts it, and the gateway keeps serving', async () => {
    const registry = gw.registry as unknown as { isRevoked: (...args: unknown[]) => boolean };
    const original = registry.isRevoked;
    registry.isRevoked = () => {
      throw new Error('disk I/O error');
    };
    try {
      assert.deepEqual(await gw.refusal(newSessionId()), { code: 1011, reason: 'ERR_INTERNAL' });
    } finally {
      registry.isRevoked = original;
    }
    assert.equal(await gw.metric('stagepass_admissions_total', 'result="error"'), 1);
    const { connected } = await gw.join(newSessionId());
    assert.equal(connected.type, 'connected');
  });

  it('a store failure behind the REST API answers 500 {"code":"ERR_INTERNAL"} without details', async () => {
    const registry = gw.registry as unknown as { getAppVersion: (...args: unknown[]) => number | undefined };
    const original = registry.getAppVersion;
    registry.getAppVersion = () => {
      throw new Error('disk I/O error at /secret/path');
    };
    try {
      const jwt = createAppJwt({ appId: gw.app.appId, secret: gw.app.secret });
      const answer = await gw.http(`/v1/apps/${gw.app.appId}/sessions`, {
        method: 'POST',
        headers: { authorization: `Bearer ${jwt}`, 'content-type': 'application/json' },
        body: '{}',
      });
      assert.equal(answer.status, 500);
      assert.equal(answer.json().code, 'ERR_INTERNAL');
      assert.doesNotMatch(answer.text, /disk|secret/);
    } finally {
      registry.getAppVersion = original;
    }
  });
});
