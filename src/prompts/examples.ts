// Recognises what the prompts folder ships as an example, so that the operator is warned before customers are told
// a made-up shop's facts: placeholders like [BUSINESS NAME] or [e.g. …] left in a file, and the example files
// themselves while they are unchanged.
import { createHash } from 'node:crypto';

/**
 * A placeholder: bracketed text that starts with "e.g."/"for example", an ellipsis, or a name in capitals
 * ([BUSINESS NAME], [PHONE]); a Markdown link's text ([SALE](https://…)) is not one.
 */
const PLACEHOLDER = /\[(?:(?:e\.\s?g\.|for example)[^\]\n]*|…|\.\.\.|[A-Z][A-Z0-9 &'’/-]+[A-Z0-9])\](?![([])/giu;
const CAPITALS = /^\[[^a-z]*\]$/u;

export interface Placeholder {
  text: string;
  line: number;
}

/** The placeholders in a file's lines (HTML comments blanked out, see commentFree); code blocks are left alone. */
export function placeholdersIn(lines: readonly string[]): Placeholder[] {
  const found: Placeholder[] = [];
  let inCode = false;
  for (const [index, line] of lines.entries()) {
    if (line.trimStart().startsWith('```')) inCode = !inCode;
    if (inCode) continue;
    for (const match of line.matchAll(PLACEHOLDER)) {
      const text = match[0];
      // Case-insensitive for "E.g.", but a name counts only in capitals: [see below] is prose, [PHONE] is a blank.
      if (/^\[(e\.\s?g\.|for example|…|\.\.\.)/iu.test(text) || CAPITALS.test(text)) found.push({ text, line: index + 1 });
    }
  }
  return found;
}

/** One warning for a file that still holds placeholders, or null. */
export function placeholderWarning(path: string, lines: readonly string[]): string | null {
  const found = placeholdersIn(lines);
  if (found.length === 0) return null;
  const shown = found.slice(0, 3).map((p) => `${p.text.length > 60 ? `${p.text.slice(0, 57)}…]` : p.text} (line ${p.line})`);
  const more = found.length > 3 ? `, and ${found.length - 3} more` : '';
  return `${path} still holds placeholders, which reach the bot as they are: ${shown.join(', ')}${more}. Replace each with your own details, or delete the line`;
}

/** The content that matters to a customer: line endings, trailing spaces, blank lines and comments do not count. */
function markdownFingerprint(text: string): string {
  const lines = text.split('\n').map((line) => line.trimEnd());
  return sha256(lines.join('\n').replace(/\n{2,}/g, '\n\n').trim());
}

function jsonFingerprint(text: string): string | null {
  try {
    return sha256(JSON.stringify(JSON.parse(text)));
  } catch {
    return null;
  }
}

function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

interface ShippedExample {
  /** Where it sits in the prompts folder. */
  file: string;
  /** Fingerprints of the versions that have shipped (an old install's unchanged example is still one). */
  fingerprints: readonly string[];
  /** What happens while it stays as it is, and what to do about it. */
  advice: string;
}

/**
 * The example files of prompts/, by the fingerprint of their content. A test checks the shipped files against this
 * list: whoever changes an example adds its new fingerprint here.
 */
export const SHIPPED_EXAMPLES: readonly ShippedExample[] = [
  {
    file: 'knowledge/faq.md',
    fingerprints: ['bccfcc7c6c5168a367e200f76f99e8dc4ca68e5985f4b5361f5c29ae7f0c580f'],
    advice: "is the example shipped with the bot (the FAQ of a made-up leather-bag shop), and customers are answered with its facts. Write your own answers in it, or delete it",
  },
  {
    // Fingerprinted by its rules alone (see prompts.ts): comments edited, the hours are still the example's.
    file: 'opening-hours.txt',
    fingerprints: ['4f3af0305f416fb2e01b97671369c65d954ddbb484fe7b227e86603795180ea6'],
    advice: 'is the example shipped with the bot (Monday to Friday 09:00-17:00, Saturday 09:00-13:00), and customers are told these hours. Write your own hours in it, or delete it to say nothing about opening hours',
  },
  {
    file: 'media.json',
    fingerprints: ['426615a39dfa1cde78fe38876396a6e549e7363ebdd95583a0f14213795d5e22'],
    advice: 'is the example shipped with the bot: its links (example.com) lead nowhere, and the bot may send them to customers. List your own files in it, or write [] to send none',
  },
];

/** The fingerprint of a prompt file's content (HTML comments already removed from Markdown); null for broken JSON. */
export function fingerprintOf(kind: 'markdown' | 'json', text: string): string | null {
  return kind === 'json' ? jsonFingerprint(text) : markdownFingerprint(text);
}

const kindOf = (file: string) => (file.toLowerCase().endsWith('.json') ? 'json' : 'markdown');

/**
 * A warning when the text is one of the shipped examples, unchanged (under whatever name: a copy of the example FAQ
 * saved as faq.txt is still the example); `shownAs` is how the warning names the file.
 */
export function shippedExampleWarning(kind: 'markdown' | 'json', text: string, shownAs: string): string | null {
  const fingerprint = fingerprintOf(kind, text);
  const example = SHIPPED_EXAMPLES.find((e) => kindOf(e.file) === kind && fingerprint !== null && e.fingerprints.includes(fingerprint));
  return example ? `${shownAs} ${example.advice}` : null;
}
