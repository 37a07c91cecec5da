/**
 * resolveServeSettings in process: each source (flag, variable, YAML file, JSON file), their precedence, and
 * one precise message for every kind of bad input.
 */
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { isUsageError, type UsageError } from '../usage-error.js';
import type { SettingInputs } from './resolve-serve-settings.js';
import { SERVE_SETTINGS } from './serve-settings.js';
import { resolveSettings } from '../test-support/resolve-settings.js';

const dir = mkdtempSync(join(tmpdir(), 'stagepass-settings-'));
after(() => rmSync(dir, { recursive: true, force: true }));

function file(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

const resolve = resolveSettings;

/** The lines (`where: what`) of the UsageError the inputs are refused with. */
async function problems(more: Partial<SettingInputs>): Promise<string[]> {
  try {
    await resolve(more);
  } catch (err) {
    assert.ok(isUsageError(err), String(err));
    const usage = err as UsageError;
    const lines = (usage.issues ?? [{ option: '', message: usage.message }]).map((i) =>
      i.option === '' ? i.message : `${i.option}: ${i.message}`,
    );
    if (usage.issues !== undefined && usage.issues.length > 1)
      assert.equal(usage.message, `${lines.length} bad settings:\n  ${lines.join('\n  ')}`);
    return lines;
  }
  assert.fail('not refused');
}

describe('serve settings: sources and precedence', () => {
  it('with nothing given, every setting has its default', async () => {
    const settings = await resolve({});
    for (const { setting, value, source } of settings.settings) {
      assert.equal(source, 'default', setting.key);
      assert.equal(value, setting.default, setting.key);
    }
    assert.equal(settings.settings.length, SERVE_SETTINGS.length);
  });

  it('reads each source: a flag, a variable, a YAML file and a JSON file, each typed as its setting', async () => {
    const yaml = file(
      'a.yaml',
      'maxPayloadBytes: 32768\nrateLimit:\n  burst: 7\n  perSecond: 2.5\nprocessMetrics: true\n',
    );
    const json = file('a.json', '{"httpRateLimit": {"burst": 9}, "logLevel": "warn", "host": "0.0.0.0"}');
    const flags = { port: '0', drainMs: '10', processMetrics: true as const };
    const env = { STAGEPASS_RESUME_WINDOW_MS: '0', STAGEPASS_RATE_LIMIT_PER_SECOND: '12.5', STAGEPASS_PRETTY: 'false' };
    const fromYaml = await resolve({ flags, env, configPath: yaml });
    const got = (key: string) => {
      const r = fromYaml.settings.find((s) => s.setting.key === key)!;
      return [r.value, r.source];
    };
    assert.deepEqual(got('port'), [0, 'flag']);
    assert.deepEqual(got('drainMs'), [10, 'flag']);
    assert.deepEqual(got('processMetrics'), [true, 'flag']);
    assert.deepEqual(got('resumeWindowMs'), [0, 'env']);
    assert.deepEqual(got('rateLimit.perSecond'), [12.5, 'env'], 'the variable wins over the file');
    assert.deepEqual(got('pretty'), ['false', 'env']);
    assert.deepEqual(got('maxPayloadBytes'), [32768, 'file']);
    assert.deepEqual(got('rateLimit.burst'), [7, 'file']);
    assert.deepEqual(got('host'), ['127.0.0.1', 'default']);
    assert.equal(fromYaml.file, yaml);
    const fromJson = await resolve({ configPath: json });
    assert.equal(fromJson.value('httpRateLimit.burst'), 9);
    assert.equal(fromJson.value('logLevel'), 'warn');
    assert.equal(fromJson.value('host'), '0.0.0.0');
  });

  it('precedence: flag > variable > file > default, for one setting', async () => {
    const config = file('p.yaml', 'maxSocketsPerIp: 30\n');
    const env = { STAGEPASS_MAX_SOCKETS_PER_IP: '20' };
    const of = async (more: Partial<SettingInputs>) => {
      const r = (await resolve(more)).settings.find((s) => s.setting.key === 'maxSocketsPerIp')!;
      return `${r.value} ${r.source}`;
    };
    assert.equal(await of({ flags: { maxSocketsPerIp: '10' }, env, configPath: config }), '10 flag');
    assert.equal(await of({ env, configPath: config }), '20 env');
    assert.equal(await of({ configPath: config }), '30 file');
    assert.equal(
      await of({ env: { STAGEPASS_MAX_SOCKETS_PER_IP: '' }, configPath: config }),
      '30 file',
      'empty = unset',
    );
    assert.equal(await of({}), '200 default');
  });

  it('a file of comments only holds no settings', async () => {
    const settings = await resolve({ configPath: file('empty.yaml', '# nothing yet\n') });
    assert.ok(settings.settings.every((s) => s.source === 'default'));
  });
});

describe('serve settings: every bad input, one message each', () => {
  it('a bad flag or variable names itself, the rule with its unit, and what was given', async () => {
    assert.deepEqual(await problems({ flags: { drainMs: '5s' } }), [
      '--drain-ms: must be a whole number of milliseconds from 0 to 2147483647 (got "5s")',
    ]);
    assert.deepEqual(await problems({ flags: { maxPayloadBytes: '1e5' } }), [
      '--max-payload-bytes: must be a whole number of bytes from 16384 to 16777216 (got "1e5")',
    ]);
    assert.deepEqual(await problems({ env: { STAGEPASS_PORT: '70000' } }), [
      'STAGEPASS_PORT: must be a port number from 0 to 65535 (got 70000)',
    ]);
    assert.deepEqual(await problems({ env: { STAGEPASS_RATE_LIMIT_PER_SECOND: '0' } }), [
      'STAGEPASS_RATE_LIMIT_PER_SECOND: must be a number of messages per second above 0 (at most 1000000) (got 0)',
    ]);
    assert.deepEqual(await problems({ env: { STAGEPASS_PROCESS_METRICS: 'yes' } }), [
      'STAGEPASS_PROCESS_METRICS: must be true or false (got "yes")',
    ]);
    assert.deepEqual(await problems({ flags: { logLevel: 'verbose' } }), [
      '--log-level: must be one of fatal, error, warn, info, debug, trace, silent (got "verbose")',
    ]);
    assert.deepEqual(await problems({ env: { STAGEPASS_CLOCK_TOLERANCE: '-1' } }), [
      'STAGEPASS_CLOCK_TOLERANCE: must be a whole number of seconds from 0 to 300 (got "-1")',
    ]);
  });

  it('a bad file reports every bad key and value, each with its line, and refuses unknown keys with did-you-mean', async () => {
    const path = file(
      'bad.yaml',
      [
        'maxPayloadBytes: "64KiB"', // 1: a string
        'rateLimit:',
        '  burts: 5', // 3: unknown member
        'maxPayloadByte: 1', // 4: unknown key, close to one
        'rateLimit.burst: 3', // 5: dotted key
        'httpRateLimit: 7', // 6: a group that is not a mapping
        'frobnicate: true', // 7: unknown, nothing close
        'drainMs:', // 8: empty
        'host: [a, b]', // 9: a list
        'metricsCacheMs: 1.5', // 10: a fraction
      ].join('\n'),
    );
    assert.deepEqual(await problems({ configPath: path }), [
      `${path}:3: rateLimit.burts: is not a setting (did you mean rateLimit.burst?)`,
      `${path}:4: maxPayloadByte: is not a setting (did you mean maxPayloadBytes?)`,
      `${path}:5: rateLimit.burst: is not a setting (write it nested: rateLimit: { burst: … })`,
      `${path}:6: httpRateLimit: must be a mapping of perSecond, burst`,
      `${path}:7: frobnicate: is not a setting`,
      `${path}:9: host: must be a non-empty string (got a list)`,
      `${path}:1: maxPayloadBytes: must be a whole number of bytes from 16384 to 16777216 (got "64KiB")`,
      `${path}:10: metricsCacheMs: must be a whole number of milliseconds from 0 to 2147483647 (got 1.5)`,
      `${path}:8: drainMs: must be a whole number of milliseconds from 0 to 2147483647 (got an empty value)`,
    ]);
  });

  it('a file that cannot be read, parsed, or is not a mapping: one message naming --config and the file', async () => {
    const cases: [string, string, RegExp][] = [
      [
        'dup.yaml',
        'port: 1\nport: 2\n',
        /^--config: .*dup\.yaml cannot be parsed: Map keys must be unique at line 2, column 1$/,
      ],
      ['dup.json', '{"port": 1, "port": 2}', /^--config: .*dup\.json cannot be parsed: Map keys must be unique/],
      ['comma.json', '{"port": 1,}', /^--config: .*comma\.json is not valid JSON \(.*position 11/],
      ['flow.yaml', 'port: [1\n', /^--config: .*flow\.yaml cannot be parsed: .* at line 2, column 1$/],
      ['list.yaml', '- port: 1\n', /^.*list\.yaml:1: the file: must be a mapping of settings \(key: value\)$/],
      [
        'settings.toml',
        'port = 1\n',
        /^--config: .*settings\.toml: the name must end in \.yaml, \.yml \(YAML\) or \.json \(JSON\)$/,
      ],
    ];
    for (const [name, text, expected] of cases) {
      const lines = await problems({ configPath: file(name, text) });
      assert.equal(lines.length, 1, name);
      assert.match(lines[0]!, expected);
    }
    assert.deepEqual(await problems({ configPath: join(dir, 'missing.yaml') }), [
      `--config: cannot read ${join(dir, 'missing.yaml')} (ENOENT)`,
    ]);
  });

  it('reports the sources of both sides of a rule between two settings', async () => {
    assert.deepEqual(await problems({ flags: { pingIntervalMs: '40000' } }), [
      'idleTimeoutMs (default 30000): must be longer than pingIntervalMs (40000, from --ping-interval-ms)',
    ]);
    const path = file('pair.yaml', 'requestTimeoutMs: 5000\n');
    assert.deepEqual(await problems({ env: { STAGEPASS_HEADERS_TIMEOUT_MS: '6000' }, configPath: path }), [
      `STAGEPASS_HEADERS_TIMEOUT_MS: must be at most requestTimeoutMs (5000, from ${path}:1: requestTimeoutMs)`,
    ]);
  });

  it('docs/configuration.md shows messages serve really prints', async () => {
    const docs = await readFile(new URL('../../../../docs/configuration.md', import.meta.url), 'utf8');
    const example = /```\nerror: 3 bad settings:\n([\s\S]*?)\n```/.exec(docs)?.[1];
    assert.ok(example !== undefined, 'the example is in docs/configuration.md');
    const path = file('stagepass.yaml', 'host: 0.0.0.0\nmaxPayloadBytes: "64KiB"\n\n\n\nrateLimit:\n  burts: 5\n');
    const lines = await problems({ configPath: path, env: { STAGEPASS_DRAIN_MS: '5s' } });
    assert.deepEqual(
      lines.map((l) => l.replace(path, 'stagepass.yaml')),
      example.split('\n').map((l) => l.trim()),
    );
  });
});
