import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import Database from 'better-sqlite3';
import { createSecretSealer } from './secret-sealing.js';
import { createSqliteApps } from './sqlite-apps.js';
import { createSqliteRevocations } from './sqlite-revocations.js';
import { migrate } from './sqlite-schema.js';
import { createSqliteStore } from './sqlite-store.js';
import { NOW_MS, NOW_S, assertRefused, clock, open, tempDatabases } from './test-support/registry-fixtures.js';

const { dbPath } = tempDatabases();

describe('revocations', () => {
  it('a token ID is revoked until its expiry (plus the largest clock tolerance), then purged', async () => {
    const time = clock();
    const registry = open({ now: time.now });
    const { app } = registry.createApp({ name: 'Revoke' });
    const other = registry.createApp({ name: 'Other' }).app;
    registry.revoke(app.appId, { kind: 'token', tokenId: 'jti-1', expireTime: NOW_S + 60 });
    assert.equal(registry.getAppVersion(app.appId), 2, 'revoking bumps the version');
    assert.equal(await registry.isRevoked(app.appId, 'any-session', 'jti-1', NOW_S), true);
    assert.equal(await registry.isRevoked(app.appId, 'any-session', 'jti-2', NOW_S), false);
    assert.equal(
      await registry.isRevoked(other.appId, 'any-session', 'jti-1', NOW_S),
      false,
      'revocations are per app',
    );
    time.advance((60 + 299) * 1000);
    registry.revoke(app.appId, { kind: 'token', tokenId: 'jti-x', expireTime: NOW_S + 3600 }); // purges lazily
    assert.equal(await registry.isRevoked(app.appId, 's', 'jti-1', NOW_S), true, 'kept through the clock tolerance');
    time.advance(2000);
    registry.revoke(app.appId, { kind: 'token', tokenId: 'jti-y', expireTime: NOW_S + 3600 });
    assert.equal(await registry.isRevoked(app.appId, 's', 'jti-1', NOW_S), false, 'purged once expired');
    assert.equal(await registry.isRevoked(app.appId, 's', 'jti-x', NOW_S), true);
    registry.close();
  });

  it('issuedBefore revokes every token of the app, or of one session, issued strictly before a time', async () => {
    const registry = open();
    const { app } = registry.createApp({ name: 'Revoke' });
    registry.revoke(app.appId, { kind: 'issuedBefore', sessionId: 'room-1', issuedBefore: NOW_S - 100 });
    assert.equal(await registry.isRevoked(app.appId, 'room-1', 'j', NOW_S - 101), true);
    assert.equal(await registry.isRevoked(app.appId, 'room-1', 'j', NOW_S - 100), false);
    assert.equal(await registry.isRevoked(app.appId, 'room-2', 'j', NOW_S - 101), false);
    registry.revoke(app.appId, { kind: 'issuedBefore', sessionId: null, issuedBefore: NOW_S - 200 });
    assert.equal(await registry.isRevoked(app.appId, 'room-2', 'j', NOW_S - 201), true);
    assert.equal(await registry.isRevoked(app.appId, 'room-2', 'j', NOW_S - 200), false);
    // A later revocation with an earlier time never un-revokes anything.
    registry.revoke(app.appId, { kind: 'issuedBefore', sessionId: 'room-1', issuedBefore: NOW_S - 500 });
    assert.equal(await registry.isRevoked(app.appId, 'room-1', 'j', NOW_S - 101), true);
    registry.revoke(app.appId, { kind: 'issuedBefore', sessionId: 'room-1', issuedBefore: NOW_S });
    assert.equal(
      await registry.isRevoked(app.appId, 'room-1', 'j', NOW_S - 1),
      true,
      "the cache saw this process's change",
    );
    assert.equal(registry.getAppVersion(app.appId), 5);
    registry.close();
  });

  it("another process's revocation is seen (through the version bump)", async () => {
    const path = dbPath();
    const a = open({ path });
    const b = open({ path });
    const { app } = a.createApp({ name: 'Shared' });
    assert.equal(await a.isRevoked(app.appId, 'room', 'j', NOW_S - 10), false); // a caches the (empty) rows
    b.revoke(app.appId, { kind: 'issuedBefore', sessionId: 'room', issuedBefore: NOW_S });
    assert.equal(await a.isRevoked(app.appId, 'room', 'j', NOW_S - 10), true);
    b.revoke(app.appId, { kind: 'token', tokenId: 'jti-b', expireTime: NOW_S + 60 });
    assert.equal(await a.isRevoked(app.appId, 'other', 'jti-b', NOW_S), true);
    a.close();
    b.close();
  });

  it('refuses bad revocations, naming the option', () => {
    const registry = open();
    const { app } = registry.createApp({ name: 'Revoke' });
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
      assertRefused(() => registry.revoke(app.appId, revocation as never), 'ERR_INVALID_OPTION', option);
    }
    assert.equal(registry.getAppVersion(app.appId), 1);
    registry.close();
  });
});

describe('revocation checks on the admission path', () => {
  /** The registry's parts on one in-memory database whose every executed statement is counted. */
  function counted() {
    const statements: string[] = [];
    const db = new Database(':memory:', { verbose: (sql) => statements.push(String(sql)) });
    migrate(db);
    db.pragma('foreign_keys = ON');
    const store = createSqliteStore(db, () => NOW_MS);
    const apps = createSqliteApps(store, createSecretSealer(undefined));
    const revocations = createSqliteRevocations(store);
    const queries = (): number => statements.splice(0).length;
    return { db, store, apps, revocations, queries };
  }

  it("costs no query while the app's version is held (read this turn) and nothing changed", async () => {
    const { db, store, apps, revocations, queries } = counted();
    const { app } = apps.createApp({ name: 'hot' });
    store.versions.get(app.appId);
    await revocations.isRevoked(app.appId, 's', 'jti-1', NOW_S); // loads the app's (empty) rows once
    queries();
    for (let i = 0; i < 3; i++) {
      assert.equal(store.versions.get(app.appId), 1);
      assert.equal(await revocations.isRevoked(app.appId, 's', `jti-${i}`, NOW_S), false);
    }
    assert.equal(queries(), 0);
    db.close();
  });

  it('one query per check once the app has token revocations, or when no version is held', async () => {
    const { db, store, apps, revocations, queries } = counted();
    const { app } = apps.createApp({ name: 'hot' });
    revocations.revoke(app.appId, { kind: 'token', tokenId: 'jti-r', expireTime: NOW_S + 60 });
    store.versions.get(app.appId);
    await revocations.isRevoked(app.appId, 's', 'jti-1', NOW_S);
    queries();
    assert.equal(await revocations.isRevoked(app.appId, 's', 'jti-r', NOW_S), true);
    assert.equal(await revocations.isRevoked(app.appId, 's', 'jti-2', NOW_S), false);
    assert.equal(queries(), 2, 'the token lookup only');
    await new Promise((resolve) => setImmediate(resolve)); // a new turn: no version held
    assert.equal(await revocations.isRevoked(app.appId, 's', 'jti-r', NOW_S), true);
    assert.equal(queries(), 1, 'one probe: the version and the token together');
    db.close();
  });
});
