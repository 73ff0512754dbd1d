// The customer's language, told from their latest messages in the history already read for the answer (no query of
// its own): what chooses fallback.id.md over fallback.md when the model cannot answer.
import type { Language, Prompts } from '../prompts/prompts.js';
import type { StoredMessage } from '../store/conversation-store.js';
import { customerWords } from './describe.js';

/** How many of the customer's latest messages are read: enough words to tell, recent enough to follow a switch. */
export const RECENT_MESSAGES = 3;

/** The customer's own words in their latest messages, one string a message (`newest` first, then the history backwards). */
export function recentWords(history: readonly StoredMessage[], newest?: StoredMessage): string[] {
  const words: string[] = [];
  const add = (row: StoredMessage) => {
    const said = customerWords(row).trim();
    if (said) words.push(said);
  };
  if (newest) add(newest);
  for (let i = history.length - 1; i >= 0 && words.length < RECENT_MESSAGES; i -= 1) {
    if (history[i]!.id !== newest?.id) add(history[i]!);
  }
  return words.slice(0, RECENT_MESSAGES);
}

/** The language, told once and only when a text needs it (most answers are the model's, in whatever language). */
export function customerLanguage(prompts: Prompts, history: readonly StoredMessage[], newest?: StoredMessage): () => Language {
  let told: { language: Language } | null = null;
  return () => (told ??= { language: prompts.languageOf(recentWords(history, newest)) }).language;
}
