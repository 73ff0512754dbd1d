// prompts/handoff-closed.md: what a customer is told at a handoff while the business is closed, with the next
// opening where the operator wrote {next_opening}. A placeholder it does not know would reach the customer as
// "{next opening}": the file is refused instead, naming the line.
import { PLAIN_FILE_LOCALE } from '../hours/next-opening-text.js';
import { PromptFileError } from './prompt-file-error.js';
import { commentFree } from './prompt-text.js';

export const NEXT_OPENING = '{next_opening}';

/** A text an operator wrote, and the language (a BCP 47 tag) in which what the bot fills into it is written. */
export interface LocalizedText {
  text: string;
  locale: string;
}

// Something an operator meant as a placeholder: a short run of words in braces ({next opening}, {nextOpening}).
const BRACED = /\{\s*[\p{L}_][\p{L}\p{N}_ -]{0,40}\}/gu;

/**
 * The file's text without its comments (as the other message files are read), or null when it is missing or empty:
 * the plain handoff.md goes out then. `locale`: the language the file is written in.
 */
export function readHandoffClosed(file: string | null, path: string, locale = PLAIN_FILE_LOCALE): LocalizedText | null {
  if (file === null) return null;
  const { text, lines } = commentFree(file, path);
  for (const [index, line] of lines.entries()) {
    const unknown = [...line.matchAll(BRACED)].map((match) => match[0]).find((found) => found !== NEXT_OPENING);
    if (unknown) throw new PromptFileError(`${path} line ${index + 1}: "${unknown.slice(0, 60)}" is not a placeholder the bot fills; write ${NEXT_OPENING} where the next opening goes`);
  }
  const trimmed = text.trim();
  return trimmed === '' ? null : { text: trimmed, locale };
}

/** The text with the next opening filled in. */
export function fillNextOpening(text: string, nextOpening: string): string {
  return text.replaceAll(NEXT_OPENING, nextOpening);
}
