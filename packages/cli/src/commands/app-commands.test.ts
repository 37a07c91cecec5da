/**
 * End-to-end: `stagepass app …` through the real `bin/stagepass.js` against a temporary database;
 * tokens minted with `stagepass token create` are verified with the keys the registry holds.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { runCli, type CliResult } from '../test-support/run-cli.js';
import { createSqliteAppRegistry, parseMasterKey, toAppKeys } from '@stagepass/gateway';
import { createVerifier } from '@stagepass/token';

const SESSION = 'app-e2e-session';

type Result = CliResult;

let dir = '';
const file = (name: string): string => join(dir, name);

function stagepass(
  args: readonly string[],
  options: { env?: Record<string, string>; cwd?: string } = {},
): Promise<Result> {
  return runCli(args, { ...options, cwd: options.cwd ?? dir });
}

function json(result: Result): Record<string, any> {
  assert.equal(result.stdout.trimEnd().includes('\n'), false, 'JSON output is one line');
  return JSON.parse(result.stdout) as Record<string, any>;
}

/** Runs a command that must succeed and returns its JSON. */
async function ok(args: readonly string[], env?: Record<string, string>): Promise<Record<string, any>> {
  const result = await stagepass([...args, '--json'], env === undefined ? {} : { env });
  assert.equal(result.code, 0, result.stderr);
  return json(result);
}

/** Mints a token with `stagepass token create` and returns it. */
async function mint(args: readonly string[]): Promise<string> {
  const result = await stagepass(['token', 'create', '--session', SESSION, ...args]);
  assert.equal(result.code, 0, result.stderr);
  return result.stdout.trim();
}

/** Verifies a token with the app's keys as the registry holds them: 'valid' or the refusal code. */
function verify(
  db: string,
  appId: string,
  token: string,
  options: { masterKey?: Uint8Array; sessionId?: string } = {},
): string {
  const { masterKey, sessionId = SESSION } = options;
  const registry = createSqliteAppRegistry({ path: db, ...(masterKey === undefined ? {} : { masterKey }) });
  try {
    const verifier = createVerifier({ apps: [toAppKeys(registry.getApp(appId)!)] });
    verifier.verify(token, { appId, sessionId });
    return 'valid';
  } catch (err) {
    return (err as { code: string }).code;
  } finally {
    registry.close();
  }
}

/** Every member named `secret`, anywhere in a JSON value. */
function secretsIn(value: unknown): unknown[] {
  if (Array.isArray(value)) return value.flatMap(secretsIn);
  if (typeof value !== 'object' || value === null) return [];
  return Object.entries(value).flatMap(([name, member]) => (name === 'secret' ? [member] : secretsIn(member)));
}

const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
const ed = generateKeyPairSync('ed25519');

before(() => {
  dir = mkdtempSync(join(tmpdir(), 'stagepass-app-cli-'));
  writeFileSync(file('rsa.pem'), rsa.privateKey.export({ type: 'pkcs8', format: 'pem' }));
  writeFileSync(file('rsa.pub.pem'), rsa.publicKey.export({ type: 'spki', format: 'pem' }));
  writeFileSync(file('ed25519.pem'), ed.privateKey.export({ type: 'pkcs8', format: 'pem' }));
  writeFileSync(file('ed25519.pub.jwk.json'), JSON.stringify(ed.publicKey.export({ format: 'jwk' })));
  writeFileSync(file('ed25519.jwk.json'), JSON.stringify(ed.privateKey.export({ format: 'jwk' })));
});

after(() => rmSync(dir, { recursive: true, force: true }));

describe('stagepass app', { concurrency: true }, () => {
  describe(
    'create → list → show → rotate → retire → set, with tokens minted from the printed secrets',
    { concurrency: false },
    () => {
      const db = (): string => file('flow.db');
      const dbFlag = (): string[] => ['--db', db()];
      let appId = '';
      let firstSecret = '';
      let firstToken = '';
      let secondSecret = '';

      it('create prints the App ID and the secret once, and a ready token create line that works', async () => {
        const result = await stagepass([
          'app',
          'create',
          '--name',
          'Demo app',
          '--origin',
          'https://app.example.com',
          '--max-connections',
          '50',
          ...dbFlag(),
        ]);
        assert.equal(result.code, 0, result.stderr);
        assert.equal(result.stderr, '');
        appId = /^App ID {4}(\S+)$/m.exec(result.stdout)![1]!;
        firstSecret = /^Secret {4}([0-9a-f]{64})$/m.exec(result.stdout)![1]!;
        assert.match(appId, /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
        assert.match(result.stdout, /^Key ID {4}k1 \(HS256\)$/m);
        const ready = /^ {2}(stagepass token create .*)$/m.exec(result.stdout)![1]!;
        const readySession = new RegExp(
          `--app-id ${appId} --kid k1 --secret ${firstSecret} --session ([A-Za-z0-9_-]{32})$`,
        ).exec(ready)?.[1];
        assert.ok(readySession !== undefined, ready);
        const minted = await stagepass(ready.split(' ').slice(1));
        assert.equal(minted.code, 0, minted.stderr);
        assert.equal(verify(db(), appId, minted.stdout.trim(), { sessionId: readySession }), 'valid');
        firstToken = await mint(['--app-id', appId, '--secret', firstSecret, '--kid', 'k1']);
        assert.equal(verify(db(), appId, firstToken), 'valid');
      });

      it('create --json gives the same, with the settings', async () => {
        const out = await ok([
          'app',
          'create',
          '--name',
          'Second',
          '--legacy-t1',
          '--single-use',
          '--eject-at-expiry',
          '--media-mode',
          'routed',
          ...dbFlag(),
        ]);
        assert.equal(out.kid, 'k1');
        assert.match(out.secret, /^[0-9a-f]{64}$/);
        assert.match(out.tokenCommand, new RegExp(`--secret ${out.secret as string} `));
        assert.deepEqual(out.app.settings, {
          legacyT1: true,
          singleUseTokens: true,
          ejectAtExpiry: true,
          allowedOrigins: [],
          maxConnectionsPerSession: null,
          mediaMode: 'routed',
        });
        assert.deepEqual(secretsIn(out.app), [], 'the app record in the output holds no secret');
      });

      it('list never prints a secret unless --show-secret', async () => {
        const text = await stagepass(['app', 'list', ...dbFlag()]);
        assert.equal(text.code, 0, text.stderr);
        assert.match(text.stdout, new RegExp(`^${appId}  Demo app  \\(version 1\\)$`, 'm'));
        assert.match(text.stdout, /^ {2}k1 {2}HS256 {2}active {3}created \S+ {2}secret hidden \(--show-secret\)$/m);
        assert.equal(text.stdout.includes(firstSecret), false);
        const listed = await ok(['app', 'list', ...dbFlag()]);
        assert.deepEqual(
          listed.apps.map((app: { name: string }) => app.name),
          ['Demo app', 'Second'],
        );
        assert.deepEqual(secretsIn(listed), []);
        const shown = await ok(['app', 'list', '--show-secret', ...dbFlag()]);
        assert.equal(shown.apps[0].keys[0].secret, firstSecret);
        assert.equal(secretsIn(shown).length, 2);
      });

      it('show gives the settings and keys; the secret only with --show-secret', async () => {
        const shown = await ok(['app', 'show', appId, '--show-secret', ...dbFlag()]);
        assert.equal(shown.appId, appId);
        assert.equal(shown.name, 'Demo app');
        assert.equal(shown.version, 1);
        assert.deepEqual(shown.settings, {
          legacyT1: false,
          singleUseTokens: false,
          ejectAtExpiry: false,
          allowedOrigins: ['https://app.example.com'],
          maxConnectionsPerSession: 50,
          mediaMode: 'relayed',
        });
        assert.deepEqual(
          shown.keys.map((k: Record<string, unknown>) => [k.kid, k.alg, k.status, k.secret]),
          [['k1', 'HS256', 'active', firstSecret]],
        );
        const hidden = await stagepass(['app', 'show', appId, ...dbFlag()]);
        assert.equal(hidden.code, 0);
        assert.equal(hidden.stdout.includes(firstSecret), false);
        assert.match(hidden.stdout, /^ {2}allowedOrigins {12}https:\/\/app\.example\.com$/m);
        const unknown = await stagepass(['app', 'show', 'no-such-app', ...dbFlag(), '--json']);
        assert.equal(unknown.code, 1);
        assert.equal(json(unknown).code, 'ERR_NOT_FOUND');
      });

      it('rotate-secret adds k2 and prints its secret once; k1 tokens keep verifying', async () => {
        const out = await ok(['app', 'rotate-secret', appId, ...dbFlag()]);
        assert.equal(out.key.kid, 'k2');
        assert.equal(out.key.secret, undefined);
        assert.deepEqual(out.activeKids, ['k1', 'k2']);
        secondSecret = out.secret as string;
        assert.match(secondSecret, /^[0-9a-f]{64}$/);
        assert.notEqual(secondSecret, firstSecret);
        assert.match(out.tokenCommand, / --kid k2 --secret /);
        const secondToken = await mint(['--app-id', appId, '--secret', secondSecret, '--kid', 'k2']);
        assert.equal(verify(db(), appId, secondToken), 'valid');
        assert.equal(verify(db(), appId, firstToken), 'valid');
      });

      it('retire-key stops k1 from verifying; the last active key and unknown keys are refused', async () => {
        const text = await stagepass(['app', 'retire-key', appId, 'k1', ...dbFlag()]);
        assert.equal(text.code, 0, text.stderr);
        assert.match(text.stdout, /^Active keys: k2$/m);
        assert.equal(verify(db(), appId, firstToken), 'ERR_TOKEN_SIGNATURE_INVALID');
        const last = await stagepass(['app', 'retire-key', appId, 'k2', ...dbFlag(), '--json']);
        assert.equal(last.code, 2);
        assert.deepEqual(json(last).option, 'KID');
        assert.match(last.stderr, /last active key/);
        const missing = await stagepass(['app', 'retire-key', appId, 'k9', ...dbFlag()]);
        assert.equal(missing.code, 1);
        assert.match(missing.stderr, /^error: ERR_NOT_FOUND: /);
        const version = await ok(['app', 'show', appId, ...dbFlag()]);
        assert.equal(version.version, 3);
      });

      it('set changes only the named settings', async () => {
        const out = await ok([
          'app',
          'set',
          appId,
          '--legacy-t1',
          'true',
          '--single-use',
          'true',
          '--clear-origins',
          '--max-connections',
          'none',
          ...dbFlag(),
        ]);
        assert.deepEqual(out, {
          appId,
          version: 4,
          changed: true,
          settings: {
            legacyT1: true,
            singleUseTokens: true,
            ejectAtExpiry: false,
            allowedOrigins: [],
            maxConnectionsPerSession: null,
            mediaMode: 'relayed',
          },
        });
        const routed = await ok(['app', 'set', appId, '--media-mode', 'routed', ...dbFlag()]);
        assert.equal(routed.settings.mediaMode, 'routed');
        assert.equal(routed.version, 5);
        const shown = await stagepass(['app', 'show', appId, ...dbFlag()]);
        assert.match(shown.stdout, /mediaMode {17}routed/);
        await ok(['app', 'set', appId, '--media-mode', 'relayed', ...dbFlag()]);
        const origins = await ok([
          'app',
          'set',
          appId,
          '--origin',
          'https://a.example.com',
          '--origin',
          'http://localhost:3000',
          '--max-connections',
          '7',
          ...dbFlag(),
        ]);
        assert.deepEqual(origins.settings.allowedOrigins, ['https://a.example.com', 'http://localhost:3000']);
        assert.equal(origins.settings.maxConnectionsPerSession, 7);
        assert.equal(origins.settings.legacyT1, true);
        const same = await ok(['app', 'set', appId, '--legacy-t1', 'true', ...dbFlag()]);
        assert.equal(same.changed, false);
        assert.equal(same.version, 7);
      });

      it('set refuses bad values and empty calls (exit 2) and unknown apps (exit 1)', async () => {
        const origin = await stagepass([
          'app',
          'set',
          appId,
          '--origin',
          'https://a.example.com',
          '--origin',
          'https://B.example.com/',
          ...dbFlag(),
          '--json',
        ]);
        assert.equal(origin.code, 2);
        assert.equal(json(origin).option, '--origin');
        assert.match(origin.stderr, /--origin \(value 2\): .*did you mean https:\/\/b\.example\.com\?/);
        const rows: [string[], string][] = [
          [['--legacy-t1', 'yes'], '--legacy-t1'],
          [['--max-connections', '0'], '--max-connections'],
          [['--max-connections', '100001'], '--max-connections'],
          [['--max-connections', 'many'], '--max-connections'],
          [['--media-mode', 'sfu'], '--media-mode'],
          [['--origin', 'https://a.com', '--clear-origins'], '--origin'],
        ];
        const results = await Promise.all(
          rows.map(([flags]) => stagepass(['app', 'set', appId, ...flags, ...dbFlag(), '--json'])),
        );
        rows.forEach(([flags, option], i) => {
          assert.equal(results[i]!.code, 2, flags.join(' '));
          assert.equal(json(results[i]!).option, option, flags.join(' '));
        });
        const nothing = await stagepass(['app', 'set', appId, ...dbFlag()]);
        assert.equal(nothing.code, 2);
        assert.match(nothing.stderr, /nothing to set/);
        const unknown = await stagepass(['app', 'set', 'no-such-app', '--legacy-t1', 'true', ...dbFlag()]);
        assert.equal(unknown.code, 1);
        assert.match(unknown.stderr, /ERR_NOT_FOUND/);
      });
    },
  );

  describe('import and add-key', { concurrency: false }, () => {
    const db = (): string => file('import.db');
    const dbFlag = (): string[] => ['--db', db()];

    it('import registers an OpenTok API key + secret; its tokens (also T1 with --legacy-t1) verify', async () => {
      const secret = randomBytes(20).toString('hex');
      const result = await stagepass([
        'app',
        'import',
        '--app-id',
        '47123456',
        '--name',
        'OpenTok project',
        '--secret',
        secret,
        '--legacy-t1',
        ...dbFlag(),
        '--json',
      ]);
      assert.equal(result.code, 0, result.stderr);
      assert.equal(
        result.stdout.includes(secret) || result.stderr.includes(secret),
        false,
        'the imported secret is not printed',
      );
      const out = json(result);
      assert.equal(out.appId, '47123456');
      assert.equal(out.settings.legacyT1, true);
      assert.deepEqual(
        out.keys.map((k: Record<string, unknown>) => [k.kid, k.alg, k.status]),
        [['k1', 'HS256', 'active']],
      );
      assert.equal(verify(db(), '47123456', await mint(['--app-id', '47123456', '--secret', secret])), 'valid');
      assert.equal(
        verify(db(), '47123456', await mint(['--app-id', '47123456', '--secret', secret, '--format', 'opentok-t1'])),
        'valid',
      );
      const again = await stagepass([
        'app',
        'import',
        '--app-id',
        '47123456',
        '--name',
        'Twice',
        '--secret',
        secret,
        ...dbFlag(),
        '--json',
      ]);
      assert.equal(again.code, 2);
      assert.equal(json(again).option, '--app-id');
    });

    it('import registers a Vonage application ID + RSA public key; its vonage tokens verify', async () => {
      const appId = 'a1b2c3d4-e5f6-4789-8abc-def012345678';
      const out = await ok([
        'app',
        'import',
        '--app-id',
        appId,
        '--name',
        'Vonage app',
        '--public-key',
        file('rsa.pub.pem'),
        ...dbFlag(),
      ]);
      assert.deepEqual(
        out.keys.map((k: Record<string, unknown>) => [k.kid, k.alg]),
        [['k1', 'RS256']],
      );
      assert.match(out.keys[0].publicKeyPem, /^-----BEGIN PUBLIC KEY-----\n/);
      const token = await mint(['--app-id', appId, '--private-key', file('rsa.pem'), '--format', 'vonage']);
      assert.equal(verify(db(), appId, token), 'valid');
    });

    it('import refuses private keys, short secrets and missing key material, naming the flag', async () => {
      const shortSecret = 'short-but-secret-value';
      const rows: [string[], number, string][] = [
        [['--public-key', file('rsa.pem')], 2, '--public-key'],
        [['--public-key', file('ed25519.jwk.json')], 2, '--public-key'],
        [['--public-key', file('missing.pem')], 2, '--public-key'],
        [['--secret', shortSecret], 2, '--secret'],
        [[], 2, '--secret'],
        [['--secret', randomBytes(32).toString('hex'), '--public-key', file('rsa.pub.pem')], 2, '--secret'],
      ];
      const results = await Promise.all(
        rows.map(([flags]) =>
          stagepass(['app', 'import', '--app-id', 'refused-app', '--name', 'n', ...flags, ...dbFlag(), '--json']),
        ),
      );
      rows.forEach(([flags, code, option], i) => {
        const result = results[i]!;
        assert.equal(result.code, code, `${flags.join(' ')}: ${result.stderr}`);
        assert.equal(json(result).option, option, flags.join(' '));
        assert.equal(result.stderr.includes(shortSecret) || result.stdout.includes(shortSecret), false);
      });
    });

    it('add-key takes a public key (PEM or JWK) with a kid; its tokens verify', async () => {
      const { appId } = (await ok(['app', 'create', '--name', 'Keys', ...dbFlag()])).app as { appId: string };
      const added = await ok([
        'app',
        'add-key',
        appId,
        '--public-key',
        file('ed25519.pub.jwk.json'),
        '--kid',
        'ed-1',
        ...dbFlag(),
      ]);
      assert.equal(added.key.kid, 'ed-1');
      assert.equal(added.key.alg, 'EdDSA');
      assert.deepEqual(added.activeKids, ['k1', 'ed-1']);
      const token = await mint(['--app-id', appId, '--private-key', file('ed25519.pem'), '--kid', 'ed-1']);
      assert.equal(verify(db(), appId, token), 'valid');
      // Hex, not base64url: a value starting with '-' would read as a flag (1 run in 64).
      const secret = randomBytes(32).toString('hex');
      const own = await stagepass(['app', 'add-key', appId, '--secret', secret, ...dbFlag()]);
      assert.equal(own.code, 0, own.stderr);
      assert.equal(own.stdout.includes(secret), false);
      assert.match(own.stdout, /^Added key k2 to app /m);
      assert.equal(verify(db(), appId, await mint(['--app-id', appId, '--secret', secret, '--kid', 'k2'])), 'valid');
      const duplicate = await stagepass([
        'app',
        'add-key',
        appId,
        '--secret',
        secret,
        '--kid',
        'ed-1',
        ...dbFlag(),
        '--json',
      ]);
      assert.equal(duplicate.code, 2);
      assert.equal(json(duplicate).option, '--kid');
      const unknown = await stagepass(['app', 'add-key', 'no-such-app', '--secret', secret, ...dbFlag()]);
      assert.equal(unknown.code, 1);
    });
  });

  describe('databases and the master key', { concurrency: false }, () => {
    it('the database defaults to ./.stagepass/stagepass.db, or $STAGEPASS_DB', async () => {
      const cwd = mkdtempSync(join(dir, 'cwd-'));
      const created = await stagepass(['app', 'create', '--name', 'Default path', '--json'], { cwd });
      assert.equal(created.code, 0, created.stderr);
      const { appId } = json(created).app as { appId: string };
      const registry = createSqliteAppRegistry({ path: join(cwd, '.stagepass', 'stagepass.db') });
      assert.equal(registry.getApp(appId)?.name, 'Default path');
      registry.close();
      const viaEnv = await stagepass(['app', 'list', '--json'], {
        env: { STAGEPASS_DB: join(cwd, '.stagepass', 'stagepass.db') },
      });
      assert.equal(viaEnv.code, 0, viaEnv.stderr);
      assert.deepEqual(
        json(viaEnv).apps.map((app: { appId: string }) => app.appId),
        [appId],
      );
    });

    it('commands other than create and import refuse a missing database (exit 1)', async () => {
      const result = await stagepass(['app', 'list', '--db', file('nothing-here.db'), '--json']);
      assert.equal(result.code, 1);
      assert.equal(json(result).code, 'ERR_NOT_FOUND');
    });

    it('with STAGEPASS_MASTER_KEY the file holds no secret in clear; without it, or with another, exit 2', async () => {
      const db = file('encrypted.db');
      const hex = randomBytes(32).toString('hex');
      const env = { STAGEPASS_MASTER_KEY: hex };
      const created = await ok(['app', 'create', '--name', 'Encrypted', '--db', db], env);
      const secret = created.secret as string;
      // The WAL is checkpointed into the file and removed when the last connection closes.
      const bytes = Buffer.concat(
        [db, `${db}-wal`].filter((path) => existsSync(path)).map((path) => readFileSync(path)),
      );
      assert.equal(bytes.includes(secret), false, 'the secret is in the database file in clear');
      const shown = await ok(['app', 'show', created.app.appId, '--show-secret', '--db', db], {
        STAGEPASS_MASTER_KEY: Buffer.from(hex, 'hex').toString('base64'),
      });
      assert.equal(shown.keys[0].secret, secret);
      const token = await mint(['--app-id', created.app.appId, '--secret', secret]);
      assert.equal(verify(db, created.app.appId, token, { masterKey: parseMasterKey(hex) }), 'valid');

      const missing = await stagepass(['app', 'list', '--db', db, '--json']);
      assert.equal(missing.code, 2);
      assert.equal(json(missing).option, 'STAGEPASS_MASTER_KEY');
      assert.match(missing.stderr, /^error: STAGEPASS_MASTER_KEY: .*encrypted at rest/);
      const wrong = await stagepass(['app', 'list', '--db', db], {
        env: { STAGEPASS_MASTER_KEY: randomBytes(32).toString('hex') },
      });
      assert.equal(wrong.code, 2);
      assert.match(wrong.stderr, /not the master key/);
      const malformed = await stagepass(['app', 'list', '--db', db], { env: { STAGEPASS_MASTER_KEY: 'not-a-key' } });
      assert.equal(malformed.code, 2);
      assert.match(malformed.stderr, /^error: STAGEPASS_MASTER_KEY: must be 32 bytes/);
      assert.equal(missing.stdout.includes(secret) || wrong.stdout.includes(secret), false);
    });
  });

  describe('help', { concurrency: false }, () => {
    it('every app command has help (exit 0)', async () => {
      const commands = ['create', 'list', 'show', 'import', 'rotate-secret', 'add-key', 'retire-key', 'set'];
      const results = await Promise.all(commands.map((command) => stagepass(['app', command, '--help'])));
      results.forEach((result, i) => {
        assert.equal(result.code, 0);
        assert.match(result.stdout, new RegExp(`^Usage: stagepass app ${commands[i]!}`));
        assert.match(result.stdout, /--db PATH/);
        assert.match(result.stdout, /STAGEPASS_MASTER_KEY/);
      });
      const group = await stagepass(['app', '--help']);
      assert.equal(group.code, 0);
      for (const command of commands) assert.match(group.stdout, new RegExp(`app ${command} `));
    });
  });
});

describe('app create --export', () => {
  it('prints only the export lines; eval of them is what the token commands read', async () => {
    const db = file('export.db');
    const created = await stagepass(['app', 'create', '--name', 'Exported', '--db', db, '--export']);
    assert.equal(created.code, 0, created.stderr);
    const match = /^export STAGEPASS_APP_ID=([\w-]+)\nexport STAGEPASS_SECRET=([0-9a-f]{64})\n$/.exec(created.stdout);
    assert.ok(match, created.stdout);
    const [, appId, secret] = match;
    assert.match(
      created.stderr,
      /^Created app "Exported" \(App ID [\w-]+, key k1\); its secret is in \$STAGEPASS_SECRET/,
    );
    assert.equal(created.stderr.includes(secret!), false, 'the secret is on stdout only');
    const token = await mint(['--app-id', appId!, '--secret', secret!]);
    assert.equal(verify(db, appId!, token), 'valid');
    // As a shell evaluates it.
    const shell = spawnSync(
      '/bin/sh',
      ['-c', `eval "$(cat)"; printf '%s %s' "$STAGEPASS_APP_ID" "$STAGEPASS_SECRET"`],
      {
        input: created.stdout,
        encoding: 'utf8',
      },
    );
    assert.equal(shell.stdout, `${appId} ${secret}`);
  });
  it('cannot be combined with --json (exit 2)', async () => {
    const both = await stagepass(['app', 'create', '--name', 'X', '--db', file('export2.db'), '--export', '--json']);
    assert.equal(both.code, 2);
    assert.match(both.stderr, /^error: --export and --json cannot be used together/);
    assert.equal(existsSync(file('export2.db')), false);
  });
});
