import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { readFileSync, readdirSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import Database from 'better-sqlite3';
import { StagepassError, createToken, createVerifier, type Role } from '@stagepass/token';
import type { AppRegistry } from './app-registry.js';
import { DEFAULT_APP_SETTINGS } from './app-record.js';
import { MAX_ACTIVE_KEYS } from './app-validation.js';
import { parseMasterKey } from './master-key.js';
import { createSqliteAppRegistry } from './sqlite-app-registry.js';
import { SCHEMA_VERSION } from './sqlite-schema.js';
import { NOW_MS, NOW_S, assertRefused, assertRejected, open, tempDatabases } from './test-support/registry-fixtures.js';
import { toAppKeys } from './to-app-keys.js';

const MASTER_HEX = randomBytes(32).toString('hex');
const MASTER_KEY = parseMasterKey(MASTER_HEX);
const REGISTRY_MODULE = new URL('./sqlite-app-registry.js', import.meta.url).href;
const { dbPath, dir } = tempDatabases();

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

describe('createApp', () => {
  it('makes a UUID app with defaults, one active HS256 key k1 and a 64-hex secret returned once', () => {
    const registry = open();
    const { app, secret } = registry.createApp({ name: 'Demo' });
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
    assert.notEqual(registry.createApp({ name: 'Demo' }).secret, secret);
    registry.close();
  });

  it('takes settings and an explicit App ID', () => {
    const registry = open();
    const settings = {
      legacyT1: true,
      singleUseTokens: true,
      ejectAtExpiry: true,
      allowedOrigins: ['https://app.example.com', 'http://localhost:3000'],
      maxConnectionsPerSession: 50,
    };
    const { app } = registry.createApp({ name: 'Custom', appId: 'my-app', settings });
    assert.equal(app.appId, 'my-app');
    assert.deepEqual(app.settings, settings);
    assertRefused(() => registry.createApp({ name: 'Again', appId: 'my-app' }), 'ERR_INVALID_OPTION', 'appId');
    registry.close();
  });

  it('refuses bad names, App IDs and settings, naming the option', () => {
    const registry = open();
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
      [{ name: 'n', settings: { allowedOrigins: ['https://a.com', 'https://a.com/'] } }, 'settings.allowedOrigins[1]'],
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
    ];
    for (const [options, option] of rows) {
      assertRefused(() => registry.createApp(options as never), 'ERR_INVALID_OPTION', option);
    }
    const message = assertRefused(
      () => registry.createApp({ name: 'n', settings: { allowedOrigins: ['https://A.com:443/'] } }),
      'ERR_INVALID_OPTION',
    ).message;
    assert.match(message, /did you mean https:\/\/a\.com\?/);
    assert.deepEqual(registry.listApps(), [], 'nothing was written');
    registry.close();
  });

  it('accepts the bounds and de-duplicates origins', () => {
    const registry = open();
    const one = registry.createApp({
      name: 'x'.repeat(200),
      settings: {
        maxConnectionsPerSession: 1,
        allowedOrigins: ['http://[::1]:8080', 'https://a.com', 'https://a.com'],
      },
    });
    assert.deepEqual(one.app.settings.allowedOrigins, ['http://[::1]:8080', 'https://a.com']);
    assert.equal(
      registry.createApp({ name: 'y', settings: { maxConnectionsPerSession: 100_000 } }).app.settings
        .maxConnectionsPerSession,
      100_000,
    );
    registry.close();
  });
});

describe('importApp', () => {
  it('registers an OpenTok API key + secret: tokens the backend mints verify unchanged', () => {
    const registry = open();
    const secret = randomBytes(20).toString('hex'); // OpenTok API secrets are 40 hex characters
    const app = registry.importApp({
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
    registry.close();
  });

  it('registers a Vonage application ID + RSA public key (SPKI or PKCS#1 PEM, stored as SPKI)', () => {
    const registry = open();
    const appId = 'a1b2c3d4-e5f6-4789-8abc-def012345678';
    const app = registry.importApp({ appId, name: 'Vonage app', publicKeyPem: pem.rsaPkcs1 });
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
    registry.close();
  });

  it('derives the algorithm from the key type as the token package does', () => {
    const registry = open();
    assert.equal(registry.importApp({ appId: 'ed', name: 'n', publicKeyPem: pem.ed25519 }).keys[0]!.alg, 'EdDSA');
    assert.equal(registry.importApp({ appId: 'ec', name: 'n', publicKeyPem: pem.p256 }).keys[0]!.alg, 'ES256');
    assert.equal(verifyWith(registry, 'ed', mint('ed', { privateKey: pem.ed25519Private, kid: 'k1' })), 'publisher');
    assert.equal(verifyWith(registry, 'ec', mint('ec', { privateKey: pem.p256Private })), 'publisher');
    registry.close();
  });

  it('refuses bad keys and App IDs, naming the option, never echoing a secret', () => {
    const registry = open();
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
      const err = assertRefused(() => registry.importApp(options as never), 'ERR_INVALID_OPTION', option);
      assert.equal(err.message.includes(shortSecret), false);
    }
    assert.match(
      assertRefused(
        () => registry.importApp({ appId: 'ok', name: 'n', publicKeyPem: pem.rsa1024 }),
        'ERR_INVALID_OPTION',
      ).message,
      /2048 bits/,
    );
    assert.match(
      assertRefused(
        () => registry.importApp({ appId: 'ok', name: 'n', publicKeyPem: pem.rsaPrivate }),
        'ERR_INVALID_OPTION',
      ).message,
      /private key/,
    );
    assert.deepEqual(registry.listApps(), []);
    registry.close();
  });
});

describe('keys: rotate, add, retire', () => {
  it('rotation adds an active key; the old one keeps verifying until retired', () => {
    const registry = open();
    const { app, secret: first } = registry.createApp({ name: 'Rotating' });
    const oldToken = mint(app.appId, { secret: first, kid: 'k1' });
    const kidless = mint(app.appId, { secret: first }); // as the OpenTok SDKs mint
    const { key, secret: second } = registry.rotateSecret(app.appId);
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

    const retired = registry.retireKey(app.appId, 'k1');
    assert.equal(retired.status, 'retired');
    assert.equal(registry.getAppVersion(app.appId), 3);
    assert.equal(verifyCode(registry, app.appId, oldToken), 'ERR_TOKEN_SIGNATURE_INVALID');
    assert.equal(verifyCode(registry, app.appId, kidless), 'ERR_TOKEN_SIGNATURE_INVALID');
    assert.equal(verifyCode(registry, app.appId, newToken), 'valid');

    assert.deepEqual(registry.retireKey(app.appId, 'k1'), retired, 'retiring twice is a no-op');
    assert.equal(registry.getAppVersion(app.appId), 3, 'a no-op does not bump the version');
    const last = assertRefused(() => registry.retireKey(app.appId, 'k2'), 'ERR_INVALID_OPTION', 'kid');
    assert.match(last.message, /last active key/);
    assertRefused(() => registry.retireKey(app.appId, 'k9'), 'ERR_NOT_FOUND');
    assertRefused(() => registry.retireKey(app.appId, 'bad kid'), 'ERR_INVALID_OPTION', 'kid');
    assert.equal(registry.rotateSecret(app.appId).key.kid, 'k3');
    registry.close();
  });

  it('addKey takes a public key or a secret, with a default or explicit kid', () => {
    const registry = open();
    const { app } = registry.createApp({ name: 'Keys' });
    const ed = registry.addKey(app.appId, { publicKeyPem: pem.ed25519 });
    assert.deepEqual(ed, {
      kid: 'k2',
      alg: 'EdDSA',
      secret: undefined,
      publicKeyPem: pem.ed25519,
      status: 'active',
      createdAt: NOW_MS,
    });
    const secret = randomBytes(24).toString('base64');
    assert.equal(registry.addKey(app.appId, { secret, kid: 'k7' }).secret, secret);
    assert.equal(registry.addKey(app.appId, { publicKeyPem: pem.rsa, kid: 'vonage-2025' }).alg, 'RS256');
    assert.equal(registry.addKey(app.appId, { publicKeyPem: pem.p256 }).kid, 'k8', 'after the highest kN');
    assert.equal(registry.getAppVersion(app.appId), 5);
    assert.equal(
      verifyWith(registry, app.appId, mint(app.appId, { privateKey: pem.ed25519Private, kid: 'k2' })),
      'publisher',
    );
    assert.equal(verifyWith(registry, app.appId, mint(app.appId, { secret, kid: 'k7' })), 'publisher');

    registry.retireKey(app.appId, 'k7');
    assertRefused(() => registry.addKey(app.appId, { secret, kid: 'k7' }), 'ERR_INVALID_OPTION', 'kid');
    assertRefused(() => registry.addKey(app.appId, { secret, kid: 'no spaces' }), 'ERR_INVALID_OPTION', 'kid');
    assertRefused(() => registry.addKey(app.appId, { secret: 'too-short' }), 'ERR_INVALID_OPTION', 'secret');
    assertRefused(() => registry.addKey(app.appId, { publicKeyPem: pem.p384 }), 'ERR_INVALID_OPTION', 'publicKeyPem');
    assertRefused(() => registry.addKey(app.appId, {}), 'ERR_INVALID_OPTION', 'secret');
    assert.equal(registry.getAppVersion(app.appId), 6, 'refusals change nothing');
    registry.close();
  });

  it(`holds at most ${MAX_ACTIVE_KEYS} active keys`, () => {
    const registry = open();
    const { app } = registry.createApp({ name: 'Many' });
    for (let i = 1; i < MAX_ACTIVE_KEYS; i++) registry.rotateSecret(app.appId);
    assertRefused(() => registry.rotateSecret(app.appId), 'ERR_INVALID_OPTION', 'kid');
    registry.retireKey(app.appId, 'k1');
    assert.equal(registry.rotateSecret(app.appId).key.kid, `k${MAX_ACTIVE_KEYS + 1}`);
    registry.close();
  });

  it('every mutation of an unknown app is ERR_NOT_FOUND', async () => {
    const registry = open();
    const secret = randomBytes(32).toString('hex');
    assertRefused(() => registry.rotateSecret('nope'), 'ERR_NOT_FOUND');
    assertRefused(() => registry.addKey('nope', { secret }), 'ERR_NOT_FOUND');
    assertRefused(() => registry.retireKey('nope', 'k1'), 'ERR_NOT_FOUND');
    assertRefused(() => registry.updateSettings('nope', { legacyT1: true }), 'ERR_NOT_FOUND');
    assertRefused(() => registry.revoke('nope', { kind: 'token', tokenId: 't', expireTime: NOW_S }), 'ERR_NOT_FOUND');
    await assertRejected(registry.claim('nope', 't', NOW_S), 'ERR_NOT_FOUND');
    assert.equal(registry.deleteApp('nope'), false);
    assert.equal(registry.getApp('nope'), undefined);
    assert.equal(registry.getAppVersion('nope'), undefined);
    assert.equal(await registry.isRevoked('nope', 's', 't', NOW_S), false);
    registry.close();
  });
});

describe('settings', () => {
  it('round-trip, leave unnamed settings alone, bump the version only on a change', () => {
    const registry = open();
    const { app } = registry.createApp({ name: 'Settings' });
    const a = registry.updateSettings(app.appId, { legacyT1: true, allowedOrigins: ['https://a.example.com'] });
    assert.deepEqual(a.settings, {
      ...DEFAULT_APP_SETTINGS,
      legacyT1: true,
      allowedOrigins: ['https://a.example.com'],
    });
    assert.equal(a.version, 2);
    const b = registry.updateSettings(app.appId, {
      singleUseTokens: true,
      ejectAtExpiry: true,
      maxConnectionsPerSession: 10,
    });
    assert.deepEqual(b.settings, {
      legacyT1: true,
      singleUseTokens: true,
      ejectAtExpiry: true,
      allowedOrigins: ['https://a.example.com'],
      maxConnectionsPerSession: 10,
    });
    assert.equal(b.version, 3);
    assert.equal(registry.updateSettings(app.appId, { legacyT1: true }).version, 3, 'no change, no bump');
    assert.equal(registry.updateSettings(app.appId, {}).version, 3);
    const c = registry.updateSettings(app.appId, {
      allowedOrigins: [],
      maxConnectionsPerSession: null,
      legacyT1: false,
    });
    assert.deepEqual(c.settings, { ...DEFAULT_APP_SETTINGS, singleUseTokens: true, ejectAtExpiry: true });
    assert.equal(c.version, 4);
    assert.deepEqual(registry.getApp(app.appId), c);
    assertRefused(
      () => registry.updateSettings(app.appId, { allowedOrigins: ['https://a.com/'] }),
      'ERR_INVALID_OPTION',
      'settings.allowedOrigins[0]',
    );
    assertRefused(
      () => registry.updateSettings(app.appId, { maxConnectionsPerSession: -1 }),
      'ERR_INVALID_OPTION',
      'settings.maxConnectionsPerSession',
    );
    assertRefused(
      () => registry.updateSettings(app.appId, { legacyT1: 'true' } as never),
      'ERR_INVALID_OPTION',
      'settings.legacyT1',
    );
    assert.deepEqual(registry.getApp(app.appId), c, 'refusals change nothing');
    registry.close();
  });
});

describe('deleteApp', () => {
  it('removes the app with its keys; an app created again under its ID goes on counting versions', async () => {
    const registry = open();
    const secret = randomBytes(32).toString('hex');
    registry.importApp({ appId: 'again', name: 'First', secret });
    registry.rotateSecret('again');
    await registry.claim('again', 'jti-1', NOW_S + 60);
    assert.equal(registry.deleteApp('again'), true);
    assert.equal(registry.getApp('again'), undefined);
    assert.equal(registry.deleteApp('again'), false);
    const second = registry.importApp({ appId: 'again', name: 'Second', secret });
    assert.equal(second.version, 3, "above the deleted app's version 2");
    assert.deepEqual(
      second.keys.map((k) => k.kid),
      ['k1'],
    );
    assert.equal(await registry.claim('again', 'jti-1', NOW_S + 60), true, 'used token IDs went with the old app');
    registry.close();
  });
});

describe('durability', () => {
  it('a restart keeps apps, keys, settings, versions, revocations and used token IDs', async () => {
    const path = dbPath();
    const first = open({ path });
    const { app, secret } = first.createApp({ name: 'Durable', settings: { allowedOrigins: ['https://a.com'] } });
    first.rotateSecret(app.appId);
    first.addKey(app.appId, { publicKeyPem: pem.ed25519 });
    first.retireKey(app.appId, 'k1');
    first.revoke(app.appId, { kind: 'token', tokenId: 'jti-r', expireTime: NOW_S + 60 });
    await first.claim(app.appId, 'jti-u', NOW_S + 60);
    const before = first.getApp(app.appId)!;
    first.close();
    first.close(); // idempotent

    const second = open({ path });
    assert.deepEqual(second.getApp(app.appId), before);
    assert.equal(second.getApp(app.appId)!.keys[0]!.secret, secret);
    assert.equal(await second.isRevoked(app.appId, 's', 'jti-r', NOW_S), true);
    assert.equal(await second.claim(app.appId, 'jti-u', NOW_S + 60), false);
    second.close();

    const raw = new Database(path, { readonly: true });
    assert.equal(raw.pragma('journal_mode', { simple: true }), 'wal');
    assert.equal(raw.pragma('user_version', { simple: true }), SCHEMA_VERSION);
    raw.close();
    assert.equal(statSync(path).mode & 0o777, 0o600, 'the database file is readable by its owner only');
  });

  it('a process killed right after createApp returns loses nothing', async () => {
    const path = dbPath();
    const script = `
      import { writeSync } from 'node:fs';
      const { createSqliteAppRegistry } = await import(${JSON.stringify(REGISTRY_MODULE)});
      const registry = createSqliteAppRegistry({ path: ${JSON.stringify(path)} });
      const { app, secret } = registry.createApp({ name: 'Killed' });
      writeSync(1, JSON.stringify({ appId: app.appId, secret }) + '\\n');
      process.kill(process.pid, 'SIGKILL');`;
    const child = spawn(process.execPath, ['--input-type=module', '-e', script], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      stdout += chunk;
    });
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      stderr += chunk;
    });
    const signal = await new Promise((resolve) => child.on('close', (_code, sig) => resolve(sig)));
    assert.equal(signal, 'SIGKILL', stderr);
    const written = JSON.parse(stdout) as { appId: string; secret: string };
    assert.ok(
      readdirSync(join(path, '..')).includes('stagepass.db-wal'),
      'the write is in the WAL, not yet checkpointed',
    );
    const registry = open({ path });
    const app = registry.getApp(written.appId);
    assert.equal(app?.name, 'Killed');
    assert.equal(app.keys[0]!.secret, written.secret);
    registry.close();
  });

  it('refuses a zero-length file (a failed copy or restore) unless initializeEmpty, and a file that is not a database', () => {
    const path = join(dir(), 'empty.db');
    writeFileSync(path, '');
    assert.equal(assertRefused(() => open({ path }), 'ERR_DATABASE_UNAVAILABLE').details.reason, 'EMPTY');
    const fresh = open({ path, initializeEmpty: true });
    assert.equal(fresh.listApps().length, 0);
    fresh.close();
    const junk = join(dir(), 'junk.db');
    writeFileSync(junk, Buffer.alloc(4096, 7));
    assert.equal(assertRefused(() => open({ path: junk }), 'ERR_DATABASE_UNAVAILABLE').details.reason, 'SQLITE_NOTADB');
  });

  it('fileProblem: undefined while the file is the one opened; says so when it is deleted or replaced', () => {
    const path = dbPath();
    const registry = open({ path });
    assert.equal(registry.fileProblem?.(), undefined);
    renameSync(path, `${path}.moved`);
    assert.match(registry.fileProblem?.() ?? '', /deleted/);
    writeFileSync(path, 'another file');
    assert.match(registry.fileProblem?.() ?? '', /replaced/);
    registry.close();
  });

  it('refuses a database written by a newer schema', () => {
    const path = dbPath();
    open({ path }).close();
    const raw = new Database(path);
    raw.pragma(`user_version = ${SCHEMA_VERSION + 1}`);
    raw.close();
    assert.match(assertRefused(() => open({ path }), 'ERR_INVALID_OPTION', 'path').message, /newer/);
  });

  it('refuses a path it cannot open, without echoing it', () => {
    const path = join(dir(), 'a-file');
    open({ path }).close();
    // The environment's fault, not the caller's (issue 9 item 5): ERR_DATABASE_UNAVAILABLE, no longer ERR_INVALID_OPTION.
    const err = assertRefused(() => open({ path: join(path, 'below-a-file.db') }), 'ERR_DATABASE_UNAVAILABLE');
    assert.equal(err.message.includes('below-a-file'), false);
    assert.equal(err.details.reason, 'ENOTDIR');
    assertRefused(() => createSqliteAppRegistry({ path: '' }), 'ERR_INVALID_OPTION', 'path');
  });
});

describe('encryption at rest', () => {
  function rawSecrets(path: string): string[] {
    const raw = new Database(path, { readonly: true });
    const rows = raw
      .prepare('SELECT secret FROM app_keys WHERE secret IS NOT NULL ORDER BY rowid')
      .pluck()
      .all() as string[];
    raw.close();
    return rows;
  }

  /** Every byte SQLite wrote: the database file and its WAL. */
  function rawBytes(path: string): Buffer {
    const parts = [path, `${path}-wal`].flatMap((file) => {
      try {
        return [readFileSync(file)];
      } catch {
        return [];
      }
    });
    return Buffer.concat(parts);
  }

  it('with a master key, no secret is stored in clear; the records hold them decrypted', () => {
    const path = dbPath();
    const registry = open({ path, masterKey: MASTER_KEY });
    const { app, secret } = registry.createApp({ name: 'Encrypted' });
    const imported = randomBytes(20).toString('hex');
    registry.importApp({ appId: 'opentok-1', name: 'Imported', secret: imported });
    const { secret: rotated } = registry.rotateSecret(app.appId);
    assert.equal(registry.getApp(app.appId)!.keys[1]!.secret, rotated);
    for (const stored of rawSecrets(path))
      assert.match(stored, /^enc:v1:[A-Za-z0-9+/]{16}:[A-Za-z0-9+/]{22}==:[A-Za-z0-9+/=]+$/);
    const bytes = rawBytes(path);
    for (const plain of [secret, imported, rotated]) {
      assert.equal(bytes.includes(plain), false, 'a secret is in the database file in clear');
    }
    registry.close();
    const reopened = open({ path, masterKey: parseMasterKey(Buffer.from(MASTER_KEY).toString('base64')) });
    assert.equal(reopened.getApp('opentok-1')!.keys[0]!.secret, imported);
    reopened.close();
  });

  it('without the key, or with another key, opening fails with a clear error naming STAGEPASS_MASTER_KEY', () => {
    const path = dbPath();
    open({ path, masterKey: MASTER_KEY }).close();
    const missing = assertRefused(() => open({ path }), 'ERR_INVALID_OPTION', 'masterKey');
    assert.match(missing.message, /encrypted at rest.*STAGEPASS_MASTER_KEY/);
    const wrong = assertRefused(() => open({ path, masterKey: randomBytes(32) }), 'ERR_INVALID_OPTION', 'masterKey');
    assert.match(wrong.message, /not the master key.*STAGEPASS_MASTER_KEY/);
    assertRefused(() => open({ path, masterKey: randomBytes(16) }), 'ERR_INVALID_OPTION', 'masterKey');
  });

  it('a key given for a plaintext database encrypts its secrets; then it needs the key', () => {
    const path = dbPath();
    const plain = open({ path });
    const { app, secret } = plain.createApp({ name: 'Was plain' });
    plain.close();
    assert.deepEqual(rawSecrets(path), [`plain:${secret}`]);
    const upgraded = open({ path, masterKey: MASTER_KEY });
    assert.equal(upgraded.getApp(app.appId)!.keys[0]!.secret, secret);
    upgraded.close();
    assert.match(rawSecrets(path)[0]!, /^enc:v1:/);
    assertRefused(() => open({ path }), 'ERR_INVALID_OPTION', 'masterKey');
  });

  it('onSecretsEncrypted hears how many plaintext secrets a key encrypted at open, and only then', () => {
    const path = dbPath();
    const plain = open({ path });
    plain.createApp({ name: 'One' });
    const { app } = plain.createApp({ name: 'Two' });
    plain.rotateSecret(app.appId);
    plain.close();
    const heard: number[] = [];
    open({ path, masterKey: MASTER_KEY, onSecretsEncrypted: (count) => heard.push(count) }).close();
    assert.deepEqual(heard, [3]);
    open({ path, masterKey: MASTER_KEY, onSecretsEncrypted: (count) => heard.push(count) }).close();
    const fresh = open({ path: dbPath(), masterKey: MASTER_KEY, onSecretsEncrypted: (count) => heard.push(count) });
    fresh.createApp({ name: 'Born encrypted' });
    fresh.close();
    assert.deepEqual(heard, [3], 'nothing to encrypt: not called');
  });

  it("a ciphertext moved to another app's row does not decrypt (the App ID and kid are authenticated)", () => {
    const path = dbPath();
    const registry = open({ path, masterKey: MASTER_KEY });
    const one = registry.createApp({ name: 'One' }).app;
    const two = registry.createApp({ name: 'Two' }).app;
    registry.close();
    const raw = new Database(path);
    const stolen = raw.prepare('SELECT secret FROM app_keys WHERE app_id = ?').pluck().get(one.appId);
    raw.prepare('UPDATE app_keys SET secret = ? WHERE app_id = ?').run(stolen, two.appId);
    raw.close();
    const reopened = open({ path, masterKey: MASTER_KEY });
    assert.equal(reopened.getApp(one.appId)!.name, 'One');
    assertRefused(() => reopened.getApp(two.appId), 'ERR_INVALID_OPTION', 'masterKey');
    reopened.close();
  });
});

describe('versions', () => {
  it('increase by one on every change: keys, settings, revocations', () => {
    const registry = open();
    const { app } = registry.createApp({ name: 'Versions' });
    const versions = [registry.getAppVersion(app.appId)];
    registry.rotateSecret(app.appId);
    versions.push(registry.getAppVersion(app.appId));
    registry.addKey(app.appId, { publicKeyPem: pem.p256 });
    versions.push(registry.getAppVersion(app.appId));
    registry.retireKey(app.appId, 'k1');
    versions.push(registry.getAppVersion(app.appId));
    registry.updateSettings(app.appId, { ejectAtExpiry: true });
    versions.push(registry.getAppVersion(app.appId));
    registry.revoke(app.appId, { kind: 'issuedBefore', sessionId: null, issuedBefore: NOW_S });
    versions.push(registry.getAppVersion(app.appId));
    assert.deepEqual(versions, [1, 2, 3, 4, 5, 6]);
    assert.equal(registry.getApp(app.appId)!.version, 6);
    registry.close();
  });

  it("reads an app's version once per event-loop turn: its own changes show at once, another process's from the next turn", async () => {
    const path = dbPath();
    const a = open({ path });
    const b = open({ path });
    const { app } = a.createApp({ name: 'Versions' });
    assert.equal(a.getAppVersion(app.appId), 1);
    assert.equal(a.getAppVersion('nobody'), undefined);
    b.updateSettings(app.appId, { ejectAtExpiry: true });
    b.createApp({ name: 'Later', appId: 'nobody' });
    assert.equal(a.getAppVersion(app.appId), 1, 'same turn: the version read before');
    assert.equal(a.getAppVersion('nobody'), undefined, 'same turn: still unknown');
    await new Promise((resolve) => setImmediate(resolve));
    assert.equal(a.getAppVersion(app.appId), 2, "next turn: the other process's change");
    assert.equal(a.getAppVersion('nobody'), 1);
    a.updateSettings(app.appId, { ejectAtExpiry: false });
    assert.equal(a.getAppVersion(app.appId), 3, 'its own change, in the same turn');
    a.close();
    b.close();
  });
});
