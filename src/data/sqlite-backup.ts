// Backups of a SQLite database and its kept files, and their restore.
//
// Layout of a backup FILE: FILE is a SQLite database (one self-contained file, journal mode DELETE), a consistent copy
// made with SQLite's online backup API while the server runs; FILE.media/ beside it holds the kept files the copy's
// records name, as <day>/<message id>.<ext>, and in the copy each message's media_path is that relative name. A
// restore puts the files into MEDIA_DIR and the records' paths back to MEDIA_DIR/<day>/<file>.
import { copyFileSync, existsSync, mkdirSync, renameSync, rmSync, statSync } from 'node:fs';
import { dirname, isAbsolute, join } from 'node:path';
import Database from 'better-sqlite3';
import { createPrivately, DatabaseOpenError } from '../store/db.js';
import { holdServerLock } from '../store/server-lock.js';
import { placeInMediaDir } from './kept-files.js';

export const mediaFolderOf = (backupFile: string) => `${backupFile}.media`;

export class DataError extends Error {
  override name = 'DataError';
}

function openExisting(path: string, what: string): Database.Database {
  if (!existsSync(path)) throw new DataError(`no ${what} at ${path}`);
  try {
    const db = new Database(path, { readonly: true, fileMustExist: true });
    db.prepare('SELECT count(*) FROM messages').get();
    return db;
  } catch (error) {
    throw new DataError(`${path} is not a database of this program: ${(error as Error).message}`);
  }
}

function copyPrivately(from: string, to: string): void {
  mkdirSync(dirname(to), { recursive: true, mode: 0o700 });
  copyFileSync(from, to);
}

export interface BackupResult {
  messages: number;
  files: number;
  /** Kept files the records name that were not on disk (deleted by hand, or on another machine). */
  missing: number;
  bytes: number;
}

/** A consistent copy of the database (the server may run) and of the kept files its records name. */
export async function backupSqlite(input: { database: string; mediaDir: string; target: string }): Promise<BackupResult> {
  const { database, mediaDir, target } = input;
  if (existsSync(target)) throw new DataError(`${target} exists already: name a new file (a backup never overwrites one)`);
  const media = mediaFolderOf(target);
  if (existsSync(media)) throw new DataError(`${media} exists already: name a new file`);
  const source = openExisting(database, 'database');
  const partial = `${target}.partial`;
  try {
    rmSync(partial, { force: true });
    createPrivately(partial);
    // Page by page, a few at a time: the server goes on writing meanwhile, and the copy is of one moment.
    await source.backup(partial);
  } finally {
    source.close();
  }
  const copy = new Database(partial);
  let result: BackupResult;
  try {
    const rows = copy.prepare('SELECT id, media_path AS path FROM messages WHERE media_path IS NOT NULL').all() as { id: number; path: string }[];
    const relink = copy.prepare('UPDATE messages SET media_path = ? WHERE id = ?');
    let files = 0;
    let missing = 0;
    copy.transaction(() => {
      for (const row of rows) {
        const place = placeInMediaDir(row.path, mediaDir);
        const from = isAbsolute(row.path) || existsSync(row.path) ? row.path : join(mediaDir, place);
        if (existsSync(from)) {
          copyPrivately(from, join(media, place));
          files += 1;
        } else missing += 1;
        relink.run(place, row.id);
      }
    })();
    copy.pragma('journal_mode = DELETE');
    const { n } = copy.prepare('SELECT count(*) AS n FROM messages').get() as { n: number };
    result = { messages: n, files, missing, bytes: 0 };
  } finally {
    copy.close();
  }
  renameSync(partial, target);
  return { ...result, bytes: statSync(target).size };
}

export interface RestoreResult {
  messages: number;
  contacts: number;
  files: number;
}

/**
 * Replaces the database at `database` with the backup and puts its files into MEDIA_DIR. Refuses, whatever the
 * caller says, while a server runs on `database`: it holds the server's lock (server-lock.ts) for the whole restore,
 * so that no server starts on a half-restored file either. `confirm` is asked when the database holds data.
 */
export async function restoreSqlite(input: { backup: string; database: string; mediaDir: string; confirm: (what: string) => Promise<boolean> }): Promise<RestoreResult | null> {
  const { backup, database, mediaDir } = input;
  const source = openExisting(backup, 'backup');
  let lock;
  try {
    try {
      lock = holdServerLock(database);
    } catch (error) {
      if (error instanceof DatabaseOpenError && /already running/.test(error.message)) {
        throw new DataError(`a server is running on ${database}: stop it first (a restore replaces the database under it). Nothing was changed.`);
      }
      throw error;
    }
    const existing = existsSync(database) && statSync(database).size > 0 ? new Database(database, { readonly: true }) : null;
    if (existing) {
      let held: { contacts: number; messages: number };
      try {
        held = existing.prepare('SELECT (SELECT count(*) FROM contacts) AS contacts, (SELECT count(*) FROM messages) AS messages').get() as typeof held;
      } catch {
        held = { contacts: 0, messages: 0 };
      } finally {
        existing.close();
      }
      if (!(await input.confirm(`${database} exists (${held.contacts} contacts, ${held.messages} messages) and will be replaced by the backup`))) return null;
    }
    const partial = `${database}.restoring`;
    rmSync(partial, { force: true });
    createPrivately(partial);
    await source.backup(partial);
    const copy = new Database(partial);
    let result: RestoreResult;
    try {
      const rows = copy.prepare('SELECT id, media_path AS path FROM messages WHERE media_path IS NOT NULL').all() as { id: number; path: string }[];
      const relink = copy.prepare('UPDATE messages SET media_path = ? WHERE id = ?');
      let files = 0;
      copy.transaction(() => {
        for (const row of rows) {
          const place = isAbsolute(row.path) ? placeInMediaDir(row.path, mediaDir) : row.path;
          const kept = join(mediaFolderOf(backup), place);
          if (existsSync(kept)) {
            copyPrivately(kept, join(mediaDir, place));
            files += 1;
          }
          relink.run(join(mediaDir, place), row.id);
        }
      })();
      copy.pragma('journal_mode = WAL');
      const counts = copy.prepare('SELECT (SELECT count(*) FROM contacts) AS contacts, (SELECT count(*) FROM messages) AS messages').get() as { contacts: number; messages: number };
      result = { ...counts, files };
    } finally {
      copy.close();
    }
    // The old database's write-ahead log belongs to the old file: left beside the new one, SQLite would replay it.
    rmSync(`${database}-wal`, { force: true });
    rmSync(`${database}-shm`, { force: true });
    renameSync(partial, database);
    return result;
  } finally {
    source.close();
    lock?.release();
  }
}
