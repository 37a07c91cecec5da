import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { invalidOption, StagepassError } from '@stagepass/protocol';
import type { CommandIo } from '../cli-io.js';
import { runCli } from '../test-support/run-cli.js';
import { isUsageError, type UsageError } from '../usage-error.js';
import { withAppRegistry } from './app-database.js';

const dir = mkdtempSync(join(tmpdir(), 'stagepass-app-db-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const io: CommandIo = {
  env: {},
  readStdin: () => Promise.resolve(''),
  readFile: () => Promise.reject(new Error('no files here')),
  now: () => 1_700_000_000,
  programName: 'stagepass',
  warn: () => {},
};

/** The usage error `withAppRegistry` makes of `err`, thrown by the registry work with `flags`. */
async function usageErrorOf(err: StagepassError, flags?: Readonly<Record<string, string>>): Promise<UsageError> {
  const options = { db: join(dir, 'apps.db') };
  const mode = flags === undefined ? { create: true } : { create: true, flags };
  const caught: unknown = await withAppRegistry(options, io, mode, () => {
    throw err;
  }).catch((e: unknown) => e);
  assert.ok(isUsageError(caught), `not a usage error: ${String(caught)}`);
  return caught;
}

describe('withAppRegistry: registry option errors become usage errors naming the flag', () => {
  it('with a rule: the flag (and which value) and the rule', async () => {
    const name = await usageErrorOf(invalidOption('name', 'must be a non-empty string'));
    assert.deepEqual([name.message, name.option], ['--name: must be a non-empty string', '--name']);
    const origin = await usageErrorOf(
      invalidOption('settings.allowedOrigins[1]', 'must be exactly scheme://host[:port]', 'createApp'),
    );
    assert.deepEqual(
      [origin.message, origin.option],
      ['--origin (value 2): must be exactly scheme://host[:port]', '--origin'],
    );
  });

  it("a command's own mapping wins; an option no flag gives is said by its rule alone", async () => {
    const kid = await usageErrorOf(invalidOption('kid', 'must be 1–64 printable ASCII characters'), { kid: 'KID' });
    assert.deepEqual([kid.message, kid.option], ['KID: must be 1–64 printable ASCII characters', 'KID']);
    const hidden = await usageErrorOf(invalidOption('secret', 'is 5 bytes'), { secret: '' });
    assert.deepEqual([hidden.message, hidden.option], ['is 5 bytes', undefined]);
  });

  it('without a rule (a registry that does not set it yet): its message without the option prefix', async () => {
    const legacy = new StagepassError(
      'ERR_INVALID_OPTION',
      'settings.maxConnectionsPerSession: must be at most 100000',
      {
        option: 'settings.maxConnectionsPerSession',
      },
    );
    const error = await usageErrorOf(legacy);
    assert.deepEqual([error.message, error.option], ['--max-connections: must be at most 100000', '--max-connections']);
  });

  it('other errors pass through unchanged', async () => {
    const notFound = new StagepassError('ERR_NOT_FOUND', 'no app x');
    const caught: unknown = await withAppRegistry({ db: join(dir, 'apps.db') }, io, { create: true }, () => {
      throw notFound;
    }).catch((e: unknown) => e);
    assert.equal(caught, notFound);
  });
});

describe('STAGEPASS_MASTER_KEY on a plaintext database', () => {
  it('the command that encrypts it (even a read such as app list) says so on stderr, once', async () => {
    const db = join(dir, 'plain.db');
    const created = await runCli(['app', 'create', '--name', 'Plain', '--db', db]);
    assert.equal(created.code, 0, created.stderr);
    assert.equal(created.stderr, '');
    const env = { STAGEPASS_MASTER_KEY: randomBytes(32).toString('hex') };
    const listed = await runCli(['app', 'list', '--db', db, '--json'], { env });
    assert.equal(listed.code, 0, listed.stderr);
    assert.match(
      listed.stderr,
      /^notice: STAGEPASS_MASTER_KEY is set and the database held 1 secret in plaintext: this command has now encrypted them at rest with that key \(a write to the --db file\)\. .* need STAGEPASS_MASTER_KEY, with this key: keep it safe/,
    );
    assert.equal((JSON.parse(listed.stdout) as { apps: unknown[] }).apps.length, 1, 'stdout is the data only');
    const again = await runCli(['app', 'list', '--db', db], { env });
    assert.equal(again.code, 0, again.stderr);
    assert.equal(again.stderr, '', 'already encrypted: nothing to say');
    const withoutKey = await runCli(['app', 'list', '--db', db]);
    assert.equal(withoutKey.code, 2);
    assert.match(withoutKey.stderr, /encrypted at rest/);
  });
});
