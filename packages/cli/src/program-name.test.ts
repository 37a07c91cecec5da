import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { invokedName, withProgramName } from './program-name.js';
import { BIN } from './test-support/run-cli.js';

const dir = mkdtempSync(join(tmpdir(), 'stagepass-program-name-'));
after(() => rmSync(dir, { recursive: true, force: true }));

/** The CLI run as npm runs it for `npx stagepass` and `npm start`: through the bin link in node_modules/.bin. */
function runThroughNpmBin(
  args: readonly string[],
  env: Readonly<Record<string, string>> = {},
): { code: number | null; stdout: string; stderr: string } {
  const bin = join(dir, 'node_modules', '.bin');
  mkdirSync(bin, { recursive: true });
  const link = join(bin, 'stagepass');
  try {
    symlinkSync(BIN, link);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
  }
  const result = spawnSync(process.execPath, [link, ...args], {
    cwd: dir,
    env: { PATH: process.env.PATH ?? '', ...env },
    encoding: 'utf8',
  });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

describe('invokedName', () => {
  it('is "npx stagepass" from a node_modules/.bin link, else "stagepass"', () => {
    assert.equal(invokedName('/repo/node_modules/.bin/stagepass'), 'npx stagepass');
    assert.equal(invokedName('/usr/local/bin/stagepass'), 'stagepass');
    assert.equal(invokedName('/repo/packages/cli/bin/stagepass.js'), 'stagepass');
    assert.equal(invokedName('/home/me/.bin/stagepass'), 'stagepass');
    assert.equal(invokedName(undefined), 'stagepass');
  });
});

describe('withProgramName', () => {
  it('renames command lines only, never twice, and leaves other words alone', () => {
    assert.equal(
      withProgramName('Run "stagepass token create --help".', 'npx stagepass'),
      'Run "npx stagepass token create --help".',
    );
    assert.equal(
      withProgramName('  stagepass <command> [options]', 'npx stagepass'),
      '  npx stagepass <command> [options]',
    );
    assert.equal(withProgramName('npx stagepass app list', 'npx stagepass'), 'npx stagepass app list');
    const untouched = 'stagepass: run the gateway; ./.stagepass/stagepass.db; @stagepass/cli; stagepass-gateway';
    assert.equal(withProgramName(untouched, 'npx stagepass'), untouched);
    assert.equal(withProgramName('stagepass app list', 'stagepass'), 'stagepass app list');
  });
});

describe('the CLI names itself as it was run', () => {
  it('help, usage hints and ready-to-run lines say "npx stagepass" when run through node_modules/.bin', () => {
    const help = runThroughNpmBin(['--help']);
    assert.equal(help.code, 0);
    assert.match(help.stdout, /^ {2}npx stagepass <command> \[options\]$/m);
    assert.match(help.stdout, /Run "npx stagepass <command> --help"/);
    const usage = runThroughNpmBin(['token', 'create', '--app-id', 'a']);
    assert.equal(usage.code, 2);
    assert.match(usage.stderr, /Run "npx stagepass token create --help"\.\n$/);
    const command = runThroughNpmBin(['help', 'session', 'show']);
    assert.match(command.stdout, /^Usage: npx stagepass session show SESSION_ID$/m);
    const created = runThroughNpmBin(['app', 'create', '--name', 'Named', '--db', join(dir, 'apps.db')]);
    assert.equal(created.code, 0, created.stderr);
    assert.match(created.stdout, /^ {2}npx stagepass token create --app-id /m);
  });
  it('serve\'s setting errors say "npx stagepass" too, in the message, the hint and each --json issue', () => {
    const bad = runThroughNpmBin(['serve', '--print-config', '--json', '--port', 'x'], {
      STAGEPASS_MAX_PAYLAD_BYTES: '1',
    });
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /unset it, or see "npx stagepass serve --help"\nRun "npx stagepass serve --help"\.\n$/);
    const error = JSON.parse(bad.stdout) as { issues: { message: string }[] };
    assert.match(error.issues[0]!.message, /see "npx stagepass serve --help"$/);
    const flag = runThroughNpmBin(['serve', '--max-payload-bytse', '1']);
    assert.equal(flag.code, 2);
    assert.equal(
      flag.stderr,
      'error: unknown option --max-payload-bytse (did you mean --max-payload-bytes?)\nRun "npx stagepass serve --help".\n',
    );
  });
  it('says "stagepass" when run directly (as a global install on the PATH is)', () => {
    const help = spawnSync(process.execPath, [BIN, '--help'], {
      encoding: 'utf8',
      env: { PATH: process.env.PATH ?? '' },
    });
    assert.match(help.stdout, /^ {2}stagepass <command> \[options\]$/m);
    assert.doesNotMatch(help.stdout, /npx/);
  });
});
