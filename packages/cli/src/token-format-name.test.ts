import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { createRequire } from 'node:module';
import { describe, it } from 'node:test';
import { runCli } from './test-support/run-cli.js';

interface OpenTokClient {
  generateToken(sessionId: string, options?: { role?: string; expireTime?: number }): string;
}
const OpenTok = createRequire(import.meta.url)('opentok') as new (apiKey: string, secret: string) => OpenTokClient;

const API_KEY = '4711';
const SECRET = randomBytes(20).toString('hex');

/** A session ID the OpenTok SDK accepts as belonging to API_KEY (it decodes and checks it). */
function opentokSessionId(): string {
  const inner = `1~${API_KEY}~~${new Date().toISOString()}~${randomBytes(12).toString('hex')}`;
  return `1_${Buffer.from(inner).toString('base64url')}`;
}

describe('token verify and token inspect name the format of a token minted by the OpenTok SDK', () => {
  const sessionId = opentokSessionId();
  const token = new OpenTok(API_KEY, SECRET).generateToken(sessionId, { role: 'moderator' });

  it('verify: "Stagepass/OpenTok JWT (format stagepass)", not a "stagepass token"', async () => {
    const verified = await runCli(['token', 'verify', token, '--app-id', API_KEY, '--secret', SECRET]);
    assert.equal(verified.code, 0, verified.stderr);
    assert.match(
      verified.stdout,
      /^valid Stagepass\/OpenTok JWT \(format stagepass\), HS256: role moderator, session /,
    );
    assert.doesNotMatch(verified.stdout, /stagepass token/);
  });
  it('inspect: the same name, by its look', async () => {
    const inspected = await runCli(['token', 'inspect', token]);
    assert.equal(inspected.code, 0, inspected.stderr);
    assert.equal(inspected.stdout.split('\n')[1], 'format: Stagepass/OpenTok JWT (format stagepass), by its look');
  });
});
