/**
 * How HS256 secrets are written to the database. Two self-describing text formats, so a reader
 * always knows what it holds and a later version can add `enc:v2`:
 *
 * - `plain:<secret>`: no master key configured.
 * - `enc:v1:<iv>:<tag>:<ciphertext>` (standard base64 each): AES-256-GCM with a random 12-byte IV,
 *   under a key derived from the master key (HKDF-SHA256, info `stagepass/v1/app-key-secrets`), with
 *   `stagepass/v1/app-key-secret NUL appId NUL kid` as additional data, so a ciphertext copied to
 *   another row (another app or key) fails authentication instead of decrypting.
 *
 * The database also stores a key check (HKDF of the master key with another info string: it tells
 * nothing about the key) so that a missing or wrong key is caught when the database is opened,
 * before any secret is read.
 */
import { createCipheriv, createDecipheriv, hkdfSync, randomBytes, timingSafeEqual } from 'node:crypto';
import { invalidOption, type StagepassError } from '@stagepass/protocol';
import { MASTER_KEY_BYTES } from './master-key.js';

const PLAIN_PREFIX = 'plain:';
const ENC_V1_PREFIX = 'enc:v1:';
const IV_BYTES = 12;
const TAG_BYTES = 16;
const ENCRYPTION_INFO = 'stagepass/v1/app-key-secrets';
const CHECK_INFO = 'stagepass/v1/master-key-check';
const AAD_LABEL = 'stagepass/v1/app-key-secret';

/** Seals and opens stored secrets; built once per registry from its master key (or none). */
export interface SecretSealer {
  /** True when secrets are encrypted (a master key was given). */
  readonly encrypts: boolean;
  /** The key check to store, or undefined without a master key. */
  readonly keyCheck: string | undefined;
  seal(appId: string, kid: string, secret: string): string;
  /** The secret; throws ERR_INVALID_OPTION (naming STAGEPASS_MASTER_KEY) when it cannot be read. */
  open(appId: string, kid: string, stored: string): string;
  /** True when `check` (from the database) was made with this sealer's master key. */
  matchesKeyCheck(check: string): boolean;
}

/** The one error for a database whose secrets this process cannot read. */
export function masterKeyError(message: string): StagepassError {
  return invalidOption('masterKey', message);
}

export const MISSING_MASTER_KEY =
  "this database's secrets are encrypted at rest; open it with the master key they were encrypted with (set STAGEPASS_MASTER_KEY)";
export const WRONG_MASTER_KEY =
  "this is not the master key this database's secrets were encrypted with (check STAGEPASS_MASTER_KEY)";

function derive(masterKey: Uint8Array, info: string): Buffer {
  return Buffer.from(hkdfSync('sha256', masterKey, Buffer.alloc(0), info, 32));
}

function additionalData(appId: string, kid: string): Buffer {
  // App IDs and key IDs are printable ASCII: a NUL cannot occur in them, so the join is unambiguous.
  return Buffer.from(`${AAD_LABEL}\u0000${appId}\u0000${kid}`, 'utf8');
}

/**
 * A sealer for `masterKey` (32 bytes), or a plaintext one when it is undefined.
 *
 * @example
 * ```ts
 * const sealer = createSecretSealer(parseMasterKey(hex));
 * const stored = sealer.seal(appId, 'k1', secret); // 'enc:v1:…'
 * sealer.open(appId, 'k1', stored) === secret;      // true
 * ```
 */
export function createSecretSealer(masterKey: Uint8Array | undefined): SecretSealer {
  if (masterKey === undefined) {
    return {
      encrypts: false,
      keyCheck: undefined,
      seal: (_appId, _kid, secret) => `${PLAIN_PREFIX}${secret}`,
      open: (_appId, _kid, stored) => {
        if (stored.startsWith(PLAIN_PREFIX)) return stored.slice(PLAIN_PREFIX.length);
        if (stored.startsWith('enc:')) throw masterKeyError(MISSING_MASTER_KEY);
        throw unknownFormat();
      },
      matchesKeyCheck: () => false,
    };
  }
  if (!(masterKey instanceof Uint8Array) || masterKey.length !== MASTER_KEY_BYTES) {
    throw masterKeyError(`must be ${MASTER_KEY_BYTES} bytes (see parseMasterKey)`);
  }
  const encryptionKey = derive(masterKey, ENCRYPTION_INFO);
  const keyCheck = derive(masterKey, CHECK_INFO).toString('base64');
  return {
    encrypts: true,
    keyCheck,
    seal(appId, kid, secret) {
      const iv = randomBytes(IV_BYTES);
      const cipher = createCipheriv('aes-256-gcm', encryptionKey, iv, { authTagLength: TAG_BYTES });
      cipher.setAAD(additionalData(appId, kid));
      const ciphertext = Buffer.concat([cipher.update(secret, 'utf8'), cipher.final()]);
      const tag = cipher.getAuthTag();
      return `${ENC_V1_PREFIX}${iv.toString('base64')}:${tag.toString('base64')}:${ciphertext.toString('base64')}`;
    },
    open(appId, kid, stored) {
      if (stored.startsWith(PLAIN_PREFIX)) return stored.slice(PLAIN_PREFIX.length);
      if (!stored.startsWith(ENC_V1_PREFIX)) throw unknownFormat();
      const [iv, tag, ciphertext, extra] = stored
        .slice(ENC_V1_PREFIX.length)
        .split(':')
        .map((part) => Buffer.from(part, 'base64'));
      if (iv?.length !== IV_BYTES || tag?.length !== TAG_BYTES || ciphertext === undefined || extra !== undefined) {
        throw unknownFormat();
      }
      try {
        const decipher = createDecipheriv('aes-256-gcm', encryptionKey, iv, { authTagLength: TAG_BYTES });
        decipher.setAAD(additionalData(appId, kid));
        decipher.setAuthTag(tag);
        return Buffer.concat([decipher.update(ciphertext), decipher.final()]).toString('utf8');
      } catch {
        // GCM authentication failed: the wrong key, or a ciphertext altered or moved to another row.
        throw masterKeyError(
          `the stored secret of key ${kid} of app ${appId} does not decrypt: ${WRONG_MASTER_KEY}, or the database was altered`,
        );
      }
    },
    matchesKeyCheck(check) {
      const given = Buffer.from(check, 'base64');
      const own = Buffer.from(keyCheck, 'base64');
      return given.length === own.length && timingSafeEqual(given, own);
    },
  };
}

function unknownFormat(): StagepassError {
  return invalidOption('path', 'a stored secret is in an unknown format (written by a newer Stagepass?)');
}
