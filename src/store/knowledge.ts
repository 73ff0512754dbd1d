// The knowledge index on SQLite: an FTS5 table (see drizzle/0002_knowledge_index.sql) in the conversation database.
//
// Its tokenizer (porter) stems English on both sides, but Indonesian needs a stemmer of its own, which FTS5 cannot
// be given from JavaScript. So each heading and body is stored followed by a separator and the Indonesian forms of
// its words (knowledge/stems.ts), and each term of a question is looked up as itself OR its forms: a word matches
// when either language's stemming makes it match, as on PostgreSQL. What follows the separator is cut off on the
// way out, so callers see the section as written.
import type { Statement } from 'better-sqlite3';
import { indonesianForms, indonesianFormsOfText } from '../knowledge/stems.js';
import type { Db } from './db.js';
import { readSetting } from './queries.js';
import type { KnowledgeHit, KnowledgeIndex } from './storage.js';

/** The settings key holding the version of the files the index was built from. */
export const KNOWLEDGE_VERSION_KEY = 'knowledge_version';

/**
 * Changes whenever what is stored for a section changes, knowledge/stems.ts giving other forms included, so that an
 * index written by an older version is rebuilt even when the files did not change. 2: the Indonesian forms.
 */
const INDEX_FORMAT = 2;

/** The unit separator: never part of a word, so FTS5 reads it as a space, and never part of a form. */
const FORMS = '\u001f';

const withForms = (text: string) => `${text}${FORMS}${indonesianFormsOfText(text).join(' ')}`;
const withoutForms = (stored: string) => {
  const cut = stored.lastIndexOf(FORMS);
  return cut === -1 ? stored : stored.slice(0, cut);
};

// Terms and their forms are letters and digits only (see knowledge/terms.ts), so quoting each is enough to keep FTS5
// syntax out.
const termQuery = (term: string) => [term, ...indonesianForms(term)].map((t) => `"${t}"`).join(' OR ');
const ftsQuery = (terms: string[]) => terms.map(termQuery).join(' OR ');

export function sqliteKnowledge(db: Db): KnowledgeIndex {
  const sqlite = db.$client;
  // Prepared once: preparing the FTS query cost more than running it.
  const search: Statement = sqlite.prepare('SELECT rowid, file, heading, body FROM knowledge WHERE knowledge MATCH ? ORDER BY bm25(knowledge, 0, 3.0, 1.0) LIMIT ?');
  const matchesOne: Statement = sqlite.prepare('SELECT 1 FROM knowledge WHERE rowid = ? AND knowledge MATCH ?');
  const insert = sqlite.prepare('INSERT INTO knowledge (file, heading, body) VALUES (?, ?, ?)');
  const replace = sqlite.transaction((sections: { file: string; heading: string; body: string }[], filesVersion: string) => {
    const version = `${INDEX_FORMAT}:${filesVersion}`;
    if (readSetting(db, KNOWLEDGE_VERSION_KEY) === version) return false;
    sqlite.prepare('DELETE FROM knowledge').run();
    for (const s of sections) insert.run(s.file, withForms(s.heading), withForms(s.body));
    sqlite.prepare('INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value').run(KNOWLEDGE_VERSION_KEY, version);
    return true;
  });
  return {
    async replace(sections, version) {
      return replace.immediate(sections, version);
    },
    async search(input) {
      if (input.terms.length === 0 || input.limit <= 0) return [];
      const hits = search.all(ftsQuery(input.terms), input.limit) as KnowledgeHit[];
      return hits.map((hit): KnowledgeHit => ({ ...hit, heading: withoutForms(hit.heading), body: withoutForms(hit.body) }));
    },
    async countMatchingTerms(input) {
      return input.terms.filter((term) => matchesOne.get(input.rowid, termQuery(term)) !== undefined).length;
    },
  };
}
