// prompts/knowledge/*.md, indexed for search and re-indexed when a file changes, without a restart. Several
// instances share one index: the one that first sees new files indexes them, the others find that version there.
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { Logger } from '../logger.js';
import type { KnowledgeHit, KnowledgeIndex } from '../store/storage.js';
import { RECHECK_MS, recheckEvery } from '../prompts/watched-file.js';
import { splitSections } from './sections.js';
import { searchTerms } from './terms.js';

export interface KnowledgeBase {
  /** The sections that best match the text, best first. */
  search(text: string, limit: number): Promise<KnowledgeHit[]>;
  /** The best section when it clearly answers the text (most of its words match), else null. */
  confidentAnswer(text: string): Promise<KnowledgeHit | null>;
  /** Indexes the files if they changed since the last look; resolves when the index is current. */
  refresh(): Promise<void>;
}

/** Bumped when the way files become sections changes, so that an index built by an older version is rebuilt. */
const SECTIONING_VERSION = 2;

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

export function createKnowledgeBase(deps: { index: KnowledgeIndex; dir: string; logger: Logger; recheckMs?: number }): KnowledgeBase {
  let stamp: string | null = null;
  let indexing: Promise<void> = Promise.resolve();
  const due = recheckEvery(deps.recheckMs ?? RECHECK_MS);

  async function reindex(files: string[]) {
    const sections = files.flatMap((name) => {
      try {
        return splitSections(name, readFileSync(join(deps.dir, name), 'utf8'));
      } catch (error) {
        deps.logger.error({ file: name, err: (error as Error).message }, 'cannot read knowledge file');
        return [];
      }
    });
    // The version is the content, not the files' times: instances on other machines hold the same files with other times.
    const version = createHash('sha256').update(JSON.stringify([SECTIONING_VERSION, sections])).digest('hex');
    const indexed = await deps.index.replace(sections, version);
    if (indexed) deps.logger.info({ files: files.length, sections: sections.length }, 'knowledge base indexed');
    else deps.logger.debug({ files: files.length, sections: sections.length }, 'knowledge base already indexed');
  }

  function refresh(): Promise<void> {
    if (!due()) return indexing;
    const files = markdownFiles(deps.dir);
    const now = folderStamp(deps.dir, files);
    if (now === stamp) return indexing;
    stamp = now;
    indexing = indexing
      .then(() => reindex(files))
      .catch((error: unknown) => {
        stamp = null; // try again at the next look
        deps.logger.error({ err: (error as Error).message }, 'could not index the knowledge base');
      });
    return indexing;
  }

  return {
    refresh,
    async search(text, limit) {
      const terms = searchTerms(text);
      if (terms.length === 0) return [];
      await refresh();
      return deps.index.search({ terms, limit });
    },
    async confidentAnswer(text) {
      const terms = searchTerms(text);
      if (terms.length === 0) return null;
      await refresh();
      const best = (await deps.index.search({ terms, limit: 1 }))[0];
      if (!best) return null;
      const matched = await deps.index.countMatchingTerms({ rowid: best.rowid, terms });
      return matched >= Math.min(2, terms.length) && matched / terms.length >= 0.5 ? best : null;
    },
  };
}
