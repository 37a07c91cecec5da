/** A PostgreSQL server started by a test process (see test-postgres.mjs). */
export interface TestPostgres {
  readonly port: number;
  readonly pid: number;
  /** The URL of a database on this server (as the superuser `postgres`, no password: trust auth on loopback). */
  url(database: string): string;
  /** Creates a fresh database (`PREFIX_PID_N`) and resolves with its URL. */
  createDatabase(prefix?: string): Promise<string>;
  /** Stops the server and removes its folder. */
  stop(): Promise<void>;
}

type Env = Readonly<Record<string, string | undefined>>;

export function findPostgresBin(env?: Env): string | undefined;
export function postgresSkipReason(env?: Env): string | undefined;
export function startPostgres(env?: Env): Promise<TestPostgres>;
