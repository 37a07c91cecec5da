/**
 * What the parts of the PostgreSQL registry (apps, revocations, replay guard, change feed) share: one
 * connection pool, one clock, and one way to turn the server's failures into ERR_DATABASE_UNAVAILABLE
 * without ever repeating the password.
 */
import pg from 'pg';
import { StagepassError } from '@stagepass/protocol';

/** What the registry's parts need of the pool: queries, and transactions. */
export interface PostgresStore {
  readonly pool: pg.Pool;
  /** Milliseconds since the epoch. */
  readonly now: () => number;
  /** UNIX seconds. */
  nowSeconds(): number;
  /** Where the server is, for messages: `host:port/database` (never the user's password). */
  readonly where: string;
  /** One query, its connection failures as ERR_DATABASE_UNAVAILABLE. */
  query<R extends pg.QueryResultRow>(text: string, values?: readonly unknown[]): Promise<pg.QueryResult<R>>;
  /** Runs `fn` in one READ COMMITTED transaction (rolled back when it throws). */
  transaction<T>(fn: (client: pg.PoolClient) => Promise<T>): Promise<T>;
}

/** Where a `postgres://` URL points, for messages: host, port and database, without user or password. */
export function describeUrl(url: string): string {
  try {
    const parsed = new URL(url);
    const host = parsed.hostname === '' ? 'localhost' : parsed.hostname;
    const database = decodeURIComponent(parsed.pathname.replace(/^\//, ''));
    return `${host}:${parsed.port === '' ? '5432' : parsed.port}/${database === '' ? '(default database)' : database}`;
  } catch {
    return '(an unreadable URL)';
  }
}

/** SQLSTATE classes and Node error codes that mean "the server cannot be used", not "this statement is wrong". */
const UNAVAILABLE_SQLSTATE = /^(08|28|3D|53|57|58)/;
const UNAVAILABLE_ERRNO = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ETIMEDOUT',
  'EHOSTUNREACH',
]);

/** The reason to report for a failure that makes the server unusable, or undefined for any other error. */
export function unavailableReason(err: unknown): string | undefined {
  if (err instanceof StagepassError) return undefined;
  const code = (err as { code?: unknown }).code;
  if (typeof code === 'string' && (UNAVAILABLE_ERRNO.has(code) || UNAVAILABLE_SQLSTATE.test(code))) return code;
  const message = err instanceof Error ? err.message : '';
  if (/timeout|terminated|Connection ended|not queryable|ended unexpectedly/i.test(message)) return 'CONNECTION_LOST';
  return undefined;
}

/** A readable cause: pg's own message, which names no password (e.g. `password authentication failed for user "x"`). */
function causeText(err: unknown, reason: string): string {
  const message = err instanceof Error ? err.message : String(err);
  return message === '' || message.includes('://') ? reason : `${message}; ${reason}`;
}

/**
 * The failure as ERR_DATABASE_UNAVAILABLE (`details.reason`: the errno or SQLSTATE) when it makes the
 * server unusable; any other error as it is.
 */
export function asUnavailable(err: unknown, where: string): unknown {
  const reason = unavailableReason(err);
  if (reason === undefined) return err;
  return new StagepassError(
    'ERR_DATABASE_UNAVAILABLE',
    `the PostgreSQL app registry at ${where} cannot be used (${causeText(err, reason)})`,
    { details: { reason, where }, cause: err },
  );
}

export function createPostgresStore(pool: pg.Pool, url: string, now: () => number): PostgresStore {
  const where = describeUrl(url);
  return {
    pool,
    now,
    nowSeconds: () => Math.floor(now() / 1000),
    where,
    async query<R extends pg.QueryResultRow>(text: string, values?: readonly unknown[]) {
      try {
        return await pool.query<R>(text, values as unknown[] | undefined);
      } catch (err) {
        throw asUnavailable(err, where);
      }
    },
    async transaction(fn) {
      let client: pg.PoolClient;
      try {
        client = await pool.connect();
      } catch (err) {
        throw asUnavailable(err, where);
      }
      let broken = false;
      try {
        await client.query('BEGIN');
        const result = await fn(client);
        await client.query('COMMIT');
        return result;
      } catch (err) {
        broken = unavailableReason(err) !== undefined;
        if (!broken) await client.query('ROLLBACK').catch(() => undefined);
        throw asUnavailable(err, where);
      } finally {
        client.release(broken);
      }
    },
  };
}
