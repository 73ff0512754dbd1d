// Opens the SQLite file, applies the migrations in drizzle/, and hands out a typed drizzle handle.
import { closeSync, mkdirSync, openSync } from 'node:fs';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { drizzle, type BetterSQLite3Database } from 'drizzle-orm/better-sqlite3';
import { migrate } from 'drizzle-orm/better-sqlite3/migrator';
import * as schema from './schema.js';

export type Db = BetterSQLite3Database<typeof schema> & { $client: Database.Database };

const migrationsFolder = fileURLToPath(new URL('../../drizzle', import.meta.url));

/** The database cannot be opened or written; the message names the file and says what to check. */
export class DatabaseOpenError extends Error {
  override name = 'DatabaseOpenError';
}

/**
 * A PostgreSQL connection not opened within DATABASE_CONNECT_TIMEOUT_MS. node-postgres says so in two ways: the
 * pool's wait for a free connection, and the new connection's own timeout.
 */
export const isConnectTimeout = (error: unknown): boolean =>
  /timeout exceeded when trying to connect|terminated due to connection timeout/i.test((error as Error | undefined)?.message ?? '');

const READ_ONLY = 'the file or its folder is read-only for this user, and the server must write to both';

/** Why the database at `path` cannot be opened, in words an operator can act on. */
export function explain(path: string, error: unknown): DatabaseOpenError {
  const { code, message, syscall } = error as { code?: string; message?: string; syscall?: string };
  const why =
    code === 'SQLITE_NOTADB' ? 'the file is not a SQLite database (point DATABASE_PATH at another file)'
    : code === 'SQLITE_CANTOPEN' ? 'it cannot be opened (is it a folder, or does this user lack access to it?)'
    : code === 'EACCES' || code === 'EPERM' || code === 'EROFS' ? (syscall === 'mkdir' ? 'permission denied creating its folder' : READ_ONLY)
    : code?.startsWith('SQLITE_READONLY') ? READ_ONLY
    : code === 'ENOTDIR' ? 'a part of the path is a file, not a folder'
    : message ?? String(error);
  return new DatabaseOpenError(`cannot open the database ${path}: ${why}`);
}

/**
 * Creates the database's folder (0700) and an empty database file (0600) for the server's user alone: the file holds
 * every conversation and the webhook secret. SQLite itself would create the file 0644 less the umask (readable by
 * every user under the usual 022), and it gives the -wal and -shm files the mode of the database file. Folders and a
 * file that exist already are left as their owner made them.
 */
export function createPrivately(path: string): void {
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  try {
    closeSync(openSync(path, 'wx', 0o600));
  } catch (error) {
    if ((error as { code?: string }).code !== 'EEXIST') throw error;
  }
}

/**
 * `busyTimeoutMs`: how long a write waits for another process's lock. better-sqlite3 waits synchronously, blocking
 * every request, so the server keeps it short and falls back instead; the command-line tools can wait longer.
 */
export function openDatabase(path: string, options: { readonly?: boolean; busyTimeoutMs?: number } = {}): Db {
  let sqlite: Database.Database | undefined;
  try {
    if (path !== ':memory:' && path !== '' && !options.readonly) createPrivately(path);
    sqlite = new Database(path, { readonly: options.readonly ?? false, fileMustExist: options.readonly ?? false });
    sqlite.pragma(`busy_timeout = ${options.busyTimeoutMs ?? 2000}`);
    if (!options.readonly) {
      sqlite.pragma('journal_mode = WAL');
      // WAL + NORMAL survives a process crash with every committed transaction; only an OS crash can lose the last ones.
      sqlite.pragma('synchronous = NORMAL');
      sqlite.pragma('foreign_keys = ON');
    } else {
      // Reading a file that is not a database fails only at the first query: make it fail here, with its reason.
      sqlite.pragma('schema_version');
    }
    const db = drizzle(sqlite, { schema });
    if (!options.readonly) migrate(db, { migrationsFolder });
    return db;
  } catch (error) {
    sqlite?.close();
    // drizzle wraps the driver's error; the SQLite code is on its cause.
    throw explain(path, (error as { cause?: unknown }).cause ?? error);
  }
}
