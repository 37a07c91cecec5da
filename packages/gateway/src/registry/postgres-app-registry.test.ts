/**
 * What only the PostgreSQL store has: its migrations (versioned, idempotent, one transaction, safe when
 * several gateways start at once), its refusals of a server it cannot use, and `/readyz` following the
 * connection. A real server per test process; locally a missing PostgreSQL skips loudly, under CI=true it fails.
 */
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import pg from 'pg';
import { pino } from 'pino';
import { postgresSkipReason, startPostgres, type TestPostgres } from '../../../../scripts/test-postgres.mjs';
import { createGateway } from '../gateway.js';
import { createPostgresAppRegistry } from './postgres-app-registry.js';
import { POSTGRES_SCHEMA_VERSION } from './postgres-schema.js';
import { REGISTRY_CHECK_MS } from './registry-file-watch.js';
import { assertRejected } from './test-support/registry-fixtures.js';

const skip = postgresSkipReason();
let server: TestPostgres | undefined;
before(async () => {
  if (skip === undefined) server = await startPostgres();
});
after(async () => server?.stop());

async function query<R extends pg.QueryResultRow>(url: string, text: string): Promise<R[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query<R>(text)).rows;
  } finally {
    await client.end();
  }
}

describe('PostgreSQL registry', { skip }, () => {
  it('migrates a new database once, even with three gateways starting at the same instant; a restart migrates nothing', async () => {
    const url = await server!.createDatabase('migrate');
    const registries = await Promise.all([1, 2, 3].map(() => createPostgresAppRegistry({ url })));
    const applied = await query<{ version: number }>(url, 'SELECT version FROM stagepass_schema_migrations');
    assert.deepEqual(
      applied.map((row) => row.version),
      Array.from({ length: POSTGRES_SCHEMA_VERSION }, (_, i) => i + 1),
    );
    await registries[0]!.createApp({ name: 'Kept' });
    await Promise.all(registries.map((registry) => registry.close()));
    const again = await createPostgresAppRegistry({ url });
    assert.equal(again.listApps().length, 1);
    await again.close();
    assert.equal((await query(url, 'SELECT version FROM stagepass_schema_migrations')).length, POSTGRES_SCHEMA_VERSION);
  });

  it('refuses a database written by a newer schema, and bad options, naming the option', async () => {
    const url = await server!.createDatabase('newer');
    await (await createPostgresAppRegistry({ url })).close();
    await query(url, `INSERT INTO stagepass_schema_migrations (version) VALUES (${POSTGRES_SCHEMA_VERSION + 1})`);
    const newer = await assertRejected(createPostgresAppRegistry({ url }), 'ERR_INVALID_OPTION', 'url');
    assert.match(newer.message, /newer than this Stagepass reads.*upgrade Stagepass/);
    await assertRejected(createPostgresAppRegistry({ url: 'mysql://x/y' }), 'ERR_INVALID_OPTION', 'url');
    await assertRejected(createPostgresAppRegistry({ url, pollIntervalMs: 0 }), 'ERR_INVALID_OPTION', 'pollIntervalMs');
    await assertRejected(createPostgresAppRegistry({ url, poolSize: 1000 }), 'ERR_INVALID_OPTION', 'poolSize');
  });

  it('an unreachable server or a missing database is ERR_DATABASE_UNAVAILABLE naming where, never the password', async () => {
    const down = await assertRejected(
      createPostgresAppRegistry({ url: 'postgres://u:hunter2-pw@127.0.0.1:1/apps', connectTimeoutMs: 500 }),
      'ERR_DATABASE_UNAVAILABLE',
    );
    assert.match(down.message, /127\.0\.0\.1:1\/apps.*ECONNREFUSED/);
    const missing = await assertRejected(
      createPostgresAppRegistry({ url: server!.url('no_such_database') }),
      'ERR_DATABASE_UNAVAILABLE',
    );
    assert.match(missing.message, /no_such_database.*3D000/);
    for (const err of [down, missing]) assert.doesNotMatch(`${err.message} ${JSON.stringify(err.details)}`, /hunter2/);
  });
});

// Last: it stops this process's server.
describe('PostgreSQL registry and /readyz', { skip }, () => {
  it('/readyz answers 503 ERR_DATABASE_UNAVAILABLE once the server is gone, and the log says so', async () => {
    const url = await server!.createDatabase('readyz');
    const registry = await createPostgresAppRegistry({
      url,
      pollIntervalMs: 100,
      connectTimeoutMs: 500,
      queryTimeoutMs: 500,
    });
    let logged = '';
    const logger = pino(
      { level: 'error' },
      new Writable({
        write(chunk: Buffer, _encoding, done) {
          logged += chunk.toString();
          done();
        },
      }),
    );
    const gateway = createGateway({ registry, port: 0, logger });
    const { port } = await gateway.listen();
    try {
      assert.equal((await fetch(`http://127.0.0.1:${port}/readyz`)).status, 200);
      assert.equal(registry.fileProblem?.(), undefined);
      await server!.stop();
      await new Promise((resolve) => setTimeout(resolve, REGISTRY_CHECK_MS + 1000));
      const ready = await fetch(`http://127.0.0.1:${port}/readyz`);
      assert.equal(ready.status, 503);
      assert.equal(((await ready.json()) as { code: string }).code, 'ERR_DATABASE_UNAVAILABLE');
      const line = JSON.parse(logged.trim().split('\n')[0]!) as { level: number; msg: string };
      assert.equal(line.level, 50);
      assert.match(line.msg, /PostgreSQL app registry at 127\.0\.0\.1:\d+\/readyz_\d+_\d+ cannot be read/);
    } finally {
      await gateway.close({ drainMs: 0 });
      await registry.close();
    }
  });
});
