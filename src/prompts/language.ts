// Which language a text is written in, as the language codes of file names (fallback.id.md): franc-min's trigram
// models, asked only to choose among the languages the operator wrote texts in, and refusing to guess on little text.
import { francAll } from 'franc-min';
import { data } from 'franc-min/data.js';

/**
 * Fewer letters than this say nothing reliable ("ok", "hi", "halo kak", "thanks"): on such texts franc's scores swing
 * from 0 to 1 at random (measured on short shop messages; see the README's table).
 */
export const MIN_LETTERS = 10;

/**
 * How far the best language's score (franc's, 1 for the best) must be ahead of the best other language's. Below it
 * the text is mixed or too plain to tell: "can I return it?" scores Indonesian 0.05 ahead of English, "Can I return a
 * bag?" 0.28 and "can I pay by bank transfer" 0.27 (wrongly, both), while every Indonesian or English message told
 * right in 50 short shop messages led by 0.3 or more (test/customer-language.test.ts). Unsure sends the plain file.
 */
export const MIN_MARGIN = 0.3;

/**
 * franc's ISO 639-3 code as the code of a file name: the two-letter code where there is one (ind → id, eng → en).
 * franc-min labels short Indonesian as Malay (zlm) more often than as Indonesian: both are `id`, which a Malaysian
 * customer reads too.
 */
export function fileCodeOf(iso6393: string): string | null {
  if (iso6393 === 'und') return null;
  if (iso6393 === 'zlm' || iso6393 === 'ind') return 'id';
  try {
    return Intl.getCanonicalLocales(iso6393)[0]?.toLowerCase() ?? null;
  } catch {
    return null;
  }
}

/** franc's languages for each file code (id: ind and zlm). */
const FRANC_CODES = new Map<string, string[]>();
for (const script of Object.values(data)) {
  for (const iso6393 of Object.keys(script)) {
    const code = fileCodeOf(iso6393);
    if (!code) continue;
    const known = FRANC_CODES.get(code) ?? [];
    if (!known.includes(iso6393)) known.push(iso6393);
    FRANC_CODES.set(code, known);
  }
}

/** Every language code the detector can tell. */
export const knownLanguages = (): string[] => [...FRANC_CODES.keys()];

/** Whether `code` (from a file name such as fallback.id.md) is a language the detector knows. */
export const isDetectable = (code: string) => FRANC_CODES.has(code);

const letterCount = (text: string) => text.match(/\p{L}/gu)?.length ?? 0;

/**
 * The language of `text` among `candidates` (file codes), or null when unsure: too few letters, or no language
 * clearly ahead. Restricting franc to the candidates is what makes short messages work: among all its 82 languages
 * "terima kasih kak" is Sundanese and "do you ship to Surabaya" Portuguese.
 */
export function detectLanguage(text: string, candidates: Iterable<string>, minMargin = MIN_MARGIN): string | null {
  const codes = [...new Set(candidates)].filter(isDetectable);
  // One language only: nothing to choose between (and franc would call anything it).
  if (codes.length < 2 || letterCount(text) < MIN_LETTERS) return null;
  const only = codes.flatMap((code) => FRANC_CODES.get(code)!);
  const best = new Map<string, number>();
  for (const [iso6393, score] of francAll(text, { only, minLength: 1 })) {
    const code = fileCodeOf(iso6393);
    if (code && score > (best.get(code) ?? -1)) best.set(code, score);
  }
  const ranked = [...best].sort((a, b) => b[1] - a[1]);
  const [first, second] = ranked;
  if (!first || !second) return null;
  return first[1] - second[1] >= minMargin ? first[0] : null;
}

/**
 * The language an operator wrote a file in, among all the detector knows. A sentence or two is plenty, but close
 * languages score close (English 1, French 0.83 on the shipped handoff.md), so a smaller lead is enough than for a
 * customer's few words among a handful of candidates.
 */
export const languageOfFile = (text: string): string | null =>
  letterCount(text) < 2 * MIN_LETTERS ? null : detectLanguage(text, knownLanguages(), 0.05);
