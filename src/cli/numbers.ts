// Phone numbers as people type them (+62 811-222 333, 0811 222 333, 62811222333) read as Whatspie stores them:
// digits with the country code, no "+", no leading 0. Group ids (…@g.us) are kept as they are. One rule for every
// tool, so that a number typed into `chat` names the same customer as in `transcripts`.
import { UsageError } from './args.js';

const NUMBER_PART = /^[+\d\s().-]+$/;

/** A word that can be (part of) a phone number: "0812", "+62", "812-3456", "(021)". */
export const isNumberPart = (word: string) => NUMBER_PART.test(word) && /\d/.test(word);

/**
 * The number as Whatspie writes it. A local number (0812…) becomes international with `defaultCountryCode`; without
 * one it is refused: WhatsApp never sends a number that starts with 0, so reading it as typed would name (or, in
 * `chat`, create) a customer who does not exist beside the real one.
 */
export function normaliseNumber(value: string, defaultCountryCode?: string): string {
  const trimmed = value.trim();
  if (!NUMBER_PART.test(trimmed)) return trimmed;
  const digits = trimmed.replace(/\D/g, '');
  if (trimmed.startsWith('+') || !digits.startsWith('0')) return digits;
  if (!defaultCountryCode) {
    throw new UsageError(
      `${trimmed} is a local number: type it with its country code (+62 ${digits.slice(1)} for Indonesia), or set DEFAULT_COUNTRY_CODE (in .env) to read local numbers`,
      false,
    );
  }
  return `${defaultCountryCode}${digits.slice(1)}`;
}

/** How many of the leading words look like parts of a number. */
const numberWords = (words: string[]) => {
  let count = 0;
  while (count < words.length && isNumberPart(words[count]!)) count += 1;
  return count;
};

/**
 * A number typed as several words ("0812 3456 789") at the start of the words, and the words after it: the
 * leading words that look like parts of a number are the number. Lenient: for commands that only read.
 */
export function takeNumber(words: string[], defaultCountryCode?: string): { number: string | null; rest: string[] } {
  const count = numberWords(words);
  if (count === 0) return words[0] ? { number: words[0].trim(), rest: words.slice(1) } : { number: null, rest: [] };
  return { number: normaliseNumber(words.slice(0, count).join(' '), defaultCountryCode) || null, rest: words.slice(count) };
}

/**
 * Every way the words can be split into a number and the words after it: "62812345678 1 more day" is 62812345678
 * followed by "1 more day", or 628123456781 followed by "more day". Shortest number first.
 */
export function numberReadings(words: string[], defaultCountryCode?: string): { number: string; rest: string[] }[] {
  const count = numberWords(words);
  if (count === 0) return words[0]?.trim() ? [{ number: words[0].trim(), rest: words.slice(1) }] : [];
  // Every reading starts with the same word, so all are local or none; a refusal names all that was typed.
  normaliseNumber(words.slice(0, count).join(' '), defaultCountryCode);
  return Array.from({ length: count }, (_, i) => ({
    number: normaliseNumber(words.slice(0, i + 1).join(' '), defaultCountryCode),
    rest: words.slice(i + 1),
  }));
}
