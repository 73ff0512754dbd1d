// prompts/knowledge/*.md, indexed for search and re-indexed when a file changes, without a restart.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { Logger } from '../logger.js';
import type { Db } from '../store/db.js';
import { countMatchingTerms, replaceKnowledge, searchKnowledge, type KnowledgeHit } from '../store/knowledge.js';
import { RECHECK_MS, recheckEvery } from '../prompts/watched-file.js';
import { splitSections } from './sections.js';
import { searchTerms } from './terms.js';

export interface KnowledgeBase {
  /** The sections that best match the text, best first. */
  search(text: string, limit: number): KnowledgeHit[];
  /** The best section when it clearly answers the text (most of its words match), else null. */
  confidentAnswer(text: string): KnowledgeHit | null;
}

function markdownFiles(dir: string): string[] {
  try {
    return readdirSync(dir)
      .filter((name) => name.toLowerCase().endsWith('.md') && name.toLowerCase() !== 'readme.md')
      .sort();
  } catch {
    return [];
  }
}

/** Changes whenever a file is added, removed or edited. */
function folderStamp(dir: string, files: string[]): string {
  return files
    .map((name) => {
      try {
        const st = statSync(join(dir, name));
        return `${name}:${st.size}:${st.mtimeMs}`;
      } catch {
        return `${name}:gone`;
      }
    })
    .join('|');
}

export function createKnowledgeBase(deps: { db: Db; dir: string; logger: Logger; recheckMs?: number }): KnowledgeBase {
  let stamp: string | null = null;
  const due = recheckEvery(deps.recheckMs ?? RECHECK_MS);

  function refresh() {
    if (!due()) return;
    const files = markdownFiles(deps.dir);
    const now = folderStamp(deps.dir, files);
    if (now === stamp) return;
    stamp = now;
    const sections = files.flatMap((name) => {
      try {
        return splitSections(name, readFileSync(join(deps.dir, name), 'utf8'));
      } catch (error) {
        deps.logger.error({ file: name, err: (error as Error).message }, 'cannot read knowledge file');
        return [];
      }
    });
    replaceKnowledge(deps.db, sections);
    deps.logger.info({ files: files.length, sections: sections.length }, 'knowledge base indexed');
  }

  refresh();
  return {
    search(text, limit) {
      const terms = searchTerms(text);
      if (terms.length === 0) return [];
      refresh();
      return searchKnowledge(deps.db, { terms, limit });
    },
    confidentAnswer(text) {
      const terms = searchTerms(text);
      if (terms.length === 0) return null;
      refresh();
      const best = searchKnowledge(deps.db, { terms, limit: 1 })[0];
      if (!best) return null;
      const matched = countMatchingTerms(deps.db, { rowid: best.rowid, terms });
      return matched >= Math.min(2, terms.length) && matched / terms.length >= 0.5 ? best : null;
    },
  };
}
