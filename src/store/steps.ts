// Work on the data that must run the same on both backends (retention, forgetting a customer, the tables' shape) is
// written once, as a generator that yields its statements one by one and receives each one's rows: the SQLite runner
// drives it synchronously inside one transaction (nothing else can slip into it between two statements), the
// PostgreSQL runner asynchronously inside one transaction on one connection. Statements use `?` placeholders and SQL
// that both dialects read alike; where they differ, the generator asks `dialect`.
import type pg from 'pg';
import type { Db } from './db.js';

export type Dialect = 'sqlite' | 'postgres';
export type Row = Record<string, unknown>;
export interface Statement {
  sql: string;
  params?: unknown[];
}
/** Yields statements, receives their rows (for a statement that returns none: one row `{ changes }`), returns T. */
export type Steps<T> = Generator<Statement, T, Row[]>;

const returnsRows = (sql: string) => /^\s*(SELECT|WITH|PRAGMA)\b/i.test(sql) || /\bRETURNING\b/i.test(sql);

/** Runs the steps on SQLite in one transaction (IMMEDIATE: it writes). */
export function runOnSqlite<T>(db: Db, steps: (dialect: Dialect) => Steps<T>): T {
  const client = db.$client;
  return client.transaction(() => {
    const work = steps('sqlite');
    let next = work.next();
    while (!next.done) {
      const statement = client.prepare(next.value.sql);
      const params = next.value.params ?? [];
      const rows = statement.reader ? (statement.all(...params) as Row[]) : [{ changes: statement.run(...params).changes }];
      next = work.next(rows);
    }
    return next.value;
  }).immediate();
}

/** `?` → `$1`, `$2`… (no statement of ours holds a literal question mark). */
const numbered = (sql: string) => {
  let n = 0;
  return sql.replace(/\?/g, () => `$${++n}`);
};

/** Runs the steps on PostgreSQL on one connection, in one transaction. */
export async function runOnPostgres<T>(client: pg.PoolClient | pg.Client, steps: (dialect: Dialect) => Steps<T>): Promise<T> {
  await client.query('BEGIN');
  try {
    const work = steps('postgres');
    let next = work.next();
    while (!next.done) {
      const result = await client.query(numbered(next.value.sql), next.value.params ?? []);
      next = work.next(returnsRows(next.value.sql) ? (result.rows as Row[]) : [{ changes: result.rowCount ?? 0 }]);
    }
    await client.query('COMMIT');
    return next.value;
  } catch (error) {
    await client.query('ROLLBACK').catch(() => {});
    throw error;
  }
}

/** `(?, ?, ?)` for a list of values. */
export const placeholders = (values: readonly unknown[]) => `(${values.map(() => '?').join(', ')})`;

/** Double-quoted identifier (every name comes from the database's own catalogue, never from outside). */
export const quoted = (name: string) => `"${name.replaceAll('"', '""')}"`;
