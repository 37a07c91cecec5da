import type { AppRecord, AppSettings, KeyRecord } from './app-record.js';

export interface CreateAppOptions {
  readonly name: string;
  /** Default: a new UUID. */
  readonly appId?: string;
  readonly settings?: Partial<AppSettings>;
}

export interface ImportAppOptions {
  /** An existing OpenTok API key or Vonage application ID. */
  readonly appId: string;
  readonly name: string;
  /** An OpenTok API secret (HS256, and T1 when legacyT1 is on). */
  readonly secret?: string;
  /** A Vonage application's public key (PEM). */
  readonly publicKeyPem?: string;
  readonly settings?: Partial<AppSettings>;
}

/** Give `secret` or `publicKeyPem`, not both. */
export interface AddKeyOptions {
  /** Default: `k` + one more than the highest `kN` the app has used (`k1`, `k2`, …). */
  readonly kid?: string;
  /** An HS256 secret, used as its UTF-8 bytes: 32–1024 bytes. */
  readonly secret?: string;
  /** SPKI PEM (PKCS#1 RSA PEM is accepted and stored as SPKI). Ed25519 → EdDSA, P-256 → ES256, RSA ≥ 2048 bits → RS256. */
  readonly publicKeyPem?: string;
}

/**
 * A revocation: one token by ID (`tokenId` as the verifier reports it; kept until `expireTime`), or
 * every token of the app (`sessionId: null`) or of one session whose `issuedAt` is strictly before
 * `issuedBefore`. Times are integer UNIX seconds, as in tokens; `issuedBefore` may not be in the
 * future (beyond 300 s of clock skew).
 */
export type Revocation =
  | { readonly kind: 'token'; readonly tokenId: string; readonly expireTime: number }
  | { readonly kind: 'issuedBefore'; readonly sessionId: string | null; readonly issuedBefore: number };

/**
 * The app registry: apps, their keys and settings, and revocations. Durable; the embedded SQLite
 * store is the default, networked ones (Redis, PostgreSQL) come with cluster mode.
 *
 * `isRevoked` returns a Promise: a networked store answers it across the network. The reads on
 * the admission path (`getApp`, `getAppVersion`) are synchronous (a networked store keeps them in a
 * local cache it refreshes). App management (`createApp` … `revoke`, as the CLI and the REST API
 * call it) is synchronous in this version, because the embedded store is (better-sqlite3); it
 * becomes asynchronous with the first networked store.
 * Every mutating method throws StagepassError ERR_NOT_FOUND for an unknown app and
 * ERR_INVALID_OPTION for bad input.
 */
export interface AppRegistry {
  getApp(appId: string): AppRecord | undefined;
  /**
   * The app's version only: a cheap check before reusing a cached verifier. May be read once per
   * event-loop turn: this registry's own changes show at once, another process's (the CLI, another
   * gateway on the same file) from the next turn.
   */
  getAppVersion(appId: string): number | undefined;
  listApps(): AppRecord[];
  /** Creates an app with a fresh HS256 secret (32 random bytes, hex), returned once. */
  createApp(options: CreateAppOptions): { app: AppRecord; secret: string };
  importApp(options: ImportAppOptions): AppRecord;
  /** Adds a new active secret key (the old ones keep verifying until retired); returns it once. */
  rotateSecret(appId: string): { key: KeyRecord; secret: string };
  addKey(appId: string, options: AddKeyOptions): KeyRecord;
  retireKey(appId: string, kid: string): KeyRecord;
  updateSettings(appId: string, settings: Partial<AppSettings>): AppRecord;
  deleteApp(appId: string): boolean;

  /** Records a revocation and bumps the app's version (so caches in every process notice). */
  revoke(appId: string, revocation: Revocation): void;
  /**
   * Resolves true when a token of this app/session, with this ID and issue time (UNIX seconds), is
   * revoked; false for an unknown app. Cheap: meant to run on every admission. When the app's
   * version was read in this event-loop turn (as admission does, for its verifier), the answer
   * comes from memory kept for that version, usually without any query.
   */
  isRevoked(appId: string, sessionId: string, tokenId: string, issuedAt: number): Promise<boolean>;

  /**
   * Why the store can no longer be trusted (its file deleted or replaced under the running process, so
   * the CLI would write to a database this process never reads), or undefined while it is fine. Cheap (a
   * `stat`); the gateway asks once a second, logs a change at error level and answers `/readyz` 503.
   */
  fileProblem?(): string | undefined;

  close(): void;
}

/**
 * Remembers single-use token IDs until they expire. `claim` is atomic: of two claims of one ID,
 * even at the same instant and from two processes, exactly one resolves true.
 */
export interface ReplayGuard {
  /**
   * Resolves true the first time an ID (1–512 printable ASCII, room for a namespace prefix) is
   * claimed for an app, false ever after, until `expireTime` (UNIX seconds) plus 300 s has passed.
   * Rejects with ERR_NOT_FOUND for an unknown app, ERR_INVALID_OPTION for a bad ID or time.
   */
  claim(appId: string, tokenId: string, expireTime: number): Promise<boolean>;
}
