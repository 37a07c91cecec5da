/** The registry contract (test-support/registry-contract.ts) against the SQLite store, on files in a temp folder. */
import Database from 'better-sqlite3';
import { createSqliteAppRegistry } from './sqlite-app-registry.js';
import {
  describeRegistryContract,
  type ContractRegistry,
  type RegistryStoreOptions,
} from './test-support/registry-contract.js';
import { NOW_MS, tempDatabases } from './test-support/registry-fixtures.js';

const { dbPath } = tempDatabases();
const paths = new WeakMap<ContractRegistry, string>();

function openAt(path: string, options: RegistryStoreOptions = {}): ContractRegistry {
  const registry = createSqliteAppRegistry({ path, now: () => NOW_MS, ...options });
  paths.set(registry, path);
  return registry;
}

describeRegistryContract({
  name: 'sqlite',
  open: async (options) => openAt(dbPath(), options),
  reopen: async (registry, options) => openAt(paths.get(registry)!, options),
  async storedSecrets(registry) {
    const raw = new Database(paths.get(registry)!, { readonly: true });
    try {
      return raw
        .prepare('SELECT secret FROM app_keys WHERE secret IS NOT NULL ORDER BY rowid')
        .pluck()
        .all() as string[];
    } finally {
      raw.close();
    }
  },
});
