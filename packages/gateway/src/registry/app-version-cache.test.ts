import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DEFAULT_APP_SETTINGS, type AppRecord } from './app-record.js';
import { createAppVersionCache } from './app-version-cache.js';

/** A registry of apps by ID that counts its reads; `apps` may be changed between calls. */
function fakeRegistry(apps: Map<string, number>) {
  const calls = { getApp: 0, getAppVersion: 0 };
  const record = (appId: string, version: number): AppRecord => ({
    appId,
    name: appId,
    createdAt: 0,
    settings: DEFAULT_APP_SETTINGS,
    keys: [],
    version,
  });
  return {
    calls,
    registry: {
      getAppVersion: (appId: string) => {
        calls.getAppVersion++;
        return apps.get(appId);
      },
      getApp: (appId: string) => {
        calls.getApp++;
        const version = apps.get(appId);
        return version === undefined ? undefined : record(appId, version);
      },
    },
  };
}

describe('app version cache', () => {
  it('reuses the built value while the version is unchanged, rebuilds when it moved', () => {
    const apps = new Map([['a', 1]]);
    const { registry, calls } = fakeRegistry(apps);
    const built: string[] = [];
    const cache = createAppVersionCache({
      registry,
      build: (app) => {
        built.push(`${app.appId}@${app.version}`);
        return { v: app.version };
      },
    });
    const first = cache.get('a');
    assert.deepEqual(first, { v: 1 });
    assert.equal(cache.get('a'), first, 'the same object, not rebuilt');
    assert.equal(cache.get('a'), first);
    assert.deepEqual(calls, { getApp: 1, getAppVersion: 3 });
    apps.set('a', 2);
    assert.deepEqual(cache.get('a'), { v: 2 });
    assert.deepEqual(built, ['a@1', 'a@2']);
    assert.deepEqual(calls, { getApp: 2, getAppVersion: 4 });
  });

  it('keeps nothing for unknown apps and drops a deleted app (telling onDrop once)', () => {
    const apps = new Map([['a', 1]]);
    const { registry, calls } = fakeRegistry(apps);
    const dropped: string[] = [];
    const cache = createAppVersionCache({
      registry,
      build: (app) => app.version,
      onDrop: (appId) => dropped.push(appId),
    });
    assert.equal(cache.get('nobody'), undefined);
    assert.equal(calls.getApp, 0, 'an unknown version needs no record');
    assert.equal(cache.get('a'), 1);
    apps.delete('a');
    assert.equal(cache.get('a'), undefined);
    assert.equal(cache.get('a'), undefined);
    assert.deepEqual(dropped, ['a'], 'told once, and never for an app it did not hold');
    apps.set('a', 3);
    assert.equal(cache.get('a'), 3, 'an app created again is built afresh');
  });

  it('drops the value when the app vanishes between the version and the record', () => {
    const apps = new Map([['a', 1]]);
    const { registry } = fakeRegistry(apps);
    const dropped: string[] = [];
    const cache = createAppVersionCache({
      registry,
      build: (app) => app.version,
      onDrop: (appId) => dropped.push(appId),
    });
    cache.get('a');
    apps.set('a', 2);
    registry.getApp = () => undefined; // deleted after its version was read
    assert.equal(cache.get('a'), undefined);
    assert.deepEqual(dropped, ['a']);
  });
});
