// A file that is re-read when it changes on disk, keeping the last good version when an edit is broken.
import { statSync } from 'node:fs';
import type { Logger } from '../logger.js';
import { readPromptFile } from './prompt-text.js';

export { PromptFileError } from './prompt-file-error.js';

export interface WatchedFile<T> {
  /** The current value; re-reads the file first if it changed since the last call. */
  get(): T;
}

function stampOf(path: string): string {
  try {
    const st = statSync(path);
    return `${st.ino}:${st.size}:${st.mtimeMs}`;
  } catch {
    return 'missing';
  }
}

/** How often the files are looked at again: edits apply within a second, without a stat on every message. */
export const RECHECK_MS = 1000;

/** True at most once per `intervalMs` (always when it is 0). */
export function recheckEvery(intervalMs: number): () => boolean {
  let last = -Infinity;
  return () => {
    const now = performance.now();
    if (now - last < intervalMs) return false;
    last = now;
    return true;
  };
}

/**
 * `parse` gets the file's text, or null when the file is missing, and throws a PromptFileError to reject it; a file
 * that is not UTF-8 is rejected before it.
 * A periodic stat, unlike fs.watch, works on every filesystem and with every editor.
 */
export function watchFile<T>(
  path: string,
  parse: (text: string | null) => T,
  logger: Logger,
  recheckMs = RECHECK_MS,
  /** False for a file that appears while the server runs: broken, it is treated as missing until it is fixed. */
  firstReadThrows = true,
): WatchedFile<T> {
  let stamp = stampOf(path);
  let value: T;
  try {
    // The first read throws: a broken file at startup must stop the server with a clear message.
    value = parse(stamp === 'missing' ? null : readPromptFile(path));
  } catch (error) {
    if (firstReadThrows) throw error;
    logger.error({ file: path, err: String(error instanceof Error ? error.message : error) }, 'prompt file rejected; doing without it until it is fixed');
    value = parse(null);
  }
  const due = recheckEvery(recheckMs);
  due();
  return {
    get() {
      if (!due()) return value;
      const now = stampOf(path);
      if (now === stamp) return value;
      stamp = now;
      try {
        value = parse(now === 'missing' ? null : readPromptFile(path));
        logger.info({ file: path }, 'prompt file reloaded');
      } catch (error) {
        logger.error({ file: path, err: String(error instanceof Error ? error.message : error) }, 'prompt file rejected; keeping the last good version');
      }
      return value;
    },
  };
}
