/**
 * The registry's behaviour, as one suite that runs against every store (SQLite, PostgreSQL): each
 * store's test file calls {@link describeRegistryContract} with a factory of fresh, empty registries.
 * What only one store has (SQLite's file modes and WAL, the per-turn version memo) stays in its own tests.
 */
import assert from 'node:assert/strict';
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import { createToken, createVerifier, type Role, type StagepassError } from '@stagepass/token';
import type { AppRegistry, ReplayGuard } from '../app-registry.js';
import { DEFAULT_APP_SETTINGS } from '../app-record.js';
import { MAX_ACTIVE_KEYS } from '../app-validation.js';
import { parseMasterKey } from '../master-key.js';
import { toAppKeys } from '../to-app-keys.js';
import { NOW_MS, NOW_S, assertRejected, clock } from './registry-fixtures.js';

export type ContractRegistry = AppRegistry & ReplayGuard;

export interface RegistryStoreOptions {
  readonly now?: () => number;
  readonly masterKey?: Uint8Array;
}

/** How the contract gets registries of one store. */
export interface RegistryStoreFactory {
  /** `sqlite`, `postgres`: the suite's name. */
  readonly name: string;
  /** Why the suite skips (a store missing locally), or undefined. */
  readonly skip?: string | undefined;
  /** A registry on a fresh, empty store (at NOW_MS unless `now` says otherwise). */
  open(options?: RegistryStoreOptions): Promise<ContractRegistry>;
  /** Another registry on the same store as `registry` (a second gateway or CLI process); `registry` may be closed. */
  reopen(registry: ContractRegistry, options?: RegistryStoreOptions): Promise<ContractRegistry>;
  /** The stored secret column of every HS256 key, as written (to check encryption at rest). */
  storedSecrets(registry: ContractRegistry): Promise<string[]>;
}

const MASTER_KEY = parseMasterKey(randomBytes(32).toString('hex'));

/** Asserts that `fn` throws, or returns a promise that rejects with, a StagepassError with this code (and option). */
export async function refused(fn: () => unknown, code: string, option?: string): Promise<StagepassError> {
  return assertRejected(
    (async () => {
      await fn();
    })(),
    code,
    option,
  );
}

/**
 * Waits until `check` resolves true, failing after 1 s: cluster mode's bound for another process's change
 * (SQLite shows it from the next event-loop turn, PostgreSQL when its NOTIFY arrives, at worst the poll).
 */
async function eventually(check: () => Promise<boolean> | boolean, what = 'the change was not seen within 1 s') {
  const deadline = Date.now() + 1000;
  while (!(await check())) {
    if (Date.now() > deadline) assert.fail(what);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

function mint(
  appId: string,
  key: { secret?: string; privateKey?: string; kid?: string },
  role: Role = 'publisher',
): string {
  return createToken({ appId, ...key, sessionId: 'session-1', role, ttl: '1h', now: NOW_S });
}

function verifyWith(registry: AppRegistry, appId: string, token: string): string {
  const verifier = createVerifier({ apps: [toAppKeys(registry.getApp(appId)!)] });
  return verifier.verify(token, { appId, sessionId: 'session-1', now: NOW_S + 60 }).role;
}

function verifyCode(registry: AppRegistry, appId: string, token: string): string {
  try {
    verifyWith(registry, appId, token);
    return 'valid';
  } catch (err) {
    return (err as StagepassError).code;
  }
}

const ed25519 = generateKeyPairSync('ed25519');
const p256 = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
const pem = {
  ed25519: ed25519.publicKey.export({ type: 'spki', format: 'pem' }).toString(),
  ed25519Private: ed25519.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
  p256: p256.publicKey.export({ type: 'spki', format: 'pem' }).toString(),
  p256Private: p256.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
  rsa: rsa.publicKey.export({ type: 'spki', format: 'pem' }).toString(),
  rsaPkcs1: rsa.publicKey.export({ type: 'pkcs1', format: 'pem' }).toString(),
  rsaPrivate: rsa.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
  rsa1024: generateKeyPairSync('rsa', { modulusLength: 1024 })
    .publicKey.export({ type: 'spki', format: 'pem' })
    .toString(),
  p384: generateKeyPairSync('ec', { namedCurve: 'P-384' }).publicKey.export({ type: 'spki', format: 'pem' }).toString(),
  x25519: generateKeyPairSync('x25519').publicKey.export({ type: 'spki', format: 'pem' }).toString(),
};

function describeCreateApp(store: RegistryStoreFactory): void {
  describe('createApp', () => {
    it('makes a UUID app with defaults, one active HS256 key k1 and a 64-hex secret returned once', async () => {
      const registry = await store.open();
      const { app, secret } = await registry.createApp({ name: 'Demo' });
      assert.match(app.appId, /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
      assert.match(secret, /^[0-9a-f]{64}$/);
      assert.deepEqual(app, {
        appId: app.appId,
        name: 'Demo',
        createdAt: NOW_MS,
        settings: DEFAULT_APP_SETTINGS,
        version: 1,
        keys: [{ kid: 'k1', alg: 'HS256', secret, publicKeyPem: undefined, status: 'active', createdAt: NOW_MS }],
      });
      assert.deepEqual(registry.getApp(app.appId), app);
      assert.deepEqual(registry.listApps(), [app]);
      assert.equal(registry.getAppVersion(app.appId), 1);
      assert.equal(
        Object.isFrozen(app) && Object.isFrozen(app.keys[0]) && Object.isFrozen(app.settings.allowedOrigins),
        true,
      );
      assert.equal(verifyWith(registry, app.appId, mint(app.appId, { secret, kid: 'k1' }, 'moderator')), 'moderator');
      assert.notEqual((await registry.createApp({ name: 'Demo' })).secret, secret);
      await registry.close();
    });

    it('takes settings and an explicit App ID', async () => {
      const registry = await store.open();
      const settings = {
        legacyT1: true,
        singleUseTokens: true,
        ejectAtExpiry: true,
        allowedOrigins: ['https://app.example.com', 'http://localhost:3000'],
        maxConnectionsPerSession: 50,
        mediaMode: 'routed' as const,
      };
      const { app } = await registry.createApp({ name: 'Custom', appId: 'my-app', settings });
      assert.equal(app.appId, 'my-app');
      assert.deepEqual(app.settings, settings);
      await refused(() => registry.createApp({ name: 'Again', appId: 'my-app' }), 'ERR_INVALID_OPTION', 'appId');
      await registry.close();
    });

    it('refuses bad names, App IDs and settings, naming the option', async () => {
      const registry = await store.open();
      const rows: [unknown, string][] = [
        [{}, 'name'],
        [{ name: '' }, 'name'],
        [{ name: '   ' }, 'name'],
        [{ name: 'a\u0007b' }, 'name'],
        [{ name: 'x'.repeat(201) }, 'name'],
        [{ name: 'n', appId: 'has space' }, 'appId'],
        [{ name: 'n', appId: 'a'.repeat(257) }, 'appId'],
        [{ name: 'n', appId: '' }, 'appId'],
        [{ name: 'n', settings: { legacyT1: 'yes' } }, 'settings.legacyT1'],
        [{ name: 'n', settings: { singleUseTokens: 1 } }, 'settings.singleUseTokens'],
        [{ name: 'n', settings: { ejectAtExpiry: null } }, 'settings.ejectAtExpiry'],
        [{ name: 'n', settings: { maxConnections: 5 } }, 'settings.maxConnections'],
        [{ name: 'n', settings: 'all' }, 'settings'],
        [{ name: 'n', settings: { allowedOrigins: 'https://a.com' } }, 'settings.allowedOrigins'],
        [
          { name: 'n', settings: { allowedOrigins: ['https://a.com', 'https://a.com/'] } },
          'settings.allowedOrigins[1]',
        ],
        [{ name: 'n', settings: { allowedOrigins: ['https://a.com/path'] } }, 'settings.allowedOrigins[0]'],
        [{ name: 'n', settings: { allowedOrigins: ['https://A.com'] } }, 'settings.allowedOrigins[0]'],
        [{ name: 'n', settings: { allowedOrigins: ['https://a.com:443'] } }, 'settings.allowedOrigins[0]'],
        [{ name: 'n', settings: { allowedOrigins: ['a.com'] } }, 'settings.allowedOrigins[0]'],
        [{ name: 'n', settings: { allowedOrigins: ['ftp://a.com'] } }, 'settings.allowedOrigins[0]'],
        [{ name: 'n', settings: { allowedOrigins: ['*'] } }, 'settings.allowedOrigins[0]'],
        [
          { name: 'n', settings: { allowedOrigins: Array.from({ length: 101 }, (_, i) => `https://a${i}.com`) } },
          'settings.allowedOrigins',
        ],
        [{ name: 'n', settings: { maxConnectionsPerSession: 0 } }, 'settings.maxConnectionsPerSession'],
        [{ name: 'n', settings: { maxConnectionsPerSession: 100_001 } }, 'settings.maxConnectionsPerSession'],
        [{ name: 'n', settings: { maxConnectionsPerSession: 1.5 } }, 'settings.maxConnectionsPerSession'],
        [{ name: 'n', settings: { maxConnectionsPerSession: '5' } }, 'settings.maxConnectionsPerSession'],
        [{ name: 'n', settings: { mediaMode: 'sfu' } }, 'settings.mediaMode'],
        [{ name: 'n', settings: { mediaMode: 'Routed' } }, 'settings.mediaMode'],
        [{ name: 'n', settings: { mediaMode: null } }, 'settings.mediaMode'],
      ];
      for (const [options, option] of rows) {
        await refused(() => registry.createApp(options as never), 'ERR_INVALID_OPTION', option);
      }
      const message = (
        await refused(
          () => registry.createApp({ name: 'n', settings: { allowedOrigins: ['https://A.com:443/'] } }),
          'ERR_INVALID_OPTION',
        )
      ).message;
      assert.match(message, /did you mean https:\/\/a\.com\?/);
      assert.deepEqual(registry.listApps(), [], 'nothing was written');
      await registry.close();
    });

    it('accepts the bounds and de-duplicates origins', async () => {
      const registry = await store.open();
      const one = await registry.createApp({
        name: 'x'.repeat(200),
        settings: {
          maxConnectionsPerSession: 1,
          allowedOrigins: ['http://[::1]:8080', 'https://a.com', 'https://a.com'],
        },
      });
      assert.deepEqual(one.app.settings.allowedOrigins, ['http://[::1]:8080', 'https://a.com']);
      assert.equal(
        (await registry.createApp({ name: 'y', settings: { maxConnectionsPerSession: 100_000 } })).app.settings
          .maxConnectionsPerSession,
        100_000,
      );
      await registry.close();
    });
  });
}

function describeImportApp(store: RegistryStoreFactory): void {
  describe('importApp', () => {
    it('registers an OpenTok API key + secret: tokens the backend mints verify unchanged', async () => {
      const registry = await store.open();
      const secret = randomBytes(20).toString('hex'); // OpenTok API secrets are 40 hex characters
      const app = await registry.importApp({
        appId: '47123456',
        name: 'OpenTok project',
        secret,
        settings: { legacyT1: true },
      });
      assert.deepEqual(
        app.keys.map((k) => [k.kid, k.alg, k.status, k.secret]),
        [['k1', 'HS256', 'active', secret]],
      );
      assert.equal(app.version, 1);
      assert.equal(app.settings.legacyT1, true);
      assert.equal(verifyWith(registry, '47123456', mint('47123456', { secret })), 'publisher');
      const t1 = createToken({ appId: '47123456', secret, sessionId: 'session-1', format: 'opentok-t1', now: NOW_S });
      assert.equal(verifyWith(registry, '47123456', t1), 'publisher');
      await registry.close();
    });

    it('registers a Vonage application ID + RSA public key (SPKI or PKCS#1 PEM, stored as SPKI)', async () => {
      const registry = await store.open();
      const appId = 'a1b2c3d4-e5f6-4789-8abc-def012345678';
      const app = await registry.importApp({ appId, name: 'Vonage app', publicKeyPem: pem.rsaPkcs1 });
      assert.deepEqual(
        app.keys.map((k) => [k.kid, k.alg, k.secret, k.publicKeyPem]),
        [['k1', 'RS256', undefined, pem.rsa]],
      );
      const token = createToken({
        appId,
        privateKey: pem.rsaPrivate,
        format: 'vonage',
        sessionId: 'session-1',
        now: NOW_S,
      });
      assert.equal(verifyWith(registry, appId, token), 'publisher');
      await registry.close();
    });

    it('derives the algorithm from the key type as the token package does', async () => {
      const registry = await store.open();
      assert.equal(
        (await registry.importApp({ appId: 'ed', name: 'n', publicKeyPem: pem.ed25519 })).keys[0]!.alg,
        'EdDSA',
      );
      assert.equal(
        (await registry.importApp({ appId: 'ec', name: 'n', publicKeyPem: pem.p256 })).keys[0]!.alg,
        'ES256',
      );
      assert.equal(verifyWith(registry, 'ed', mint('ed', { privateKey: pem.ed25519Private, kid: 'k1' })), 'publisher');
      assert.equal(verifyWith(registry, 'ec', mint('ec', { privateKey: pem.p256Private })), 'publisher');
      await registry.close();
    });

    it('refuses bad keys and App IDs, naming the option, never echoing a secret', async () => {
      const registry = await store.open();
      const shortSecret = 'short-secret-0123456789';
      const rows: [unknown, string][] = [
        [{ name: 'n', secret: randomBytes(32).toString('hex') }, 'appId'],
        [{ appId: 'has space', name: 'n', secret: randomBytes(32).toString('hex') }, 'appId'],
        [{ appId: 'ok', secret: randomBytes(32).toString('hex') }, 'name'],
        [{ appId: 'ok', name: 'n' }, 'secret'],
        [{ appId: 'ok', name: 'n', secret: shortSecret }, 'secret'],
        [{ appId: 'ok', name: 'n', secret: 42 }, 'secret'],
        [{ appId: 'ok', name: 'n', secret: randomBytes(32).toString('hex'), publicKeyPem: pem.rsa }, 'secret'],
        [{ appId: 'ok', name: 'n', publicKeyPem: 'not a key' }, 'publicKeyPem'],
        [
          { appId: 'ok', name: 'n', publicKeyPem: '-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n' },
          'publicKeyPem',
        ],
        [{ appId: 'ok', name: 'n', publicKeyPem: pem.rsaPrivate }, 'publicKeyPem'],
        [{ appId: 'ok', name: 'n', publicKeyPem: pem.rsa1024 }, 'publicKeyPem'],
        [{ appId: 'ok', name: 'n', publicKeyPem: pem.p384 }, 'publicKeyPem'],
        [{ appId: 'ok', name: 'n', publicKeyPem: pem.x25519 }, 'publicKeyPem'],
      ];
      for (const [options, option] of rows) {
        const err = await refused(() => registry.importApp(options as never), 'ERR_INVALID_OPTION', option);
        assert.equal(err.message.includes(shortSecret), false);
      }
      assert.match(
        (
          await refused(
            () => registry.importApp({ appId: 'ok', name: 'n', publicKeyPem: pem.rsa1024 }),
            'ERR_INVALID_OPTION',
          )
        ).message,
        /2048 bits/,
      );
      assert.match(
        (
          await refused(
            () => registry.importApp({ appId: 'ok', name: 'n', publicKeyPem: pem.rsaPrivate }),
            'ERR_INVALID_OPTION',
          )
        ).message,
        /private key/,
      );
      assert.deepEqual(registry.listApps(), []);
      await registry.close();
    });
  });
}

function describeKeysRotateAddRetire(store: RegistryStoreFactory): void {
  describe('keys: rotate, add, retire', () => {
    it('rotation adds an active key; the old one keeps verifying until retired', async () => {
      const registry = await store.open();
      const { app, secret: first } = await registry.createApp({ name: 'Rotating' });
      const oldToken = mint(app.appId, { secret: first, kid: 'k1' });
      const kidless = mint(app.appId, { secret: first }); // as the OpenTok SDKs mint
      const { key, secret: second } = await registry.rotateSecret(app.appId);
      assert.deepEqual(key, {
        kid: 'k2',
        alg: 'HS256',
        secret: second,
        publicKeyPem: undefined,
        status: 'active',
        createdAt: NOW_MS,
      });
      assert.match(second, /^[0-9a-f]{64}$/);
      assert.equal(registry.getAppVersion(app.appId), 2);
      assert.deepEqual(
        registry.getApp(app.appId)!.keys.map((k) => [k.kid, k.status]),
        [
          ['k1', 'active'],
          ['k2', 'active'],
        ],
      );
      const newToken = mint(app.appId, { secret: second, kid: 'k2' });
      assert.equal(verifyCode(registry, app.appId, oldToken), 'valid');
      assert.equal(verifyCode(registry, app.appId, kidless), 'valid');
      assert.equal(verifyCode(registry, app.appId, newToken), 'valid');

      const retired = await registry.retireKey(app.appId, 'k1');
      assert.equal(retired.status, 'retired');
      assert.equal(registry.getAppVersion(app.appId), 3);
      assert.equal(verifyCode(registry, app.appId, oldToken), 'ERR_TOKEN_SIGNATURE_INVALID');
      assert.equal(verifyCode(registry, app.appId, kidless), 'ERR_TOKEN_SIGNATURE_INVALID');
      assert.equal(verifyCode(registry, app.appId, newToken), 'valid');

      assert.deepEqual(await registry.retireKey(app.appId, 'k1'), retired, 'retiring twice is a no-op');
      assert.equal(registry.getAppVersion(app.appId), 3, 'a no-op does not bump the version');
      const last = await refused(() => registry.retireKey(app.appId, 'k2'), 'ERR_INVALID_OPTION', 'kid');
      assert.match(last.message, /last active key/);
      await refused(() => registry.retireKey(app.appId, 'k9'), 'ERR_NOT_FOUND');
      await refused(() => registry.retireKey(app.appId, 'bad kid'), 'ERR_INVALID_OPTION', 'kid');
      assert.equal((await registry.rotateSecret(app.appId)).key.kid, 'k3');
      await registry.close();
    });

    it('addKey takes a public key or a secret, with a default or explicit kid', async () => {
      const registry = await store.open();
      const { app } = await registry.createApp({ name: 'Keys' });
      const ed = await registry.addKey(app.appId, { publicKeyPem: pem.ed25519 });
      assert.deepEqual(ed, {
        kid: 'k2',
        alg: 'EdDSA',
        secret: undefined,
        publicKeyPem: pem.ed25519,
        status: 'active',
        createdAt: NOW_MS,
      });
      const secret = randomBytes(24).toString('base64');
      assert.equal((await registry.addKey(app.appId, { secret, kid: 'k7' })).secret, secret);
      assert.equal((await registry.addKey(app.appId, { publicKeyPem: pem.rsa, kid: 'vonage-2025' })).alg, 'RS256');
      assert.equal((await registry.addKey(app.appId, { publicKeyPem: pem.p256 })).kid, 'k8', 'after the highest kN');
      assert.equal(registry.getAppVersion(app.appId), 5);
      assert.equal(
        verifyWith(registry, app.appId, mint(app.appId, { privateKey: pem.ed25519Private, kid: 'k2' })),
        'publisher',
      );
      assert.equal(verifyWith(registry, app.appId, mint(app.appId, { secret, kid: 'k7' })), 'publisher');

      await registry.retireKey(app.appId, 'k7');
      await refused(() => registry.addKey(app.appId, { secret, kid: 'k7' }), 'ERR_INVALID_OPTION', 'kid');
      await refused(() => registry.addKey(app.appId, { secret, kid: 'no spaces' }), 'ERR_INVALID_OPTION', 'kid');
      await refused(() => registry.addKey(app.appId, { secret: 'too-short' }), 'ERR_INVALID_OPTION', 'secret');
      await refused(() => registry.addKey(app.appId, { publicKeyPem: pem.p384 }), 'ERR_INVALID_OPTION', 'publicKeyPem');
      await refused(() => registry.addKey(app.appId, {}), 'ERR_INVALID_OPTION', 'secret');
      assert.equal(registry.getAppVersion(app.appId), 6, 'refusals change nothing');
      await registry.close();
    });

    it(`holds at most ${MAX_ACTIVE_KEYS} active keys`, async () => {
      const registry = await store.open();
      const { app } = await registry.createApp({ name: 'Many' });
      for (let i = 1; i < MAX_ACTIVE_KEYS; i++) await registry.rotateSecret(app.appId);
      await refused(() => registry.rotateSecret(app.appId), 'ERR_INVALID_OPTION', 'kid');
      await registry.retireKey(app.appId, 'k1');
      assert.equal((await registry.rotateSecret(app.appId)).key.kid, `k${MAX_ACTIVE_KEYS + 1}`);
      await registry.close();
    });

    it('every mutation of an unknown app is ERR_NOT_FOUND', async () => {
      const registry = await store.open();
      const secret = randomBytes(32).toString('hex');
      await refused(() => registry.rotateSecret('nope'), 'ERR_NOT_FOUND');
      await refused(() => registry.addKey('nope', { secret }), 'ERR_NOT_FOUND');
      await refused(() => registry.retireKey('nope', 'k1'), 'ERR_NOT_FOUND');
      await refused(() => registry.updateSettings('nope', { legacyT1: true }), 'ERR_NOT_FOUND');
      await refused(() => registry.revoke('nope', { kind: 'token', tokenId: 't', expireTime: NOW_S }), 'ERR_NOT_FOUND');
      await assertRejected(registry.claim('nope', 't', NOW_S), 'ERR_NOT_FOUND');
      assert.equal(await registry.deleteApp('nope'), false);
      assert.equal(registry.getApp('nope'), undefined);
      assert.equal(registry.getAppVersion('nope'), undefined);
      assert.equal(await registry.isRevoked('nope', 's', 't', NOW_S), false);
      await registry.close();
    });
  });
}

function describeSettings(store: RegistryStoreFactory): void {
  describe('settings', () => {
    it('round-trip, leave unnamed settings alone, bump the version only on a change', async () => {
      const registry = await store.open();
      const { app } = await registry.createApp({ name: 'Settings' });
      const a = await registry.updateSettings(app.appId, {
        legacyT1: true,
        allowedOrigins: ['https://a.example.com'],
      });
      assert.deepEqual(a.settings, {
        ...DEFAULT_APP_SETTINGS,
        legacyT1: true,
        allowedOrigins: ['https://a.example.com'],
      });
      assert.equal(a.version, 2);
      const b = await registry.updateSettings(app.appId, {
        singleUseTokens: true,
        ejectAtExpiry: true,
        maxConnectionsPerSession: 10,
        mediaMode: 'routed',
      });
      assert.deepEqual(b.settings, {
        legacyT1: true,
        singleUseTokens: true,
        ejectAtExpiry: true,
        allowedOrigins: ['https://a.example.com'],
        maxConnectionsPerSession: 10,
        mediaMode: 'routed',
      });
      assert.equal(b.version, 3);
      assert.equal((await registry.updateSettings(app.appId, { legacyT1: true })).version, 3, 'no change, no bump');
      assert.equal((await registry.updateSettings(app.appId, {})).version, 3);
      const c = await registry.updateSettings(app.appId, {
        allowedOrigins: [],
        maxConnectionsPerSession: null,
        legacyT1: false,
        mediaMode: 'relayed',
      });
      assert.deepEqual(c.settings, { ...DEFAULT_APP_SETTINGS, singleUseTokens: true, ejectAtExpiry: true });
      assert.equal(c.version, 4);
      assert.deepEqual(registry.getApp(app.appId), c);
      await refused(
        () => registry.updateSettings(app.appId, { allowedOrigins: ['https://a.com/'] }),
        'ERR_INVALID_OPTION',
        'settings.allowedOrigins[0]',
      );
      await refused(
        () => registry.updateSettings(app.appId, { maxConnectionsPerSession: -1 }),
        'ERR_INVALID_OPTION',
        'settings.maxConnectionsPerSession',
      );
      await refused(
        () => registry.updateSettings(app.appId, { legacyT1: 'true' } as never),
        'ERR_INVALID_OPTION',
        'settings.legacyT1',
      );
      assert.deepEqual(registry.getApp(app.appId), c, 'refusals change nothing');
      await registry.close();
    });
  });
}

function describeDeleteApp(store: RegistryStoreFactory): void {
  describe('deleteApp', () => {
    it('removes the app with its keys; an app created again under its ID goes on counting versions', async () => {
      const registry = await store.open();
      const secret = randomBytes(32).toString('hex');
      await registry.importApp({ appId: 'again', name: 'First', secret });
      await registry.rotateSecret('again');
      await registry.claim('again', 'jti-1', NOW_S + 60);
      assert.equal(await registry.deleteApp('again'), true);
      assert.equal(registry.getApp('again'), undefined);
      assert.equal(await registry.deleteApp('again'), false);
      const second = await registry.importApp({ appId: 'again', name: 'Second', secret });
      assert.equal(second.version, 3, "above the deleted app's version 2");
      assert.deepEqual(
        second.keys.map((k) => k.kid),
        ['k1'],
      );
      assert.equal(await registry.claim('again', 'jti-1', NOW_S + 60), true, 'used token IDs went with the old app');
      await registry.close();
    });
  });
}

function describeVersions(store: RegistryStoreFactory): void {
  describe('versions', () => {
    it('increase by one on every change: keys, settings, revocations', async () => {
      const registry = await store.open();
      const { app } = await registry.createApp({ name: 'Versions' });
      const versions = [registry.getAppVersion(app.appId)];
      await registry.rotateSecret(app.appId);
      versions.push(registry.getAppVersion(app.appId));
      await registry.addKey(app.appId, { publicKeyPem: pem.p256 });
      versions.push(registry.getAppVersion(app.appId));
      await registry.retireKey(app.appId, 'k1');
      versions.push(registry.getAppVersion(app.appId));
      await registry.updateSettings(app.appId, { ejectAtExpiry: true });
      versions.push(registry.getAppVersion(app.appId));
      await registry.revoke(app.appId, { kind: 'issuedBefore', sessionId: null, issuedBefore: NOW_S });
      versions.push(registry.getAppVersion(app.appId));
      assert.deepEqual(versions, [1, 2, 3, 4, 5, 6]);
      assert.equal(registry.getApp(app.appId)!.version, 6);
      await registry.close();
    });
  });
}

function describeRevocations(store: RegistryStoreFactory): void {
  describe('revocations', () => {
    it('a token ID is revoked until its expiry (plus the largest clock tolerance), then purged', async () => {
      const time = clock();
      const registry = await store.open({ now: time.now });
      const { app } = await registry.createApp({ name: 'Revoke' });
      const other = (await registry.createApp({ name: 'Other' })).app;
      await registry.revoke(app.appId, { kind: 'token', tokenId: 'jti-1', expireTime: NOW_S + 60 });
      assert.equal(registry.getAppVersion(app.appId), 2, 'revoking bumps the version');
      assert.equal(await registry.isRevoked(app.appId, 'any-session', 'jti-1', NOW_S), true);
      assert.equal(await registry.isRevoked(app.appId, 'any-session', 'jti-2', NOW_S), false);
      assert.equal(
        await registry.isRevoked(other.appId, 'any-session', 'jti-1', NOW_S),
        false,
        'revocations are per app',
      );
      time.advance((60 + 299) * 1000);
      await registry.revoke(app.appId, { kind: 'token', tokenId: 'jti-x', expireTime: NOW_S + 3600 }); // purges lazily
      assert.equal(await registry.isRevoked(app.appId, 's', 'jti-1', NOW_S), true, 'kept through the clock tolerance');
      time.advance(2000);
      await registry.revoke(app.appId, { kind: 'token', tokenId: 'jti-y', expireTime: NOW_S + 3600 });
      assert.equal(await registry.isRevoked(app.appId, 's', 'jti-1', NOW_S), false, 'purged once expired');
      assert.equal(await registry.isRevoked(app.appId, 's', 'jti-x', NOW_S), true);
      await registry.close();
    });

    it('issuedBefore revokes every token of the app, or of one session, issued strictly before a time', async () => {
      const registry = await store.open();
      const { app } = await registry.createApp({ name: 'Revoke' });
      await registry.revoke(app.appId, { kind: 'issuedBefore', sessionId: 'room-1', issuedBefore: NOW_S - 100 });
      assert.equal(await registry.isRevoked(app.appId, 'room-1', 'j', NOW_S - 101), true);
      assert.equal(await registry.isRevoked(app.appId, 'room-1', 'j', NOW_S - 100), false);
      assert.equal(await registry.isRevoked(app.appId, 'room-2', 'j', NOW_S - 101), false);
      await registry.revoke(app.appId, { kind: 'issuedBefore', sessionId: null, issuedBefore: NOW_S - 200 });
      assert.equal(await registry.isRevoked(app.appId, 'room-2', 'j', NOW_S - 201), true);
      assert.equal(await registry.isRevoked(app.appId, 'room-2', 'j', NOW_S - 200), false);
      // A later revocation with an earlier time never un-revokes anything.
      await registry.revoke(app.appId, { kind: 'issuedBefore', sessionId: 'room-1', issuedBefore: NOW_S - 500 });
      assert.equal(await registry.isRevoked(app.appId, 'room-1', 'j', NOW_S - 101), true);
      await registry.revoke(app.appId, { kind: 'issuedBefore', sessionId: 'room-1', issuedBefore: NOW_S });
      assert.equal(
        await registry.isRevoked(app.appId, 'room-1', 'j', NOW_S - 1),
        true,
        "the cache saw this process's change",
      );
      assert.equal(registry.getAppVersion(app.appId), 5);
      await registry.close();
    });

    it("another process's revocation is seen (through the version bump)", async () => {
      const a = await store.open();
      const { app } = await a.createApp({ name: 'Shared' });
      const b = await store.reopen(a);
      assert.equal(await a.isRevoked(app.appId, 'room', 'j', NOW_S - 10), false); // a caches the (empty) rows
      await b.revoke(app.appId, { kind: 'issuedBefore', sessionId: 'room', issuedBefore: NOW_S });
      await eventually(() => a.isRevoked(app.appId, 'room', 'j', NOW_S - 10));
      await b.revoke(app.appId, { kind: 'token', tokenId: 'jti-b', expireTime: NOW_S + 60 });
      await eventually(() => a.isRevoked(app.appId, 'other', 'jti-b', NOW_S));
      await a.close();
      await b.close();
    });

    it('refuses bad revocations, naming the option', async () => {
      const registry = await store.open();
      const { app } = await registry.createApp({ name: 'Revoke' });
      const rows: [unknown, string][] = [
        [{ kind: 'all' }, 'revocation.kind'],
        [null, 'revocation'],
        [{ kind: 'token', tokenId: '', expireTime: NOW_S }, 'revocation.tokenId'],
        [{ kind: 'token', tokenId: 'a b', expireTime: NOW_S }, 'revocation.tokenId'],
        [{ kind: 'token', tokenId: 'j', expireTime: NOW_MS }, 'revocation.expireTime'],
        [{ kind: 'token', tokenId: 'j', expireTime: 1.5 }, 'revocation.expireTime'],
        [{ kind: 'issuedBefore', sessionId: 'a b', issuedBefore: NOW_S }, 'revocation.sessionId'],
        [{ kind: 'issuedBefore', sessionId: null, issuedBefore: NOW_S + 3600 }, 'revocation.issuedBefore'],
        [{ kind: 'issuedBefore', sessionId: null }, 'revocation.issuedBefore'],
      ];
      for (const [revocation, option] of rows) {
        await refused(() => registry.revoke(app.appId, revocation as never), 'ERR_INVALID_OPTION', option);
      }
      assert.equal(registry.getAppVersion(app.appId), 1);
      await registry.close();
    });
  });
}

function describeReplayGuard(store: RegistryStoreFactory): void {
  describe('ReplayGuard', () => {
    it('a token ID claims once per app; expired IDs are purged lazily', async () => {
      const time = clock();
      const registry = await store.open({ now: time.now });
      const { app } = await registry.createApp({ name: 'Single use' });
      const other = (await registry.createApp({ name: 'Other' })).app;
      assert.equal(await registry.claim(app.appId, 'jti-1', NOW_S + 60), true);
      assert.equal(await registry.claim(app.appId, 'jti-1', NOW_S + 60), false);
      assert.equal(await registry.claim(app.appId, 'jti-1', NOW_S + 9999), false);
      assert.equal(await registry.claim(other.appId, 'jti-1', NOW_S + 60), true, 'per app');
      await assertRejected(registry.claim(app.appId, 'a b', NOW_S), 'ERR_INVALID_OPTION', 'tokenId');
      await assertRejected(registry.claim(app.appId, 'j'.repeat(513), NOW_S), 'ERR_INVALID_OPTION', 'tokenId');
      assert.equal(
        await registry.claim(app.appId, `app-jwt:${'j'.repeat(256)}`, NOW_S + 60),
        true,
        'room for a namespace prefix',
      );
      await assertRejected(registry.claim(app.appId, 'j', NOW_MS), 'ERR_INVALID_OPTION', 'expireTime');
      assert.equal(registry.getAppVersion(app.appId), 1, 'claims are not app changes');

      time.advance((60 + 301) * 1000); // past expiry + the largest clock tolerance
      for (let i = 0; i < 1000; i++) await registry.claim(app.appId, `filler-${i}`, NOW_S + 99_999);
      assert.equal(await registry.claim(app.appId, 'jti-1', NOW_S + 60), true, 'the expired ID was purged');
      await registry.close();
    });

    it('two registries on one store: exactly one of two claims of an ID wins, for each of 50 IDs claimed at once', async () => {
      const a = await store.open();
      const { app } = await a.createApp({ name: 'Shared', settings: { singleUseTokens: true } });
      const b = await store.reopen(a);
      const ids = Array.from({ length: 50 }, (_, i) => `jti-race-${i}`);
      const raced = await Promise.all(
        ids.flatMap((id) => [a.claim(app.appId, id, NOW_S + 60), b.claim(app.appId, id, NOW_S + 60)]),
      );
      for (let i = 0; i < ids.length; i++)
        assert.deepEqual([raced[2 * i], raced[2 * i + 1]].sort(), [false, true], ids[i]);
      const results = await Promise.all([
        a.claim(app.appId, 'jti-x', NOW_S + 60),
        b.claim(app.appId, 'jti-x', NOW_S + 60),
      ]);
      assert.deepEqual(results.sort(), [false, true]);
      await a.close();
      await b.close();
    });
  });
}

function describeSharedStoreAndDurability(store: RegistryStoreFactory): void {
  describe('shared store and durability', () => {
    it('a restart keeps apps, keys, settings, versions, revocations and used token IDs', async () => {
      const first = await store.open();
      const { app, secret } = await first.createApp({
        name: 'Durable',
        settings: { allowedOrigins: ['https://a.com'] },
      });
      await first.rotateSecret(app.appId);
      await first.addKey(app.appId, { publicKeyPem: pem.ed25519 });
      await first.retireKey(app.appId, 'k1');
      await first.revoke(app.appId, { kind: 'token', tokenId: 'jti-r', expireTime: NOW_S + 60 });
      await first.claim(app.appId, 'jti-u', NOW_S + 60);
      const before = first.getApp(app.appId)!;
      await first.close();
      await first.close(); // idempotent

      const second = await store.reopen(first);
      assert.deepEqual(second.getApp(app.appId), before);
      assert.equal(second.getApp(app.appId)!.keys[0]!.secret, secret);
      assert.equal(await second.isRevoked(app.appId, 's', 'jti-r', NOW_S), true);
      assert.equal(await second.claim(app.appId, 'jti-u', NOW_S + 60), false);
      await second.close();
    });

    it("another registry's app changes are seen: new app, new key, retired key, settings, deletion", async () => {
      const a = await store.open();
      const b = await store.reopen(a);
      const { app } = await a.createApp({ name: 'Seen' });
      await eventually(() => b.getAppVersion(app.appId) === 1);
      const { key } = await a.rotateSecret(app.appId);
      await eventually(
        () => b.getApp(app.appId)?.keys.some((k) => k.kid === key.kid && k.status === 'active') === true,
      );
      await a.retireKey(app.appId, 'k1');
      await eventually(() => b.getApp(app.appId)?.keys[0]?.status === 'retired');
      await a.updateSettings(app.appId, { singleUseTokens: true, allowedOrigins: ['https://a.com'] });
      await eventually(() => b.getApp(app.appId)?.settings.singleUseTokens === true);
      assert.deepEqual(b.getApp(app.appId), a.getApp(app.appId));
      assert.deepEqual(b.listApps(), a.listApps());
      await a.deleteApp(app.appId);
      await eventually(() => b.getApp(app.appId) === undefined && b.getAppVersion(app.appId) === undefined);
      assert.deepEqual(b.listApps(), []);
      await a.close();
      await b.close();
    });

    it('two registries adding keys to one app at once: every key kept, each under its own ID, versions counted', async () => {
      const a = await store.open();
      const { app } = await a.createApp({ name: 'Concurrent' });
      const b = await store.reopen(a);
      await eventually(() => b.getAppVersion(app.appId) === 1);
      const added = await Promise.all([
        a.rotateSecret(app.appId),
        b.rotateSecret(app.appId),
        a.rotateSecret(app.appId),
      ]);
      assert.deepEqual(added.map((r) => r.key.kid).sort(), ['k2', 'k3', 'k4']);
      await eventually(() => b.getAppVersion(app.appId) === 4);
      assert.equal(a.getApp(app.appId)!.keys.length, 4);
      await a.close();
      await b.close();
    });
  });
}

function describeEncryptionAtRest(store: RegistryStoreFactory): void {
  describe('encryption at rest', () => {
    it('with a master key, no secret is stored in clear; the records hold them decrypted', async () => {
      const registry = await store.open({ masterKey: MASTER_KEY });
      const { app, secret } = await registry.createApp({ name: 'Encrypted' });
      const imported = randomBytes(20).toString('hex');
      await registry.importApp({ appId: 'opentok-1', name: 'Imported', secret: imported });
      const { secret: rotated } = await registry.rotateSecret(app.appId);
      assert.equal(registry.getApp(app.appId)!.keys[1]!.secret, rotated);
      const stored = await store.storedSecrets(registry);
      assert.equal(stored.length, 3);
      for (const value of stored) assert.match(value, /^enc:v1:[A-Za-z0-9+/]{16}:[A-Za-z0-9+/]{22}==:[A-Za-z0-9+/=]+$/);
      for (const plain of [secret, imported, rotated]) assert.equal(stored.join().includes(plain), false);
      await registry.close();
      const reopened = await store.reopen(registry, {
        masterKey: parseMasterKey(Buffer.from(MASTER_KEY).toString('base64')),
      });
      assert.equal(reopened.getApp('opentok-1')!.keys[0]!.secret, imported);
      await reopened.close();
    });

    it('without the key, or with another key, opening fails with a clear error naming STAGEPASS_MASTER_KEY', async () => {
      const registry = await store.open({ masterKey: MASTER_KEY });
      await registry.close();
      const missing = await refused(() => store.reopen(registry), 'ERR_INVALID_OPTION', 'masterKey');
      assert.match(missing.message, /encrypted at rest.*STAGEPASS_MASTER_KEY/);
      const wrong = await refused(
        () => store.reopen(registry, { masterKey: randomBytes(32) }),
        'ERR_INVALID_OPTION',
        'masterKey',
      );
      assert.match(wrong.message, /not the master key.*STAGEPASS_MASTER_KEY/);
      await refused(() => store.reopen(registry, { masterKey: randomBytes(16) }), 'ERR_INVALID_OPTION', 'masterKey');
    });

    it('a key given for a plaintext store encrypts its secrets; then it needs the key', async () => {
      const plain = await store.open();
      const { app, secret } = await plain.createApp({ name: 'Was plain' });
      assert.deepEqual(await store.storedSecrets(plain), [`plain:${secret}`]);
      await plain.close();
      const upgraded = await store.reopen(plain, { masterKey: MASTER_KEY });
      assert.equal(upgraded.getApp(app.appId)!.keys[0]!.secret, secret);
      assert.match((await store.storedSecrets(upgraded))[0]!, /^enc:v1:/);
      await upgraded.close();
      await refused(() => store.reopen(plain), 'ERR_INVALID_OPTION', 'masterKey');
    });
  });
}

/** The registry suite, against `store`. */
export function describeRegistryContract(store: RegistryStoreFactory): void {
  describe(`registry contract: ${store.name}`, { skip: store.skip }, () => {
    describeCreateApp(store);
    describeImportApp(store);
    describeKeysRotateAddRetire(store);
    describeSettings(store);
    describeDeleteApp(store);
    describeVersions(store);
    describeRevocations(store);
    describeReplayGuard(store);
    describeSharedStoreAndDurability(store);
    describeEncryptionAtRest(store);
  });
}
