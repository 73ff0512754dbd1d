// The knowledge index on PostgreSQL's full-text search.
//
// Which text search configuration: the knowledge files of Whatspie's users are in Indonesian, English, or both, and
// customers ask in either. One stemmer mangles the other language's words, and `simple` (no stemming) misses
// "shipping" for "ship" or "pengiriman" for "kirim". So every section is indexed with BOTH the `english` and the
// `indonesian` configurations (Snowball stemmers shipped with PostgreSQL), and every query asks both: a word matches
// when either stemmer makes it match. The cost is a tsvector about twice as large, on a few hundred sections.
import type pg from 'pg';
import type { KnowledgeHit, KnowledgeIndex } from '../storage.js';
import { KNOWLEDGE_VERSION_KEY } from '../knowledge.js';
import { inTransaction } from './connect.js';

/** The advisory lock that makes re-indexing one instance's job: the others find the version already there. */
const REINDEX_LOCK = 7_305_002;

// Terms are letters and digits only (knowledge/terms.ts), so joining them with | is a valid tsquery.
const QUERY = `(to_tsquery('english', $1) || to_tsquery('indonesian', $1))`;
// Headings (A) weigh three times as much as bodies (B), as in the SQLite index.
const RANK_WEIGHTS = '{0, 0, 0.33, 1}';

export function pgKnowledge(pool: pg.Pool): KnowledgeIndex {
  return {
    replace(sections, version) {
      return inTransaction(pool, async (client) => {
        await client.query('SELECT pg_advisory_xact_lock($1)', [REINDEX_LOCK]);
        const current = await client.query('SELECT value FROM settings WHERE key = $1', [KNOWLEDGE_VERSION_KEY]);
        if ((current.rows[0] as { value: string } | undefined)?.value === version) return false;
        await client.query('DELETE FROM knowledge');
        await client.query('INSERT INTO knowledge (file, heading, body) SELECT * FROM unnest($1::text[], $2::text[], $3::text[])', [
          sections.map((s) => s.file),
          sections.map((s) => s.heading),
          sections.map((s) => s.body),
        ]);
        await client.query('INSERT INTO settings (key, value) VALUES ($1, $2) ON CONFLICT (key) DO UPDATE SET value = excluded.value', [KNOWLEDGE_VERSION_KEY, version]);
        return true;
      });
    },
    async search({ terms, limit }) {
      if (terms.length === 0 || limit <= 0) return [];
      const { rows } = await pool.query(
        `SELECT id AS rowid, file, heading, body FROM knowledge CROSS JOIN (SELECT ${QUERY} AS q) AS query
          WHERE document @@ q ORDER BY ts_rank('${RANK_WEIGHTS}', document, q) DESC, id LIMIT $2`,
        [terms.join(' | '), limit],
      );
      return rows as KnowledgeHit[];
    },
    async countMatchingTerms({ rowid, terms }) {
      if (terms.length === 0) return 0;
      const { rows } = await pool.query(
        `SELECT count(*) AS n FROM knowledge, unnest($2::text[]) AS term
          WHERE id = $1 AND document @@ (to_tsquery('english', term) || to_tsquery('indonesian', term))`,
        [rowid, terms],
      );
      return (rows[0] as { n: number }).n;
    },
  };
}
