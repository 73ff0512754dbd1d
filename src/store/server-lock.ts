// One server per SQLite file. A customer's turns, bursts and redeliveries are kept in the server's memory (see
// sqlite-storage.ts), so a second server on the same file would answer the same customer at the same time, twice.
//
// The lock is SQLite's own file lock (fcntl) on a side file, `<database>.lock`, opened in exclusive locking mode: the
// operating system drops it when the process ends, however it ends (kill -9 included), so a stale lock cannot keep
// the next server from starting, as a file with a PID in it could. A side file rather than the database itself,
// because the tools (`npm run transcripts`, `npm run chat`) must go on opening the database while the server runs.
import { realpathSync } from 'node:fs';
import Database from 'better-sqlite3';
import { createPrivately, DatabaseOpenError, explain } from './db.js';

export interface ServerLock {
  release(): void;
}

/** Holds the lock on the database at `databasePath` (created if missing) until released or the process ends. */
export function holdServerLock(databasePath: string): ServerLock {
  let lockPath: string;
  let lock: Database.Database;
  try {
    createPrivately(databasePath);
    // The same file by another path (a symlink, a relative path) takes the same lock.
    lockPath = `${realpathSync(databasePath)}.lock`;
    createPrivately(lockPath);
    lock = new Database(lockPath);
  } catch (error) {
    throw explain(databasePath, error);
  }
  try {
    lock.pragma('busy_timeout = 0');
    lock.pragma('locking_mode = EXCLUSIVE');
    // No -journal file beside it: there is nothing in it to keep.
    lock.pragma('journal_mode = MEMORY');
    // The first write lock taken in exclusive mode is held until the connection closes.
    lock.exec('BEGIN EXCLUSIVE; COMMIT');
  } catch (error) {
    lock.close();
    const code = (error as { code?: string }).code;
    if (code === 'SQLITE_BUSY' || code === 'SQLITE_LOCKED') {
      throw new DatabaseOpenError(
        `another server is already running on ${databasePath} (one SQLite file serves one server; for several instances use PostgreSQL: set DATABASE_URL, see "Running several instances" in the README)`,
      );
    }
    throw new DatabaseOpenError(`cannot take the lock ${lockPath} that keeps a second server off the database: ${(error as Error).message}`);
  }
  return { release: () => lock.close() };
}
