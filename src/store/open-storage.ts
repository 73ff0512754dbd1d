// Opens the storage a database location names: a PostgreSQL URL, or a SQLite file (database-url.ts tells them apart).
import type { Logger } from '../logger.js';
import { describeDatabase, isOtherUrl, isPostgresUrl } from './database-url.js';
import { DatabaseOpenError } from './db.js';
import { openSqliteStorage } from './sqlite-storage.js';
import type { Storage } from './storage.js';

export interface OpenOptions {
  logger: Logger;
  /** PostgreSQL: connections at most (the server: DATABASE_POOL_SIZE; a tool needs one or two). */
  poolSize?: number;
  /** PostgreSQL: REPLY_DEADLINE_MS, which bounds how long a message holds its customer's next one. */
  deadlineMs?: number;
  /** PostgreSQL: how long opening a connection may take (the server: DATABASE_CONNECT_TIMEOUT_MS). */
  connectTimeoutMs?: number;
  now?: () => number;
  /** SQLite: open the file read-only (the tools that only read, so they can never disturb the server). */
  readonly?: boolean;
  /** SQLite: how long a write waits for another process's lock. */
  busyTimeoutMs?: number;
  /**
   * SQLite: refuse to open a file another server runs on, and hold it for this one until closed. The server only: the
   * tools open the file while the server runs.
   */
  serverLock?: boolean;
}

export async function openStorageAt(where: string, options: OpenOptions): Promise<Storage> {
  // Opened as a file, a mistyped URL would be created as one, and named with its password in every error.
  if (isOtherUrl(where)) throw new DatabaseOpenError(`cannot open the database ${describeDatabase(where)}`);
  if (isPostgresUrl(where)) {
    // Loaded only for PostgreSQL: node-postgres and its store are memory a SQLite server never needs.
    const { openPostgresStorage } = await import('./pg/storage.js');
    return openPostgresStorage({
      url: where,
      poolSize: options.poolSize ?? 2,
      deadlineMs: options.deadlineMs ?? 4500,
      logger: options.logger,
      ...(options.connectTimeoutMs !== undefined && { connectTimeoutMs: options.connectTimeoutMs }),
      ...(options.now && { now: options.now }),
    });
  }
  return openSqliteStorage(where, {
    ...(options.readonly !== undefined && { readonly: options.readonly }),
    ...(options.busyTimeoutMs !== undefined && { busyTimeoutMs: options.busyTimeoutMs }),
    ...(options.serverLock && { serverLock: true }),
  });
}
