// The SQLite storage: one file, one server process. Turns are a queue in memory, which is exact in one process.
import { createKeyedQueue } from '../util/keyed-queue.js';
import { forgetContact, recordDeletion, retentionBatch } from './data-care.js';
import { runOnSqlite } from './steps.js';
import { describeTables } from './tables.js';
import { sqliteConsoleReads } from './console-reads.js';
import { sqliteConversations } from './conversation-store.js';
import { openDatabase, type Db } from './db.js';
import { sqliteKnowledge } from './knowledge.js';
import { sqliteOutbox } from './outbox.js';
import { initSetting, readSetting } from './queries.js';
import { holdServerLock, type ServerLock } from './server-lock.js';
import type { ContactTurns, Storage } from './storage.js';
import { sqliteReports } from './transcripts.js';
import { sqliteAccounts, sqliteAnnotations } from './sqlite-operators.js';

export type SqliteStorage = Storage & { readonly db: Db };

/** One process: a message's redeliveries are recognised in memory before they get here, so every claim succeeds. */
export function inMemoryTurns(): ContactTurns {
  const contacts = createKeyedQueue();
  return {
    async claim() {
      return true;
    },
    run(inbound, _deadlineAt, task) {
      const key = String(inbound.contactId);
      return contacts.run(key, () => task(contacts.waitingBehind(key) > 0));
    },
  };
}

export function sqliteStorage(db: Db, location: string, lock?: ServerLock): SqliteStorage {
  return {
    backend: 'sqlite',
    location,
    db,
    conversations: sqliteConversations(db),
    outbox: sqliteOutbox(db),
    knowledge: sqliteKnowledge(db),
    reports: sqliteReports(db),
    console: sqliteConsoleReads(db),
    settings: {
      read: async (key) => readSetting(db, key),
      init: async (key, value) => initSetting(db, key, value),
    },
    turns: inMemoryTurns(),
    data: {
      forgetContact: async (input) => runOnSqlite(db, forgetContact(input)),
      retentionBatch: async (input) => runOnSqlite(db, retentionBatch(input)),
      recordRetention: async ({ at, messages }) => runOnSqlite(db, recordDeletion({ at, kind: 'retention', by: 'retention', messages })),
      tables: async () => runOnSqlite(db, describeTables),
    },
    accounts: sqliteAccounts(db),
    annotations: sqliteAnnotations(db),
    async close() {
      db.$client.close();
      lock?.release();
    },
  };
}

/**
 * Opens (and migrates) the SQLite file; see openDatabase for the options. `serverLock`: refuse when another server
 * runs on the file, and keep others off it until closed (the server only: see server-lock.ts).
 */
export function openSqliteStorage(path: string, options: Parameters<typeof openDatabase>[1] & { serverLock?: boolean } = {}): SqliteStorage {
  const { serverLock, ...openOptions } = options;
  const lock = serverLock && path !== ':memory:' && path !== '' ? holdServerLock(path) : undefined;
  try {
    return sqliteStorage(openDatabase(path, openOptions), path, lock);
  } catch (error) {
    lock?.release();
    throw error;
  }
}
