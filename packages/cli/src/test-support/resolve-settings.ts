import { readFile } from 'node:fs/promises';
import { resolveServeSettings, type SettingInputs } from '../commands/resolve-serve-settings.js';

/** `serve`'s settings from only the sources a test gives (no flags, no variables, no file unless named). */
export function resolveSettings(more: Partial<SettingInputs>) {
  return resolveServeSettings({
    flags: {},
    env: {},
    configPath: undefined,
    readFile: (path) => readFile(path, 'utf8'),
    ...more,
  });
}
