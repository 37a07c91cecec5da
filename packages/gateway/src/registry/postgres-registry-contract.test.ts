/**
 * The registry contract (test-support/registry-contract.ts) against the PostgreSQL store: one real server
 * per test process (started as an unprivileged user), a fresh database per registry the suite opens.
 * Locally a missing PostgreSQL skips with a loud notice; under CI=true it fails.
 */
import { after, before } from 'node:test';
import pg from 'pg';
import { postgresSkipReason, startPostgres, type TestPostgres } from '../../../../scripts/test-postgres.mjs';
import { createPostgresAppRegistry } from './postgres-app-registry.js';
import {
  describeRegistryContract,
  type ContractRegistry,
  type RegistryStoreOptions,
} from './test-support/registry-contract.js';
import { NOW_MS } from './test-support/registry-fixtures.js';

const skip = postgresSkipReason();
let server: TestPostgres | undefined;
const urls = new WeakMap<ContractRegistry, string>();

before(async () => {
  if (skip === undefined) server = await startPostgres();
});
after(async () => server?.stop());

async function openAt(url: string, options: RegistryStoreOptions = {}): Promise<ContractRegistry> {
  const registry = await createPostgresAppRegistry({ url, now: () => NOW_MS, ...options });
  urls.set(registry, url);
  return registry;
}

describeRegistryContract({
  name: 'postgres',
  skip,
  open: async (options) => openAt(await server!.createDatabase('contract'), options),
  reopen: async (registry, options) => openAt(urls.get(registry)!, options),
  async storedSecrets(registry) {
    const client = new pg.Client({ connectionString: urls.get(registry)! });
    await client.connect();
    try {
      const { rows } = await client.query<{ secret: string }>(
        'SELECT secret FROM app_keys WHERE secret IS NOT NULL ORDER BY seq',
      );
      return rows.map((row) => row.secret);
    } finally {
      await client.end();
    }
  },
});
