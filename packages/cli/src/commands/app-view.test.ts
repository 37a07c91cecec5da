import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseArgs } from 'node:util';
import { pastableSessionId, tokenCommand } from './app-view.js';

describe('tokenCommand', () => {
  it('never offers a session ID that a command line would read as a flag', () => {
    for (let i = 0; i < 2000; i++) assert.equal(pastableSessionId().startsWith('-'), false);
  });
  it('quotes nothing a shell would split, and its --session value parses as a value', () => {
    const line = tokenCommand('stagepass', 'app-1', 'k1', 'a'.repeat(64), 'VPBYwZIU');
    assert.equal(line, `stagepass token create --app-id app-1 --kid k1 --secret ${'a'.repeat(64)} --session VPBYwZIU`);
    const args = line.split(' ').slice(3);
    const parsed = parseArgs({
      args,
      options: {
        'app-id': { type: 'string' },
        kid: { type: 'string' },
        secret: { type: 'string' },
        session: { type: 'string' },
      },
    });
    assert.equal(parsed.values.session, 'VPBYwZIU');
  });
});
