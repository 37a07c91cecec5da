import { invalidOption } from '@stagepass/protocol';

/** A master key is 32 bytes: an AES-256 key. */
export const MASTER_KEY_BYTES = 32;

const HEX_KEY = /^[0-9a-fA-F]{64}$/;
const BASE64_KEY = /^[A-Za-z0-9+/]{43}=?$/;
const BASE64URL_KEY = /^[A-Za-z0-9_-]{43}$/;

/**
 * Reads a master key as an operator writes it (e.g. `STAGEPASS_MASTER_KEY`): 64 hex characters, or
 * the base64 (or base64url) of exactly 32 bytes. Surrounding whitespace is ignored. Anything else
 * is refused with ERR_INVALID_OPTION (option `masterKey`); the message never repeats the value.
 *
 * @example
 * ```ts
 * // openssl rand -hex 32
 * const masterKey = parseMasterKey(process.env.STAGEPASS_MASTER_KEY!);
 * const registry = createSqliteAppRegistry({ path: 'stagepass.db', masterKey });
 * ```
 */
export function parseMasterKey(text: string): Uint8Array {
  if (typeof text !== 'string') throw invalidOption('masterKey', 'must be a string (e.g. $STAGEPASS_MASTER_KEY)');
  const value = text.trim();
  if (HEX_KEY.test(value)) return new Uint8Array(Buffer.from(value, 'hex'));
  const url = BASE64URL_KEY.test(value);
  if (url || BASE64_KEY.test(value)) {
    const bytes = Buffer.from(value, url ? 'base64url' : 'base64');
    // Canonical only: the last character must not carry stray bits, so one key has one spelling.
    const again = bytes.toString(url ? 'base64url' : 'base64');
    if (bytes.length === MASTER_KEY_BYTES && again.replace(/=$/, '') === value.replace(/=$/, ''))
      return new Uint8Array(bytes);
  }
  throw invalidOption(
    'masterKey',
    `must be ${MASTER_KEY_BYTES} bytes written as 64 hex characters or as base64 (44 characters); make one with: STAGEPASS_MASTER_KEY=$(openssl rand -hex 32)`,
  );
}
