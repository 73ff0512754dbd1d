// Connects to PostgreSQL (DATABASE_URL) and applies the migrations in drizzle-pg/, one instance at a time.
import { fileURLToPath } from 'node:url';
import { drizzle } from 'drizzle-orm/node-postgres';
import { migrate } from 'drizzle-orm/node-postgres/migrator';
import pg from 'pg';
import { withoutNul } from '../../util/nul.js';
import { describeUrl } from '../database-url.js';
import { DatabaseOpenError, isConnectTimeout } from '../db.js';

const migrationsFolder = fileURLToPath(new URL('../../../drizzle-pg', import.meta.url));

/** Any number the instances agree on: the advisory lock that makes migrating one at a time. */
const MIGRATION_LOCK = 7_305_001;

const INT8 = 20;
const NUMERIC = 1700;
// Ids, times and counts are bigint; node-postgres returns them as strings unless told otherwise. Every value we store
// is far below 2^53 (ids, milliseconds since 1970, counts), so a JavaScript number holds it exactly.
const types = {
  getTypeParser: ((oid: number, format?: string) =>
    oid === INT8 || oid === NUMERIC ? (value: string) => Number(value) : pg.types.getTypeParser(oid, format as 'text')) as typeof pg.types.getTypeParser,
};

/** A parameter as PostgreSQL can take it: text (also inside an array) without NUL, which text columns refuse. */
function storable(value: unknown): unknown {
  if (typeof value === 'string') return withoutNul(value);
  if (Array.isArray(value)) return value.map(storable);
  return value;
}

/**
 * A connection that keeps NUL out of every text it sends. Whatspie's text is cleaned where it enters
 * (whatspie/inbound.ts), so both backends store it alike; this is the guard for every other text we write (a model's
 * handoff reason, a voice note's transcript, an error text from elsewhere), which would otherwise fail its statement and lose the row.
 */
class NulSafeClient extends pg.Client {}
const sendQuery = pg.Client.prototype.query as (this: pg.Client, config: unknown, values?: unknown, callback?: unknown) => unknown;
NulSafeClient.prototype.query = function (this: pg.Client, config: unknown, values?: unknown, callback?: unknown) {
  if (Array.isArray(values)) return sendQuery.call(this, config, values.map(storable), callback);
  const query = config as { submit?: unknown; values?: unknown };
  if (typeof query === 'object' && query !== null && typeof query.submit !== 'function' && Array.isArray(query.values)) {
    return sendQuery.call(this, { ...query, values: query.values.map(storable) }, values, callback);
  }
  return sendQuery.call(this, config, values, callback);
} as typeof pg.Client.prototype.query;

function explain(url: string, error: unknown): DatabaseOpenError {
  const { code, message, syscall } = error as { code?: string; message?: string; syscall?: string };
  const why =
    code === 'ECONNREFUSED' ? 'connection refused (is PostgreSQL running, and on that port?)'
    : code === 'ENOTFOUND' || code === 'EAI_AGAIN' ? 'the host name does not resolve'
    : code === '28P01' || code === '28000' ? 'the user name or password is not accepted'
    : code === '3D000' ? 'that database does not exist (create it: createdb NAME)'
    : code === '42501' ? 'this user may not create tables in that database'
    // A system error's message names the address it tried, which a malformed URL may have taken from the password.
    : syscall ? `${syscall} ${code ?? 'failed'}`
    : message ?? String(error);
  return new DatabaseOpenError(`cannot open the database ${describeUrl(url)}: ${why}`);
}

export interface PoolOptions {
  /** At most this many connections per instance (DATABASE_POOL_SIZE). */
  max: number;
  /** Called when an idle connection fails (a restarted server): logged, never a crash. */
  onError(error: Error): void;
  /**
   * How long opening a connection may take (DATABASE_CONNECT_TIMEOUT_MS, default 3 s: inside a webhook's 5-s window).
   * A machine kept busy by other programs needs more: PostgreSQL starts a process per connection, and ten at once can
   * take longer there; so do the command-line tools, which no window bounds.
   */
  connectTimeoutMs?: number;
}

/**
 * A bounded pool. SSL is what the URL asks for (`?sslmode=require`, `?ssl=true`, `sslrootcert=…`): node-postgres
 * reads those parameters itself.
 */
export async function connectPostgres(url: string, options: PoolOptions): Promise<pg.Pool> {
  const connectTimeoutMs = options.connectTimeoutMs ?? 3000;
  const pool = new pg.Pool({ connectionString: url, max: options.max, connectionTimeoutMillis: connectTimeoutMs, idleTimeoutMillis: 30_000, types, Client: NulSafeClient });
  pool.on('error', options.onError);
  try {
    const client = await pool.connect();
    try {
      // Two instances starting at once on an empty database would both create the tables: one migrates, the other
      // waits here and then finds nothing left to do.
      await client.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK]);
      try {
        await migrate(drizzle(client), { migrationsFolder });
      } finally {
        await client.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK]);
      }
    } finally {
      client.release();
    }
    return pool;
  } catch (error) {
    await pool.end().catch(() => {});
    // The pool's own timeout wraps what the ended connection said ("Connection terminated unexpectedly"): the wait
    // is the news, and the setting that bounds it.
    if (isConnectTimeout(error)) {
      throw new DatabaseOpenError(`cannot open the database ${describeUrl(url)}: no answer within ${connectTimeoutMs} ms (the server waits DATABASE_CONNECT_TIMEOUT_MS): are the host and port right, and is the database not overloaded?`);
    }
    throw explain(url, (error as { cause?: unknown }).cause ?? error);
  }
}

/** Runs `work` on one connection inside a transaction: committed when it resolves, rolled back when it throws. */
export async function inTransaction<T>(pool: pg.Pool, work: (client: pg.PoolClient) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    const result = await work(client);
    await client.query('COMMIT');
    return result;
  } catch (error) {
    await client.query('ROLLBACK').catch(() => {});
    throw error;
  } finally {
    client.release();
  }
}
