// The knowledge index: an FTS5 table (see drizzle/0002_knowledge_index.sql) in the conversation database.
import type { Section } from '../knowledge/sections.js';
import type { Statement } from 'better-sqlite3';
import type { Db } from './db.js';

export interface KnowledgeHit extends Section {
  rowid: number;
}

// Prepared once per connection: preparing the FTS query cost more than running it.
const prepared = new WeakMap<Db, { search: Statement; matchesOne: Statement }>();

function statementsFor(db: Db) {
  let statements = prepared.get(db);
  if (!statements) {
    statements = {
      search: db.$client.prepare(
        'SELECT rowid, file, heading, body FROM knowledge WHERE knowledge MATCH ? ORDER BY bm25(knowledge, 0, 3.0, 1.0) LIMIT ?',
      ),
      matchesOne: db.$client.prepare('SELECT 1 FROM knowledge WHERE rowid = ? AND knowledge MATCH ?'),
    };
    prepared.set(db, statements);
  }
  return statements;
}

export function replaceKnowledge(db: Db, sections: Section[]): void {
  const sqlite = db.$client;
  const insert = sqlite.prepare('INSERT INTO knowledge (file, heading, body) VALUES (?, ?, ?)');
  sqlite.transaction(() => {
    sqlite.prepare('DELETE FROM knowledge').run();
    for (const s of sections) insert.run(s.file, s.heading, s.body);
  })();
}

/** Sections matching any of the terms, best first (FTS5's bm25; headings weigh more than bodies). */
export function searchKnowledge(db: Db, input: { terms: string[]; limit: number }): KnowledgeHit[] {
  if (input.terms.length === 0 || input.limit <= 0) return [];
  return statementsFor(db).search.all(ftsQuery(input.terms), input.limit) as KnowledgeHit[];
}

/** How many of the terms occur in one section, with FTS5's own stemming. */
export function countMatchingTerms(db: Db, input: { rowid: number; terms: string[] }): number {
  const statement = statementsFor(db).matchesOne;
  return input.terms.filter((term) => statement.get(input.rowid, ftsQuery([term])) !== undefined).length;
}

// Terms are letters and digits only (see knowledge/terms.ts), so quoting each is enough to keep FTS5 syntax out.
const ftsQuery = (terms: string[]) => terms.map((t) => `"${t}"`).join(' OR ');
