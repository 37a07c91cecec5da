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

/** A value, or a promise of one: the embedded store answers at once, a networked one later. Always `await` it. */
export type Awaitable<T> = T | Promise<T>;

/**
 * The app registry: apps, their keys and settings, and revocations. Durable; the embedded SQLite
 * store is the default, the PostgreSQL store serves cluster mode (several gateways, one registry).
 *
 * The reads on the admission path (`getApp`, `getAppVersion`, `listApps`) are synchronous: a
 * networked store keeps every app in a local cache that its change feed refreshes. `isRevoked`
 * returns a Promise (a networked store may answer it across the network). App management
 * (`createApp` … `revoke`, as the CLI and the REST API call it) returns an {@link Awaitable}: the
 * SQLite store answers synchronously (its own type says so), the PostgreSQL store with a Promise
 * that resolves once the change is committed and in this process's cache.
 * Every mutating method throws (or rejects with) StagepassError ERR_NOT_FOUND for an unknown app and
 * ERR_INVALID_OPTION for bad input.
 */
export interface AppRegistry {
  getApp(appId: string): AppRecord | undefined;
  /**
   * The app's version only: a cheap check before reusing a cached verifier. May be read once per
   * event-loop turn: this registry's own changes show at once, another process's (the CLI, another
   * gateway on the same file) from the next turn (SQLite) or once the change feed brings them (PostgreSQL:
   * milliseconds by LISTEN/NOTIFY, at most the poll interval without it).
   */
  getAppVersion(appId: string): number | undefined;
  listApps(): AppRecord[];
  /** Creates an app with a fresh HS256 secret (32 random bytes, hex), returned once. */
  createApp(options: CreateAppOptions): Awaitable<{ app: AppRecord; secret: string }>;
  importApp(options: ImportAppOptions): Awaitable<AppRecord>;
  /** Adds a new active secret key (the old ones keep verifying until retired); returns it once. */
  rotateSecret(appId: string): Awaitable<{ key: KeyRecord; secret: string }>;
  addKey(appId: string, options: AddKeyOptions): Awaitable<KeyRecord>;
  retireKey(appId: string, kid: string): Awaitable<KeyRecord>;
  updateSettings(appId: string, settings: Partial<AppSettings>): Awaitable<AppRecord>;
  deleteApp(appId: string): Awaitable<boolean>;

  /** Records a revocation and bumps the app's version (so caches in every process notice). */
  revoke(appId: string, revocation: Revocation): Awaitable<void>;
  /**
   * Resolves true when a token of this app/session, with this ID and issue time (UNIX seconds), is
   * revoked; false for an unknown app. Cheap: meant to run on every admission. When the app's
   * version was read in this event-loop turn (as admission does, for its verifier), the answer
   * comes from memory kept for that version, usually without any query.
   */
  isRevoked(appId: string, sessionId: string, tokenId: string, issuedAt: number): Promise<boolean>;

  /**
   * Why the store can no longer be trusted, with what to do (SQLite: its file deleted or replaced under
   * the running process, so the CLI would write to a database this process never reads; PostgreSQL: the
   * server unreachable), or undefined while it is fine. Cheap (a `stat`, or a flag); the gateway asks
   * once a second, logs a change at error level and answers `/readyz` 503.
   */
  fileProblem?(): string | undefined;

  close(): Awaitable<void>;
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
