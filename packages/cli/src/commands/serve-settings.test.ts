/**
 * The one table of serve settings and everything derived from it: the flags of `serve`, its help, the
 * variables, and docs/configuration.md's table must all say the same.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { GATEWAY_SETTINGS } from '@stagepass/gateway';
import { formatHelp } from '../help-text.js';
import { serveCommand } from './serve-command.js';
import { SERVE_SETTINGS, settingDefault, settingRange } from './serve-settings.js';

const docs = readFileSync(new URL('../../../../docs/configuration.md', import.meta.url), 'utf8');

/** The body rows of the table after `## Settings`, as cells. */
function docsRows(): string[][] {
  const lines = docs.split('\n');
  const start = lines.indexOf('## Settings');
  assert.ok(start >= 0, 'docs/configuration.md has no "## Settings"');
  const first = lines.findIndex((line, i) => i > start && line.startsWith('|'));
  const rows: string[][] = [];
  for (let i = first + 2; lines[i]?.startsWith('|') === true; i++) {
    rows.push(
      lines[i]!.slice(1, -1)
        .split(/(?<!\\) \| /)
        .map((cell) => cell.trim().replace(/\\\|/g, '|')),
    );
  }
  return rows;
}

describe('serve settings: one table', () => {
  it('holds every gateway setting, and the names derived from each key', () => {
    const keys = SERVE_SETTINGS.map((s) => s.key);
    for (const g of GATEWAY_SETTINGS) assert.ok(keys.includes(g.key), g.key);
    const rateBurst = SERVE_SETTINGS.find((s) => s.key === 'httpRateLimit.burst')!;
    assert.equal(rateBurst.flag, '--http-rate-limit-burst');
    assert.equal(rateBurst.env, 'STAGEPASS_HTTP_RATE_LIMIT_BURST');
    assert.equal(SERVE_SETTINGS.find((s) => s.key === 'maxSocketsPerIp')!.flag, '--max-sockets-per-ip');
    for (const name of ['key', 'flag', 'env'] as const)
      assert.equal(new Set(SERVE_SETTINGS.map((s) => s[name])).size, SERVE_SETTINGS.length, `unique ${name}s`);
    // The flags users knew before the table keep their names.
    for (const flag of ['--host', '--port', '--db', '--log-level', '--pretty', '--drain-ms'])
      assert.ok(
        SERVE_SETTINGS.some((s) => s.flag === flag),
        flag,
      );
    for (const env of ['STAGEPASS_HOST', 'STAGEPASS_PORT', 'STAGEPASS_DB'])
      assert.ok(
        SERVE_SETTINGS.some((s) => s.env === env),
        env,
      );
  });

  it('is what serve declares: one flag per setting, of the right kind', () => {
    for (const s of SERVE_SETTINGS) {
      const spec = serveCommand.options[s.flag.slice(2)];
      assert.ok(spec !== undefined, s.flag);
      assert.equal(spec.type, s.type === 'boolean' ? 'boolean' : 'string', s.flag);
      // The parser must not apply the variable itself: the resolver does, below flags and above the file.
      assert.equal(spec.env, undefined, s.flag);
    }
  });

  it('serve --help lists every setting with its default, unit and range, and its variable', () => {
    const help = formatHelp(['serve']);
    for (const s of SERVE_SETTINGS) {
      const line = help.split('\n').find((l) => l.trimStart().startsWith(`${s.flag} `) || l.trim() === s.flag);
      assert.ok(line !== undefined, `no help line for ${s.flag}`);
      const variables = s.envNames.map((name) => `$${name}`).join(' or ');
      assert.ok(line.includes(`(default ${settingDefault(s)}; ${variables})`), line);
      assert.ok(line.includes(settingRange(s)), line);
      if (s.unit !== undefined) assert.ok(line.includes(s.unit), line);
    }
  });

  it('docs/configuration.md lists exactly the settings, in order, with their names, defaults, units and ranges', () => {
    const expected = SERVE_SETTINGS.map((s) => [
      `\`${s.key}\``,
      `\`${s.flag}\``,
      s.envNames.map((name) => `\`${name}\``).join(', '),
      settingDefault(s),
      settingRange(s) || '—',
      s.summary,
    ]);
    assert.deepEqual(docsRows(), expected);
  });

  it('docs/protocol.md points its limits at docs/configuration.md', () => {
    const protocol = readFileSync(new URL('../../../../docs/protocol.md', import.meta.url), 'utf8');
    const limits = protocol.slice(protocol.indexOf('## Limits'));
    assert.match(limits.slice(0, 600), /\(configuration\.md\)/);
  });
});
