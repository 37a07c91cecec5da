/**
 * Every setting of `serve`, from each source, reaches what `serve` starts: a non-default value of each row,
 * given once as flags, once as variables, once in a YAML file and once in a JSON file, is the effective
 * value with that source, and lands in the option of `createGateway` (or of serve, or of `close`) it names.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { stringify } from 'yaml';
import { renderPrintConfig } from './print-config.js';
import type { SettingInputs } from './resolve-serve-settings.js';
import { toServeOptions, type ServeCommandOptions } from './serve-command.js';
import { SERVE_SETTINGS, type ServeSetting, type SettingValue } from './serve-settings.js';
import { resolveSettings } from '../test-support/resolve-settings.js';

const dir = mkdtempSync(join(tmpdir(), 'stagepass-serve-command-'));
after(() => rmSync(dir, { recursive: true, force: true }));

/** A good value of the row other than its default (and within the rules between settings). */
function otherValue(s: ServeSetting): SettingValue {
  if (s.key === 'host') return '0.0.0.0';
  if (s.key === 'db') return join(dir, 'other.db');
  if (s.key === 'rtcPorts') return '40000-40999';
  if (s.key === 'announcedIp') return '203.0.113.7';
  if (s.key === 'redis') return 'redis://127.0.0.1:6380';
  if (s.key === 'nodeId') return 'node-b';
  if (s.key === 'iceServers') return 'stun:stun.example.com,turn:turn.example.com:3478?transport=udp';
  if (s.key === 'turnSecret') return 'a-test-turn-secret-0123456789';
  if (s.type === 'boolean') return s.default !== true;
  if (s.type === 'string') return s.choices!.find((c) => c !== s.default)!;
  const value = s.default as number;
  if (s.type === 'number') return value / 2;
  return value + 1 <= s.max! ? value + 1 : value - 1;
}

const OTHER = new Map(SERVE_SETTINGS.map((s) => [s.key, otherValue(s)]));

/** The values as a config file nests them. */
function nested(): Record<string, unknown> {
  const data: Record<string, Record<string, unknown> | unknown> = {};
  for (const [key, value] of OTHER) {
    const [group, member] = key.split('.') as [string, string | undefined];
    if (member === undefined) data[group] = value;
    else data[group] = { ...(data[group] as Record<string, unknown> | undefined), [member]: value };
  }
  return data;
}

const resolve = resolveSettings;

const COMMAND: ServeCommandOptions = {
  flags: {},
  config: undefined,
  printConfig: false,
  dev: false,
  devAllowRemote: false,
  init: false,
};

describe('every serve setting, from each source', () => {
  const yaml = join(dir, 'all.yaml');
  const json = join(dir, 'all.json');
  writeFileSync(yaml, stringify(nested()));
  writeFileSync(json, JSON.stringify(nested()));
  const sources: [string, () => Partial<SettingInputs>, string][] = [
    [
      'flags',
      () => ({
        flags: Object.fromEntries(
          [...OTHER].map(([key, value]): [string, string | true] => [key, value === true ? true : String(value)]),
        ),
      }),
      'flag',
    ],
    [
      'variables',
      () => ({ env: Object.fromEntries(SERVE_SETTINGS.map((s) => [s.env, String(OTHER.get(s.key))])) }),
      'env',
    ],
    ['a YAML file', () => ({ configPath: yaml }), 'file'],
    ['a JSON file', () => ({ configPath: json }), 'file'],
  ];
  for (const [name, inputs, source] of sources) {
    it(`${name}: each is the effective value, with its source`, async () => {
      const settings = await resolve(inputs());
      for (const r of settings.settings) {
        assert.equal(r.value, OTHER.get(r.setting.key), r.setting.key);
        assert.equal(r.source, source, r.setting.key);
        if (source === 'env') assert.equal(r.variable, r.setting.env, r.setting.key);
      }
    });
  }

  it('each lands in the option serve, createGateway or close takes, and nowhere else', async () => {
    const options = toServeOptions(await resolve({ configPath: yaml }), COMMAND);
    const gateway = (options.gateway ?? {}) as Record<string, unknown>;
    const placed = new Set<string>();
    for (const s of SERVE_SETTINGS) {
      const value = OTHER.get(s.key);
      const [group, member] = s.key.split('.') as [string, string | undefined];
      if (['host', 'port', 'db', 'logLevel', 'pretty', 'rtcPorts', 'redis', 'nodeId'].includes(s.key)) {
        assert.equal(options[s.key as 'host'], String(value), s.key);
      } else if (s.key === 'drainMs') {
        assert.equal(options.drainMs, value);
      } else {
        const at = member === undefined ? gateway[group] : (gateway[group] as Record<string, unknown>)[member];
        // iceServers: a comma-separated text as a setting, a list as the option.
        assert.deepEqual(at, s.key === 'iceServers' ? String(value).split(',') : value, s.key);
        placed.add(group);
      }
    }
    assert.deepEqual(Object.keys(gateway).sort(), [...placed].sort(), 'no option that is not a setting');
  });
});

describe('db: a SQLite path or a postgres:// URL, from --db, STAGEPASS_DATABASE_URL or STAGEPASS_DB', () => {
  const url = 'postgres://app:hunter2-secret@db.example:5432/stagepass';

  it('STAGEPASS_DATABASE_URL wins over STAGEPASS_DB, and --db over both', async () => {
    const env = { STAGEPASS_DB: 'from-db.db', STAGEPASS_DATABASE_URL: url };
    const fromEnv = (await resolve({ env })).settings.find((r) => r.setting.key === 'db')!;
    assert.deepEqual([fromEnv.value, fromEnv.source, fromEnv.variable], [url, 'env', 'STAGEPASS_DATABASE_URL']);
    const onlyDb = (await resolve({ env: { STAGEPASS_DB: 'from-db.db' } })).value('db');
    assert.equal(onlyDb, 'from-db.db');
    assert.equal((await resolve({ env, flags: { db: 'flag.db' } })).value('db'), 'flag.db');
  });

  it('--print-config never shows the password, and its config leaves such a db out', async () => {
    const printed = renderPrintConfig(await resolve({ env: { STAGEPASS_DATABASE_URL: url } }));
    assert.ok(!printed.text.includes('hunter2'), printed.text);
    assert.ok(!JSON.stringify(printed.json).includes('hunter2'));
    assert.match(
      printed.text,
      /\n {2}db +postgres:\/\/app@db\.example:5432\/stagepass \(password not shown\) +env STAGEPASS_DATABASE_URL\n/,
    );
    const json = printed.json as { config: Record<string, unknown> };
    assert.equal(json.config.db, undefined);
    const plain = renderPrintConfig(await resolve({ flags: { db: 'postgres://db.example/stagepass' } }));
    assert.equal((plain.json as { config: Record<string, unknown> }).config.db, 'postgres://db.example/stagepass');
  });

  it('another kind of URL is refused, naming where it came from and its scheme, never its password', async () => {
    await assert.rejects(resolve({ env: { STAGEPASS_DB: 'mysql://root:hunter2@h/x' } }), (err: Error) => {
      assert.equal(
        err.message,
        'STAGEPASS_DB: must be a SQLite file path or a postgres:// URL (postgres://USER:PASSWORD@HOST:PORT/DATABASE); ' +
          'this build cannot serve a mysql:// URL (got "mysql://root@h/x (password not shown)")',
      );
      return true;
    });
    await assert.rejects(resolve({ flags: { db: 'postgres://[bad' } }), (err: Error) => {
      assert.match(
        err.message,
        /^--db: must be a SQLite file path or a postgres:\/\/ URL .*; this URL cannot be read /,
      );
      return true;
    });
  });
});
