/**
 * GATEWAY_SETTINGS is the one table of the gateway's scalar options: these tests hold GATEWAY_DEFAULTS and
 * createGateway's checks to it, so a row's range is the range createGateway enforces.
 */
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { isStagepassError } from '@stagepass/protocol';
import { createGateway, GATEWAY_DEFAULTS, type GatewayOptions } from './gateway.js';
import { checkGatewaySetting, GATEWAY_SETTINGS, settingRule } from './gateway-settings.js';
import { createSqliteAppRegistry } from './registry/sqlite-app-registry.js';

/** GATEWAY_DEFAULTS flattened: `rateLimit.burst` → 100. */
function flatDefaults(): Map<string, unknown> {
  const flat = new Map<string, unknown>();
  for (const [key, value] of Object.entries(GATEWAY_DEFAULTS)) {
    if (typeof value === 'object') for (const [member, v] of Object.entries(value)) flat.set(`${key}.${member}`, v);
    else flat.set(key, value);
  }
  return flat;
}

/** `{ 'rateLimit.burst': 5 }` as createGateway takes it: `{ rateLimit: { burst: 5 } }`. */
function optionOf(key: string, value: unknown): Record<string, unknown> {
  const [first, second] = key.split('.') as [string, string | undefined];
  return second === undefined ? { [first]: value } : { [first]: { [second]: value } };
}

describe('GATEWAY_SETTINGS', () => {
  const registry = createSqliteAppRegistry({ path: ':memory:' });
  after(() => registry.close());

  it('has a row for every default, with the same value, and processMetrics (default false)', () => {
    const rows = new Map(GATEWAY_SETTINGS.map((s) => [s.key, s.default]));
    rows.delete('processMetrics');
    assert.deepEqual(rows, flatDefaults());
    assert.equal(GATEWAY_SETTINGS.find((s) => s.key === 'processMetrics')?.default, false);
    assert.equal(new Set(GATEWAY_SETTINGS.map((s) => s.key)).size, GATEWAY_SETTINGS.length, 'keys are unique');
  });

  it("is what createGateway checks: each numeric row's bounds are accepted, one past them refused naming the key", () => {
    for (const s of GATEWAY_SETTINGS) {
      if (s.type !== 'integer' && s.type !== 'number') continue;
      const base = s.key === 'drainMs' ? undefined : { registry };
      const open = (value: number): unknown =>
        base === undefined
          ? checkGatewaySetting('drainMs', value, 'createGateway')
          : createGateway({ ...base, ...optionOf(s.key, value) } as unknown as GatewayOptions);
      const tooLow = s.type === 'number' ? s.min : s.min - 1;
      for (const bad of [tooLow, s.max + 1, ...(s.type === 'integer' ? [s.min + 0.5] : [])]) {
        assert.throws(
          () => open(bad),
          (err: unknown) =>
            isStagepassError(err) &&
            err.option === s.key &&
            err.rule === settingRule(s) &&
            err.code === 'ERR_INVALID_OPTION',
          `${s.key} = ${bad}`,
        );
      }
      // The pairs' rules aside (idle > ping, headers ≤ request), the bounds themselves are accepted.
      if (['pingIntervalMs', 'idleTimeoutMs', 'headersTimeoutMs', 'requestTimeoutMs'].includes(s.key)) continue;
      for (const good of [s.type === 'number' ? s.min + 0.5 : s.min, s.max])
        assert.doesNotThrow(() => open(good), s.key);
    }
  });

  it('says the unit in every rule of a measured value', () => {
    assert.equal(
      settingRule(GATEWAY_SETTINGS.find((s) => s.key === 'maxPayloadBytes')!),
      'must be a whole number of bytes from 16384 to 16777216',
    );
    assert.equal(
      settingRule(GATEWAY_SETTINGS.find((s) => s.key === 'clockTolerance')!),
      'must be a whole number of seconds from 0 to 300',
    );
    for (const s of GATEWAY_SETTINGS) {
      if (s.key.endsWith('Ms')) assert.match(settingRule(s), / of milliseconds /, s.key);
      if (s.key.endsWith('Bytes')) assert.match(settingRule(s), / of bytes /, s.key);
    }
  });

  it('refuses a wrong type for host and processMetrics too', () => {
    assert.throws(() => createGateway({ registry, processMetrics: 'yes' as never }), { option: 'processMetrics' });
    assert.throws(() => createGateway({ registry, host: 5 as never }), { option: 'host' });
  });
});
