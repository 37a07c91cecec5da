import type { JsonWebKey } from 'node:crypto';
import type { CommandIo } from './cli-io.js';
import { UsageError } from './usage-error.js';

/**
 * Reads a key file for `--private-key` / `--public-key`: a JWK (a JSON object) or PEM text, which
 * the library then checks. Errors name the flag, but neither the path (a secret passed there by
 * mistake must not be echoed) nor the file's content.
 *
 * @example
 * ```ts
 * const privateKey = await readKeyFile(io, 'ed25519.pem', '--private-key');
 * ```
 */
export async function readKeyFile(io: CommandIo, path: string, flag: string): Promise<string | JsonWebKey> {
  let text: string;
  try {
    text = await io.readFile(path);
  } catch (err) {
    const reason = (err as NodeJS.ErrnoException).code ?? 'unreadable';
    throw new UsageError(`${flag}: cannot read the key file (${reason})`, flag);
  }
  const trimmed = text.trim();
  if (!trimmed.startsWith('{')) return text;
  let value: unknown;
  try {
    value = JSON.parse(trimmed);
  } catch {
    throw new UsageError(`${flag}: the key file starts like JSON but is not valid JSON (PEM or JWK expected)`, flag);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new UsageError(`${flag}: the key file must hold one JWK object`, flag);
  }
  return value as JsonWebKey;
}
