// The SQLite storage: one file, one server process. Turns are a queue in memory, which is exact in one process.
import { createKeyedQueue } from '../util/keyed-queue.js';
import { sqliteConversations } from './conversation-store.js';
import { openDatabase, type Db } from './db.js';
import { sqliteKnowledge } from './knowledge.js';
import { sqliteOutbox } from './outbox.js';
import { initSetting, readSetting } from './queries.js';
import type { ContactTurns, Storage } from './storage.js';
import { sqliteReports } from './transcripts.js';

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

export function sqliteStorage(db: Db, location: string): SqliteStorage {
  return {
    backend: 'sqlite',
    location,
    db,
    conversations: sqliteConversations(db),
    outbox: sqliteOutbox(db),
    knowledge: sqliteKnowledge(db),
    reports: sqliteReports(db),
    settings: {
      read: async (key) => readSetting(db, key),
      init: async (key, value) => initSetting(db, key, value),
    },
    turns: inMemoryTurns(),
    async close() {
      db.$client.close();
    },
  };
}

/** Opens (and migrates) the SQLite file; see openDatabase for the options. */
export function openSqliteStorage(path: string, options: Parameters<typeof openDatabase>[1] = {}): SqliteStorage {
  return sqliteStorage(openDatabase(path, options), path);
}
