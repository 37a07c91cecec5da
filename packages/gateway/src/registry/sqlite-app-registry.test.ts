import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { readFileSync, readdirSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import Database from 'better-sqlite3';
import { DEFAULT_APP_SETTINGS } from './app-record.js';
import { parseMasterKey } from './master-key.js';
import { createSqliteAppRegistry } from './sqlite-app-registry.js';
import { SCHEMA_VERSION } from './sqlite-schema.js';
import { NOW_S, assertRefused, open, tempDatabases } from './test-support/registry-fixtures.js';

const MASTER_HEX = randomBytes(32).toString('hex');
const MASTER_KEY = parseMasterKey(MASTER_HEX);
const REGISTRY_MODULE = new URL('./sqlite-app-registry.js', import.meta.url).href;
const { dbPath, dir } = tempDatabases();

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

  it('migrates a schema-1 database (before mediaMode) in place: its apps read relayed, and the setting is then kept', () => {
    const path = dbPath();
    const first = open({ path });
    const { app } = first.createApp({ name: 'Old', settings: { maxConnectionsPerSession: 7 } });
    first.close();
    const raw = new Database(path);
    raw.exec('ALTER TABLE apps DROP COLUMN media_mode');
    raw.pragma('user_version = 1');
    raw.close();

    const second = open({ path });
    assert.deepEqual(second.getApp(app.appId)!.settings, {
      ...DEFAULT_APP_SETTINGS,
      maxConnectionsPerSession: 7,
      mediaMode: 'relayed',
    });
    second.updateSettings(app.appId, { mediaMode: 'routed' });
    second.close();
    const third = open({ path });
    assert.equal(third.getApp(app.appId)!.settings.mediaMode, 'routed');
    third.close();
    const check = new Database(path, { readonly: true });
    assert.equal(check.pragma('user_version', { simple: true }), SCHEMA_VERSION);
    check.close();
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
