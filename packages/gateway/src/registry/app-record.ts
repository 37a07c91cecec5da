import type { MediaMode } from '@stagepass/protocol';
import type { JwsAlgorithm } from '@stagepass/token';

/** Per-app settings, with their defaults in {@link DEFAULT_APP_SETTINGS}. */
export interface AppSettings {
  /** Accept OpenTok's legacy T1 tokens. */
  readonly legacyT1: boolean;
  /** Admit each token once: its ID is remembered until its expiry. */
  readonly singleUseTokens: boolean;
  /** Close connections when their token expires (reason tokenExpired). */
  readonly ejectAtExpiry: boolean;
  /** Origins allowed to connect (exact `scheme://host[:port]`); empty = any. */
  readonly allowedOrigins: readonly string[];
  /** Most connections in one session; null = the gateway's default. */
  readonly maxConnectionsPerSession: number | null;
  /**
   * The media mode of a session the gateway makes for this app without being told one (REST
   * `POST …/sessions` with neither `sessionId` nor `mediaMode`, `stagepass session create` without
   * `--routed`/`--relayed`). A session's mode lives in its ID, so this never changes a session that exists.
   */
  readonly mediaMode: MediaMode;
}

export const DEFAULT_APP_SETTINGS: AppSettings = Object.freeze({
  legacyT1: false,
  singleUseTokens: false,
  ejectAtExpiry: false,
  allowedOrigins: Object.freeze([]) as readonly string[],
  maxConnectionsPerSession: null,
  mediaMode: 'relayed',
});

export type KeyStatus = 'active' | 'retired';

/** One signing key of an app: an HS256 secret or a public key. */
export interface KeyRecord {
  readonly kid: string;
  readonly alg: JwsAlgorithm;
  /** The HS256 secret (decrypted), for secret keys. */
  readonly secret: string | undefined;
  /** SPKI PEM, for public keys. */
  readonly publicKeyPem: string | undefined;
  readonly status: KeyStatus;
  /** Milliseconds since the epoch. */
  readonly createdAt: number;
}

export interface AppRecord {
  readonly appId: string;
  readonly name: string;
  /** Milliseconds since the epoch. */
  readonly createdAt: number;
  readonly settings: AppSettings;
  readonly keys: readonly KeyRecord[];
  /** Increases on every change of the app (keys, settings): caches compare it. */
  readonly version: number;
}
