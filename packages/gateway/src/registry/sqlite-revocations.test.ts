import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import Database from 'better-sqlite3';
import { createSecretSealer } from './secret-sealing.js';
import { createSqliteApps } from './sqlite-apps.js';
import { createSqliteRevocations } from './sqlite-revocations.js';
import { migrate } from './sqlite-schema.js';
import { createSqliteStore } from './sqlite-store.js';
import { NOW_MS, NOW_S } from './test-support/registry-fixtures.js';

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
