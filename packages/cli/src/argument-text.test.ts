import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { BIN } from './test-support/run-cli.js';

const dir = mkdtempSync(join(tmpdir(), 'stagepass-argument-text-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const SECRET = 'an-app-secret-of-more-than-32-bytes-0123456789';

/**
 * Runs the CLI from a POSIX shell, as a user does: `script` is the argument list in shell syntax, so it can hold
 * bytes that are not UTF-8 (printf '\351' is a Latin-1 "é"), which no JavaScript string could pass to spawn.
 */
function shell(script: string, env: Readonly<Record<string, string>> = {}) {
  const result = spawnSync('/bin/sh', ['-c', `exec "$NODE" "$BIN" ${script}`], {
    cwd: dir,
    env: { PATH: process.env.PATH ?? '', NODE: process.execPath, BIN, ...env },
    encoding: 'utf8',
  });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

const NOT_UTF8 = /^error: (--data|--name|SESSION_ID): is not valid UTF-8: .*U\+FFFD.*give UTF-8 text/m;

describe('text arguments that are not UTF-8 are refused (exit 2), not replaced by U+FFFD', () => {
  it('token create --data: no token is minted', () => {
    const run = shell(`token create --app-id a --secret ${SECRET} --session s --data "user=$(printf 'caf\\351')"`);
    assert.equal(run.code, 2, run.stderr);
    assert.match(run.stderr, NOT_UTF8);
    assert.match(run.stderr, /^error: --data:/);
    assert.equal(run.stdout, '');
  });
  it('app create --name: no app (and no database) is made', () => {
    const db = join(dir, 'apps.db');
    const run = shell(`app create --db "${db}" --name "$(printf 'Caf\\351')"`);
    assert.equal(run.code, 2, run.stderr);
    assert.match(run.stderr, /^error: --name: is not valid UTF-8/);
    assert.equal(existsSync(db), false);
  });
  it('session signal --data, and a positional argument, with --json: the code and the option', () => {
    const run = shell(`session signal room --app-id a --secret ${SECRET} --data "$(printf '\\377\\376')" --json`);
    assert.equal(run.code, 2, run.stderr);
    assert.deepEqual(JSON.parse(run.stdout).code, 'ERR_INVALID_OPTION');
    assert.deepEqual(JSON.parse(run.stdout).option, '--data');
    const positional = shell(`session show "$(printf 'room\\351')" --app-id a --secret ${SECRET}`);
    assert.equal(positional.code, 2, positional.stderr);
    assert.match(positional.stderr, /^error: SESSION_ID: is not valid UTF-8/);
  });
  it('UTF-8 text outside ASCII is taken as it is', () => {
    const run = shell(`token create --app-id a --secret ${SECRET} --session s --data "user=$(printf 'caf\\303\\251')"`);
    assert.equal(run.code, 0, run.stderr);
    const inspected = shell(`token inspect ${run.stdout.trim()} --json`);
    assert.equal(JSON.parse(inspected.stdout).claims.connection_data, 'user=café');
  });
});

describe('an empty --secret or --app-id says what usually makes one: an unset shell variable', () => {
  it('app import --secret "$OPENTOK_SECRET" with the variable unset', () => {
    const run = shell('app import --db "$DB" --app-id 4711 --name legacy --secret "$OPENTOK_SECRET"', {
      DB: join(dir, 'import.db'),
    });
    assert.equal(run.code, 2, run.stderr);
    assert.match(
      run.stderr,
      /^error: --secret is empty: a shell variable in it \(e\.g\. --secret "\$VAR"\) is unset or empty; set it, or leave --secret out to use \$STAGEPASS_SECRET\n/,
    );
    assert.doesNotMatch(run.stderr, /0 bytes/);
  });
  it('token create --app-id "" --json: the option is named', () => {
    const run = shell(`token create --app-id "" --secret ${SECRET} --session s --json`);
    assert.equal(run.code, 2, run.stderr);
    assert.equal(JSON.parse(run.stdout).option, '--app-id');
    assert.match(JSON.parse(run.stdout).message, /^--app-id is empty: a shell variable/);
  });
});
