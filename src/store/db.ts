// Opens the SQLite file, applies the migrations in drizzle/, and hands out a typed drizzle handle.
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { drizzle, type BetterSQLite3Database } from 'drizzle-orm/better-sqlite3';
import { migrate } from 'drizzle-orm/better-sqlite3/migrator';
import * as schema from './schema.js';

export type Db = BetterSQLite3Database<typeof schema> & { $client: Database.Database };

const migrationsFolder = fileURLToPath(new URL('../../drizzle', import.meta.url));

/**
 * `busyTimeoutMs`: how long a write waits for another process's lock. better-sqlite3 waits synchronously, blocking
 * every request, so the server keeps it short and falls back instead; the command-line tools can wait longer.
 */
export function openDatabase(path: string, options: { readonly?: boolean; busyTimeoutMs?: number } = {}): Db {
  if (path !== ':memory:' && !options.readonly) mkdirSync(dirname(path), { recursive: true });
  const sqlite = new Database(path, { readonly: options.readonly ?? false, fileMustExist: options.readonly ?? false });
  sqlite.pragma(`busy_timeout = ${options.busyTimeoutMs ?? 2000}`);
  if (!options.readonly) {
    sqlite.pragma('journal_mode = WAL');
    // WAL + NORMAL survives a process crash with every committed transaction; only an OS crash can lose the last ones.
    sqlite.pragma('synchronous = NORMAL');
    sqlite.pragma('foreign_keys = ON');
  }
  const db = drizzle(sqlite, { schema });
  if (!options.readonly) migrate(db, { migrationsFolder });
  return db;
}
