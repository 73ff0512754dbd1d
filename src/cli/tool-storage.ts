// The database as the command-line tools open it: a PostgreSQL URL, or a SQLite file opened read-only by the commands
// that only read, so that they can never disturb the server (PostgreSQL's readers never block its writers anyway).
import { silentLogger } from '../logger.js';
import { isOtherUrl, isPostgresUrl } from '../store/database-url.js';
import { openStorageAt } from '../store/open-storage.js';
import type { Storage } from '../store/storage.js';
import { requireDatabase } from './args.js';

/** How long a tool waits for a PostgreSQL connection: no webhook window bounds it, and a busy server is no error. */
const CONNECT_TIMEOUT_MS = 10_000;

/** `mayCreate`: a command that writes may start the SQLite file (operators add before the first server start). */
export function openToolStorage(where: string, options: { writes: boolean; mayCreate?: boolean }): Promise<Storage> {
  const isFile = !isPostgresUrl(where) && !isOtherUrl(where);
  if (isFile && !(options.writes && options.mayCreate)) requireDatabase(where);
  return openStorageAt(where, { logger: silentLogger, poolSize: 2, readonly: !options.writes, busyTimeoutMs: 5000, connectTimeoutMs: CONNECT_TIMEOUT_MS });
}
