/**
 * The STUN/TURN settings of `stagepass serve`: `iceServers` from each source (a list in a file too) reaching
 * createGateway as a list, `turnSecret` never shown, and the rule between the two.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { isUsageError, type UsageError } from '../usage-error.js';
import { renderPrintConfig } from './print-config.js';
import type { SettingInputs } from './resolve-serve-settings.js';
import { toServeOptions, type ServeCommandOptions } from './serve-command.js';
import { resolveSettings } from '../test-support/resolve-settings.js';

const dir = mkdtempSync(join(tmpdir(), 'stagepass-ice-settings-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const SECRET = 'turn-shared-secret-0123456789';
const COMMAND: ServeCommandOptions = {
  flags: {},
  config: undefined,
  printConfig: false,
  dev: false,
  devAllowRemote: false,
  init: false,
};

const resolve = resolveSettings;

async function refusal(more: Partial<SettingInputs>): Promise<string> {
  try {
    await resolve(more);
  } catch (err) {
    assert.ok(isUsageError(err), String(err));
    return (err as UsageError).message;
  }
  assert.fail('not refused');
}

describe('serve settings: iceServers and turnSecret', () => {
  it('reach createGateway: the URLs as a list, the secret as is (flags and variables)', async () => {
    const settings = await resolve({
      flags: { iceServers: 'stun:203.0.113.7:3478, turn:203.0.113.7:3478?transport=udp' },
      env: { STAGEPASS_TURN_SECRET: SECRET },
    });
    const options = toServeOptions(settings, COMMAND);
    assert.deepEqual(options.gateway?.iceServers, ['stun:203.0.113.7:3478', 'turn:203.0.113.7:3478?transport=udp']);
    assert.equal(options.gateway?.turnSecret, SECRET);
    assert.equal(settings.value('turnCredentialTtl'), 86400);
  });

  it('take a YAML list in a config file', async () => {
    const path = join(dir, 'ice.yaml');
    writeFileSync(
      path,
      `iceServers:\n  - stun:turn.example.com\n  - turns:turn.example.com:5349\nturnSecret: ${SECRET}\nturnCredentialTtl: 600\n`,
    );
    const settings = await resolve({ configPath: path });
    const options = toServeOptions(settings, COMMAND);
    assert.deepEqual(options.gateway?.iceServers, ['stun:turn.example.com', 'turns:turn.example.com:5349']);
    assert.equal(options.gateway?.turnCredentialTtl, 600);
  });

  it('refuse a URL that is not STUN or TURN, naming the entry', async () => {
    const message = await refusal({ flags: { iceServers: 'stun:ok.example.com,https://turn.example.com' } });
    assert.match(message, /^--ice-servers: must be a list of at most 16 distinct STUN or TURN URLs/);
    assert.match(message, /entry 1 "https:\/\/turn\.example\.com" is not a stun:, stuns:, turn: or turns: URL/);
  });

  it('refuse a TURN URL without the secret, and the secret without a TURN URL', async () => {
    assert.equal(
      await refusal({ env: { STAGEPASS_ICE_SERVERS: 'turn:turn.example.com' } }),
      'turnSecret: must be set when iceServers has a turn: or turns: URL (its credentials come from it)',
    );
    assert.equal(
      await refusal({ flags: { iceServers: 'stun:stun.example.com', turnSecret: SECRET } }),
      '--ice-servers: must have a turn: or turns: URL when turnSecret is set',
    );
  });

  it('never show the secret: not in a refusal, not in --print-config', async () => {
    const short = 'short secret!';
    const message = await refusal({ env: { STAGEPASS_TURN_SECRET: short } });
    assert.match(message, /^STAGEPASS_TURN_SECRET: must be 16 to 512 visible ASCII characters/);
    assert.ok(!message.includes(short), message);
    const settings = await resolve({
      flags: { iceServers: 'turn:turn.example.com' },
      env: { STAGEPASS_TURN_SECRET: SECRET },
    });
    const output = renderPrintConfig(settings);
    const printed = JSON.stringify(output.json) + output.text;
    assert.ok(!printed.includes(SECRET), printed);
    assert.ok(printed.includes('turn:turn.example.com'), printed);
  });
});
