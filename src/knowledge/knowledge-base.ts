// prompts/knowledge/*.md and *.txt, indexed for search and re-indexed when a file changes, without a restart. Several
// instances share one index: the one that first sees new files indexes them, the others find that version there.
import { createHash } from 'node:crypto';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { Logger } from '../logger.js';
import type { KnowledgeHit, KnowledgeIndex } from '../store/storage.js';
import { placeholderWarning, shippedExampleWarning } from '../prompts/examples.js';
import { commentFree, readPromptFile } from '../prompts/prompt-text.js';
import { RECHECK_MS, recheckEvery } from '../prompts/watched-file.js';
import { splitSections, type Section } from './sections.js';
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
const SECTIONING_VERSION = 3;

/** Notepad saves .txt: plain text is Markdown without marks, so both are read the same way. */
const READ = /\.(md|markdown|txt)$/i;

interface Listing {
  read: string[];
  /** What is in the folder but not read, named in the log so that a file saved as .docx is not a silent mystery. */
  ignored: string[];
}

function listFolder(dir: string): Listing {
  const listing: Listing = { read: [], ignored: [] };
  let entries;
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch {
    return listing;
  }
  for (const entry of entries) {
    const name = entry.name;
    // Hidden files and editors' backups (.DS_Store, .faq.md.swp, faq.md~) are nobody's knowledge; README is about the folder.
    if (name.startsWith('.') || name.endsWith('~') || /^readme\.(md|markdown|txt)$/i.test(name)) continue;
    if (entry.isDirectory()) listing.ignored.push(`${name}/`);
    // Not a pipe or a device, whatever its name: reading one would wait forever.
    else if (READ.test(name) && (entry.isFile() || entry.isSymbolicLink())) listing.read.push(name);
    else listing.ignored.push(name);
  }
  listing.read.sort();
  listing.ignored.sort();
  return listing;
}

/** Changes whenever a file is added, removed or edited. */
function folderStamp(dir: string, listing: Listing): string {
  return [
    ...listing.read.map((name) => {
      try {
        const st = statSync(join(dir, name));
        return `${name}:${st.size}:${st.mtimeMs}`;
      } catch {
        return `${name}:gone`;
      }
    }),
    ...listing.ignored,
  ].join('|');
}

/**
 * Reads the folder at once, throwing a PromptFileError for a file it cannot use (not UTF-8, say), as the other prompt
 * files do at startup. After that, a file that becomes unusable is logged and its last good version stays indexed.
 */
export function createKnowledgeBase(deps: { index: KnowledgeIndex; dir: string; logger: Logger; recheckMs?: number }): KnowledgeBase {
  const { dir, logger } = deps;
  const lastGood = new Map<string, Section[]>();

  function readFile(name: string): Section[] {
    const path = join(dir, name);
    const file = readPromptFile(path);
    if (file === null) return []; // removed since the folder was listed
    const { text, lines } = commentFree(file, path);
    for (const warning of [shippedExampleWarning('markdown', text, path), placeholderWarning(path, lines)]) {
      if (warning) logger.warn({ file: path }, warning);
    }
    return splitSections(name, text);
  }

  function readFolder(listing: Listing, strict: boolean): Section[] {
    if (listing.ignored.length > 0) {
      logger.warn({ files: listing.ignored }, `${dir}: not read: ${listing.ignored.join(', ')} (only .md and .txt files are read: save a document as plain text to use it)`);
    }
    for (const name of lastGood.keys()) if (!listing.read.includes(name)) lastGood.delete(name);
    return listing.read.flatMap((name) => {
      try {
        const sections = readFile(name);
        lastGood.set(name, sections);
        return sections;
      } catch (error) {
        if (strict) throw error;
        const kept = lastGood.get(name);
        const what = kept ? 'knowledge file rejected; keeping its last good version' : 'knowledge file rejected; it is left out until it is fixed';
        logger.error({ file: join(dir, name), err: (error as Error).message }, what);
        return kept ?? [];
      }
    });
  }

  async function reindex(sections: Section[], files: number) {
    // The version is the content, not the files' times: instances on other machines hold the same files with other times.
    const version = createHash('sha256').update(JSON.stringify([SECTIONING_VERSION, sections])).digest('hex');
    const indexed = await deps.index.replace(sections, version);
    if (indexed) logger.info({ files, sections: sections.length }, 'knowledge base indexed');
    else logger.debug({ files, sections: sections.length }, 'knowledge base already indexed');
  }

  let indexing: Promise<void> = Promise.resolve();
  let stamp: string | null = null;
  function indexNow(sections: Section[], files: number, now: string) {
    stamp = now;
    indexing = indexing
      .then(() => reindex(sections, files))
      .catch((error: unknown) => {
        stamp = null; // try again at the next look
        logger.error({ err: (error as Error).message }, 'could not index the knowledge base');
      });
  }

  const first = listFolder(dir);
  const firstStamp = folderStamp(dir, first);
  indexNow(readFolder(first, true), first.read.length, firstStamp);
  const due = recheckEvery(deps.recheckMs ?? RECHECK_MS);
  due();

  function refresh(): Promise<void> {
    if (!due()) return indexing;
    const listing = listFolder(dir);
    const now = folderStamp(dir, listing);
    if (now === stamp) return indexing;
    indexNow(readFolder(listing, false), listing.read.length, now);
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
