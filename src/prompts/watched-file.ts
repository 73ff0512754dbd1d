// A file that is re-read when it changes on disk, keeping the last good version when an edit is broken.
import { readFileSync, statSync } from 'node:fs';
import type { Logger } from '../logger.js';

export class PromptFileError extends Error {
  override name = 'PromptFileError';
}

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

/**
 * `parse` gets the file's text, or null when the file is missing, and throws a PromptFileError to reject it.
 * A stat per call is cheap (microseconds) and, unlike fs.watch, works on every filesystem and editor.
 */
export function watchFile<T>(path: string, parse: (text: string | null) => T, logger: Logger): WatchedFile<T> {
  let stamp = stampOf(path);
  // The first read throws: a broken file at startup must stop the server with a clear message.
  let value = parse(stamp === 'missing' ? null : readFileSync(path, 'utf8'));
  return {
    get() {
      const now = stampOf(path);
      if (now === stamp) return value;
      stamp = now;
      try {
        value = parse(now === 'missing' ? null : readFileSync(path, 'utf8'));
        logger.info({ file: path }, 'prompt file reloaded');
      } catch (error) {
        logger.error({ file: path, err: String(error instanceof Error ? error.message : error) }, 'prompt file rejected; keeping the last good version');
      }
      return value;
    },
  };
}
