/** Shared by the registry's tests: a fixed clock, registries to open, temp database paths, refusal checks. */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before } from 'node:test';
import { StagepassError } from '@stagepass/protocol';
import type { AppRegistry, ReplayGuard } from '../app-registry.js';
import {
  createSqliteAppRegistry,
  type SqliteAppRegistry,
  type SqliteAppRegistryOptions,
} from '../sqlite-app-registry.js';

export const NOW_MS = 1_800_000_000_000;
export const NOW_S = NOW_MS / 1000;

export type Registry = AppRegistry & ReplayGuard;

/** A clock the test moves. */
export function clock(start = NOW_MS): { now: () => number; advance: (ms: number) => void } {
  let value = start;
  return {
    now: () => value,
    advance: (ms) => {
      value += ms;
    },
  };
}

/** An in-memory registry at NOW_MS, unless the options say otherwise. */
export function open(options: Partial<SqliteAppRegistryOptions> = {}): SqliteAppRegistry {
  return createSqliteAppRegistry({ path: ':memory:', now: () => NOW_MS, ...options });
}

/**
 * Fresh database paths in a temp dir the calling test file owns (made before its tests, removed
 * after them); nested, so that parent creation is exercised.
 */
export function tempDatabases(): { dbPath: () => string; dir: () => string } {
  let dir = '';
  let files = 0;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'stagepass-registry-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));
  return { dbPath: () => join(dir, `db-${++files}`, 'nested', 'stagepass.db'), dir: () => dir };
}

function checkRefusal(caught: unknown, code: string, option: string | undefined): StagepassError {
  assert.ok(caught instanceof StagepassError, `expected a StagepassError ${code}, got ${String(caught)}`);
  assert.equal(caught.code, code, caught.message);
  if (option !== undefined) assert.equal(caught.details.option, option, caught.message);
  return caught;
}

/** Asserts that `fn` throws a StagepassError with this code (and option, for ERR_INVALID_OPTION). */
export function assertRefused(fn: () => unknown, code: string, option?: string): StagepassError {
  let caught: unknown;
  try {
    fn();
  } catch (err) {
    caught = err;
  }
  return checkRefusal(caught, code, option);
}

/** Asserts that `promise` rejects with a StagepassError with this code (and option, for ERR_INVALID_OPTION). */
export async function assertRejected(
  promise: Promise<unknown>,
  code: string,
  option?: string,
): Promise<StagepassError> {
  let caught: unknown;
  try {
    await promise;
  } catch (err) {
    caught = err;
  }
  return checkRefusal(caught, code, option);
}
