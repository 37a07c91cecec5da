/**
 * docs/migration.md runs as written: every `npx stagepass …` line of its shell blocks, in order, against a fresh
 * registry (STAGEPASS_DB in a temporary folder, the public key file the page names made there), with the
 * variables the page uses set. Then its checklist's `token verify` accepts tokens minted by the real `opentok`
 * and `@vonage/video` SDKs for the apps those commands registered. (`serve` is not started here: the REST and
 * page steps are proven by the SDK tests in packages/gateway/src/rest/opentok/ and the Chromium test of the
 * OpenTok.js sample.)
 */
import assert from 'node:assert/strict';
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { runCli } from './test-support/run-cli.js';

const DOC = readFileSync(fileURLToPath(new URL('../../../docs/migration.md', import.meta.url)), 'utf8');
const require = createRequire(import.meta.url);

interface OpenTokClient {
  generateToken(sessionId: string, options?: { role?: string; data?: string }): string;
}
const OpenTok = require('opentok') as new (apiKey: string, secret: string) => OpenTokClient;
const { Video } = require('@vonage/video') as {
  Video: new (auth: { applicationId: string; privateKey: string }) => {
    generateClientToken(sessionId: string, options?: { role?: string }): string;
  };
};

/** The `npx stagepass …` lines of the page's ```sh blocks, in order (comments dropped). */
function stagepassLines(markdown: string): string[] {
  const lines: string[] = [];
  for (const block of markdown.matchAll(/^```sh\n([\s\S]*?)^```$/gm)) {
    for (const line of block[1]!.split('\n')) if (line.startsWith('npx stagepass ')) lines.push(line);
  }
  return lines;
}

/** Splits a command line as sh would for these lines: words, "double quotes" with $VAR expanded, # comments. */
function words(line: string, env: Readonly<Record<string, string>>): string[] {
  const out: string[] = [];
  for (const m of line.matchAll(/"((?:[^"\\]|\\.)*)"|(#.*$)|(\S+)/g)) {
    if (m[2] !== undefined) break;
    const word = m[1] ?? m[3]!;
    out.push(
      word.replace(/\$(\w+)/g, (_, name: string) => {
        const value = env[name];
        if (value === undefined) throw new Error(`docs/migration.md uses $${name}, which the test does not set`);
        return value;
      }),
    );
  }
  return out;
}

/** An OpenTok-shaped session ID for the API key (the SDK decodes it and checks the key). */
function opentokSessionId(apiKey: string): string {
  const inner = `1~${apiKey}~~${new Date().toISOString()}~${randomBytes(12).toString('hex')}~P~`;
  return `1_${Buffer.from(inner).toString('base64url')}`;
}

describe('docs/migration.md: its commands run as written, and its checklist verifies real SDK tokens', () => {
  const dir = mkdtempSync(join(tmpdir(), 'stagepass-migration-doc-'));
  after(() => rmSync(dir, { recursive: true, force: true }));
  const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  writeFileSync(join(dir, 'public.pem'), publicKey.export({ type: 'spki', format: 'pem' }));
  const env = { STAGEPASS_DB: join(dir, 'stagepass.db'), OPENTOK_API_SECRET: randomBytes(32).toString('hex') };
  const lines = stagepassLines(DOC);

  it('registers the OpenTok and Vonage apps with the commands of step 1', async () => {
    const imports = lines.filter((l) => / app (import|set) /.test(l));
    assert.ok(imports.length >= 3, 'step 1 shows the OpenTok import, the legacy switch and the Vonage import');
    for (const line of imports) {
      const args = words(line, env).slice(2);
      const result = await runCli(args, { env, cwd: dir, neverPrinted: [env.OPENTOK_API_SECRET] });
      assert.equal(result.code, 0, `${line}\n${result.stderr}`);
    }
    const listed = await runCli(['app', 'list', '--json'], { env, cwd: dir });
    assert.equal(listed.code, 0, listed.stderr);
    for (const id of ['47000000', '0f1e2d3c-4b5a-6978-8a9b-0c1d2e3f4a5b']) assert.ok(listed.stdout.includes(id), id);
  });

  it("the checklist's token verify accepts the opentok SDK's token for the imported key and secret", async () => {
    const apiKey = '47000000';
    const sessionId = opentokSessionId(apiKey);
    const token = new OpenTok(apiKey, env.OPENTOK_API_SECRET).generateToken(sessionId, {
      role: 'publisher',
      data: 'name=Ada',
    });
    const check = DOC.match(/`npx stagepass (token verify TOKEN [^`]+)`/);
    assert.ok(check, 'the checklist shows a token verify command');
    const args = words(check[1]!, env).map((w) => (w === 'TOKEN' ? token : w === 'ID' ? apiKey : w));
    const result = await runCli(args, { env, cwd: dir });
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /role publisher/);
    assert.ok(result.stdout.includes(sessionId));
  });

  it('and, with --public-key public.pem, the @vonage/video SDK token for the imported application', async () => {
    const appId = '0f1e2d3c-4b5a-6978-8a9b-0c1d2e3f4a5b';
    const video = new Video({
      applicationId: appId,
      privateKey: privateKey.export({ type: 'pkcs8', format: 'pem' }) as string,
    });
    const token = video.generateClientToken('a-session', { role: 'moderator' });
    const result = await runCli(['token', 'verify', token, '--app-id', appId, '--public-key', 'public.pem'], {
      env,
      cwd: dir,
    });
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /role moderator/);
  });
});
