// The knowledge index on SQLite: an FTS5 table (see drizzle/0002_knowledge_index.sql) in the conversation database.
import type { Statement } from 'better-sqlite3';
import type { Db } from './db.js';
import { readSetting } from './queries.js';
import type { KnowledgeHit, KnowledgeIndex } from './storage.js';

/** The settings key holding the version of the files the index was built from. */
export const KNOWLEDGE_VERSION_KEY = 'knowledge_version';

// Terms are letters and digits only (see knowledge/terms.ts), so quoting each is enough to keep FTS5 syntax out.
const ftsQuery = (terms: string[]) => terms.map((t) => `"${t}"`).join(' OR ');

export function sqliteKnowledge(db: Db): KnowledgeIndex {
  const sqlite = db.$client;
  // Prepared once: preparing the FTS query cost more than running it.
  const search: Statement = sqlite.prepare('SELECT rowid, file, heading, body FROM knowledge WHERE knowledge MATCH ? ORDER BY bm25(knowledge, 0, 3.0, 1.0) LIMIT ?');
  const matchesOne: Statement = sqlite.prepare('SELECT 1 FROM knowledge WHERE rowid = ? AND knowledge MATCH ?');
  const insert = sqlite.prepare('INSERT INTO knowledge (file, heading, body) VALUES (?, ?, ?)');
  const replace = sqlite.transaction((sections: { file: string; heading: string; body: string }[], version: string) => {
    if (readSetting(db, KNOWLEDGE_VERSION_KEY) === version) return false;
    sqlite.prepare('DELETE FROM knowledge').run();
    for (const s of sections) insert.run(s.file, s.heading, s.body);
    sqlite.prepare('INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value').run(KNOWLEDGE_VERSION_KEY, version);
    return true;
  });
  return {
    async replace(sections, version) {
      return replace.immediate(sections, version);
    },
    async search(input) {
      if (input.terms.length === 0 || input.limit <= 0) return [];
      return search.all(ftsQuery(input.terms), input.limit) as KnowledgeHit[];
    },
    async countMatchingTerms(input) {
      return input.terms.filter((term) => matchesOne.get(input.rowid, ftsQuery([term])) !== undefined).length;
    },
  };
}
