import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { describe, it } from 'node:test';
import { createToken } from '@stagepass/token';
import type { AppRegistry } from '../registry/app-registry.js';
import { createSqliteAppRegistry } from '../registry/sqlite-app-registry.js';
import { createAdmission } from './admit-client.js';
import { createVerifierCache } from './verifier-cache.js';

/** Counts the registry calls the cache makes. */
function counting(registry: AppRegistry) {
  const calls = { getApp: 0, getAppVersion: 0 };
  return {
    calls,
    registry: {
      getApp: (appId: string) => {
        calls.getApp++;
        return registry.getApp(appId);
      },
      getAppVersion: (appId: string) => {
        calls.getAppVersion++;
        return registry.getAppVersion(appId);
      },
    },
  };
}

describe('verifier cache', () => {
  it('loads an app once per registry version: a version check per admission otherwise', () => {
    const registry = createSqliteAppRegistry({ path: ':memory:' });
    const { app, secret } = registry.createApp({ name: 'a' });
    const spy = counting(registry);
    const cache = createVerifierCache({ registry: spy.registry, clockTolerance: 30 });
    const token = createToken({ appId: app.appId, secret, sessionId: 's' });
    for (let i = 0; i < 5; i++) {
      assert.equal(cache.lookup(app.appId)?.verifiable, true);
      assert.equal(cache.verifier.verify(token, { appId: app.appId, sessionId: 's' }).sessionId, 's');
    }
    assert.deepEqual(spy.calls, { getApp: 1, getAppVersion: 5 });
    registry.updateSettings(app.appId, { legacyT1: true });
    assert.equal(cache.lookup(app.appId)?.settings.legacyT1, true);
    assert.equal(spy.calls.getApp, 2);
    registry.close();
  });

  it('forgets a deleted app, and unknown apps are never cached', () => {
    const registry = createSqliteAppRegistry({ path: ':memory:' });
    const { app } = registry.createApp({ name: 'a' });
    const cache = createVerifierCache({ registry, clockTolerance: 30 });
    assert.ok(cache.lookup(app.appId));
    assert.equal(cache.verifier.hasApp(app.appId), true);
    registry.deleteApp(app.appId);
    assert.equal(cache.lookup(app.appId), undefined);
    assert.equal(cache.verifier.hasApp(app.appId), false);
    assert.equal(cache.lookup('never-was'), undefined);
    registry.close();
  });

  it('verifies with public keys (bound to their algorithm) and never with retired keys', async () => {
    const registry = createSqliteAppRegistry({ path: ':memory:' });
    const ed = generateKeyPairSync('ed25519', {
      publicKeyEncoding: { type: 'spki', format: 'pem' },
      privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
    });
    const app = registry.importApp({ appId: 'vonage-style-app', name: 'imported', publicKeyPem: ed.publicKey });
    const kid = app.keys[0]!.kid;
    const admission = createAdmission({
      registry,
      replay: registry,
      clockTolerance: 30,
      now: Date.now,
      maxConnectionsPerSession: 10,
    });
    const request = (token: string) => ({ appId: app.appId, sessionId: 's', origin: undefined, token });
    const token = createToken({
      appId: app.appId,
      privateKey: ed.privateKey,
      kid,
      sessionId: 's',
      role: 'subscriber',
      data: 'd',
    });
    const client = await admission.admit(request(token));
    assert.deepEqual(
      [client.role, client.data, client.maxConnectionsPerSession, client.ejectAtExpiry],
      ['subscriber', 'd', 10, false],
    );
    registry.addKey(app.appId, {
      kid: 'k-new',
      publicKeyPem: generateKeyPairSync('ed25519', {
        publicKeyEncoding: { type: 'spki', format: 'pem' },
        privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
      }).publicKey,
    });
    registry.retireKey(app.appId, kid);
    await assert.rejects(admission.admit(request(token)), { code: 'ERR_TOKEN_SIGNATURE_INVALID' });
    registry.close();
  });

  it('an app setting maxConnectionsPerSession overrides the gateway default', async () => {
    const registry = createSqliteAppRegistry({ path: ':memory:' });
    const { app, secret } = registry.createApp({
      name: 'a',
      settings: { maxConnectionsPerSession: 3, ejectAtExpiry: true },
    });
    const admission = createAdmission({
      registry,
      replay: registry,
      clockTolerance: 30,
      now: Date.now,
      maxConnectionsPerSession: 1000,
    });
    const client = await admission.admit({
      appId: app.appId,
      sessionId: 's',
      origin: undefined,
      token: createToken({ appId: app.appId, secret, sessionId: 's' }),
    });
    assert.equal(client.maxConnectionsPerSession, 3);
    assert.equal(client.ejectAtExpiry, true);
    registry.close();
  });
});
