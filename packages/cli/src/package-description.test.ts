import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { CLI_SUMMARY, formatHelp } from './help-text.js';

const manifest = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as {
  description: string;
};

describe('packages/cli/package.json', () => {
  it('describes what the CLI does in the words of its own help (the npm page cannot go stale on its own)', () => {
    assert.equal(manifest.description, `The stagepass command: ${CLI_SUMMARY}`);
    assert.equal(formatHelp([]).split('\n')[0], `stagepass: ${CLI_SUMMARY}`);
  });
  it('names every command group the CLI has', () => {
    for (const word of ['gateway', 'demo page', 'tokens', 'OpenTok', 'apps', 'keys', 'sessions', 'revoke']) {
      assert.ok(manifest.description.includes(word), `description lacks "${word}"`);
    }
  });
});
