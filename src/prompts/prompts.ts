// The prompts folder that operators edit: system.md, fallback.md, handoff.md, handoff-closed.md, rate-limited.md,
// holding.md, media.json, opening-hours.txt (knowledge/ is in src/knowledge), and the customer texts' language
// variants (fallback.id.md, handoff-closed.id.md). HTML comments in the Markdown files are the operator's notes:
// never sent anywhere.
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { OpeningHoursError, parseOpeningHours, saysNothing, type OpeningHours } from '../hours/opening-hours.js';
import type { Logger } from '../logger.js';
import { placeholderWarning, shippedExampleWarning } from './examples.js';
import { readHandoffClosed, type LocalizedText } from './handoff-closed.js';
import { parseMediaCatalog, type MediaItem } from './media-catalog.js';
import { detectLanguage, isDetectable, languageOfFile } from './language.js';
import { commentFree } from './prompt-text.js';
import { PromptFileError, RECHECK_MS, recheckEvery, watchFile, type WatchedFile } from './watched-file.js';

/** A text the customer gets without the model, as the file it came from chose it. */
export interface CustomerText {
  text: string;
  /**
   * The language it is written in: the code in a variant's name (`id` for fallback.id.md), or for the plain file
   * what its text reads as; null when that cannot be told (a very short text).
   */
  language: string | null;
}

/** The customer's language (a file code such as `id`), or null when unknown: then the plain file is used. */
export type Language = string | null;

export interface Prompts {
  systemPrompt(): string;
  fallbackText(language?: Language): string;
  handoffText(language?: Language): string;
  /**
   * prompts/handoff-closed.md (or its variant in the customer's `language`), for a handoff outside opening hours, with
   * the language its {next_opening} is written in; null when missing or empty (handoff.md goes out).
   */
  handoffClosedText(language?: Language): LocalizedText | null;
  rateLimitedText(language?: Language): string;
  /** What the webhook answers while a late answer is on its way; '' (an empty holding.md) means nothing. */
  holdingText(language?: Language): string;
  /**
   * A customer text in the customer's language: `fallback.id.md` for `fallback.md` and `id`, when that file exists
   * and says something; otherwise the plain file.
   */
  customerText(file: CustomerTextFile, language: Language): CustomerText;
  /**
   * The language of a customer's recent messages (their words, one string a message), among the languages the
   * customer texts are written in: each message is told on its own, and those that can be told must agree. Null when
   * unsure (no message says enough, or they disagree), or when every text is in one language.
   */
  languageOf(recentMessages: readonly string[]): Language;
  mediaCatalog(): MediaItem[];
  /** prompts/opening-hours.txt; null when it is missing or names no day (nothing is said about hours). */
  openingHours(): OpeningHours | null;
}

/**
 * What a message file says when it is missing or empty, so that a prompts folder from an older version (or one an
 * operator trimmed) still runs. Only system.md has no sensible default: it is who the bot works for.
 */
export const BUILT_IN_TEXTS = {
  'fallback.md':
    'Thank you for your message! We could not answer right away, but a member of our team will get back to you as soon as possible.',
  'handoff.md':
    'Thank you for your patience. I have passed your conversation to a member of our team, who will reply here as soon as possible.',
  'rate-limited.md': 'You are sending messages faster than we can read them. Please wait a minute, then send your question in one message.',
  'holding.md': 'Thanks for your message! I am looking into it and will answer here in a moment.',
} as const;

/** The files whose text reaches customers as it is written, each with language variants (fallback.id.md). */
export type CustomerTextFile = keyof typeof BUILT_IN_TEXTS;

/** `fallback.id.md`: the plain file's name with a language code (ISO 639-1 where there is one) before `.md`. */
const VARIANT = /^(.+)\.([a-z]{2,3})\.md$/;
export const variantName = (file: string, language: string) => file.replace(/\.md$/, `.${language}.md`);

/**
 * What the bot reads of a Markdown file: its text without the operator's HTML comments. Each time the file is read
 * (at start and after every edit) the operator is warned about placeholders still in it.
 */
function readable(path: string, logger: Logger) {
  return (text: string | null): string | null => {
    if (text === null) return null;
    const { text: kept, lines } = commentFree(text, path);
    const warning = placeholderWarning(path, lines);
    if (warning) logger.warn({ file: path }, warning);
    return kept;
  };
}

function requiredText(path: string, logger: Logger) {
  const read = readable(path, logger);
  return (file: string | null): string => {
    const text = read(file);
    if (text === null) throw new PromptFileError(`${path} is missing`);
    const trimmed = text.trim();
    if (trimmed === '') throw new PromptFileError(`${path} is empty${file?.trim() ? ' (it holds only comments)' : ''}`);
    return trimmed;
  };
}

function textWithDefault(path: string, builtIn: string, logger: Logger) {
  const read = readable(path, logger);
  return (file: string | null): string => {
    const trimmed = read(file)?.trim() ?? '';
    if (trimmed !== '') return trimmed;
    logger.info({ file: path }, `${path} is ${file === null ? 'missing' : 'empty'}: using the built-in text ("${builtIn.slice(0, 60)}…"); write the file to change it`);
    return builtIn;
  };
}

function handoffClosed(path: string, logger: Logger, locale?: string) {
  const warnAboutPlaceholders = readable(path, logger);
  return (file: string | null): LocalizedText | null => {
    warnAboutPlaceholders(file);
    const text = readHandoffClosed(file, path, locale);
    if (!text) logger.info({ file: path }, `${path} is ${file === null ? 'missing' : 'empty'}: a handoff outside opening hours gets handoff.md; write it to tell customers when the team is back`);
    return text;
  };
}

function mediaCatalog(path: string, logger: Logger) {
  return (json: string | null): MediaItem[] => {
    const items = parseMediaCatalog(json, path);
    const warning = json === null ? null : shippedExampleWarning('json', json, path);
    if (warning) logger.warn({ file: path }, warning);
    return items;
  };
}

function openingHours(path: string, logger: Logger) {
  return (text: string | null): OpeningHours | null => {
    if (text === null) return null;
    let hours: OpeningHours;
    try {
      hours = parseOpeningHours(text);
    } catch (error) {
      if (error instanceof OpeningHoursError) throw new PromptFileError(`${path} ${error.message}`);
      throw error;
    }
    // Recognised by its rules: an example whose comments alone were edited still tells customers made-up hours.
    const rules = text.split(/\r?\n/).map((line) => line.replace(/#.*/, '').trim()).filter(Boolean).join('\n');
    const warning = shippedExampleWarning('markdown', rules, path);
    if (warning) logger.warn({ file: path }, warning);
    return saysNothing(hours) ? null : hours;
  };
}

/** A variant's text, or null when it is missing or says nothing (the plain file is used then). */
function variantText(path: string, logger: Logger) {
  const read = readable(path, logger);
  return (file: string | null): string | null => read(file)?.trim() || null;
}

/**
 * The language variants in `dir` of the files named in `plainFiles` (fallback.id.md for fallback.md), found by name,
 * each read with `read(path, language)` (null: missing or empty, so the plain file is used). The folder is listed
 * again (at most once per recheck, and only when a variant is asked for) so that a variant written while the bot runs
 * is used too. One rule for every text sent without the model, whatever its reader.
 */
export function languageVariants<T>(
  dir: string,
  plainFiles: readonly string[],
  read: (path: string, language: string) => (file: string | null) => T | null,
  logger: Logger,
  recheckMs: number,
) {
  const files = new Map<string, WatchedFile<T | null>>();
  const ignored = new Set<string>();
  const due = recheckEvery(recheckMs);
  const scan = (atStart: boolean) => {
    let names: string[];
    try {
      names = readdirSync(dir);
    } catch {
      return;
    }
    for (const name of names) {
      const match = VARIANT.exec(name);
      if (!match || files.has(name) || ignored.has(name) || !plainFiles.includes(`${match[1]}.md`)) continue;
      if (!isDetectable(match[2]!)) {
        ignored.add(name);
        logger.warn({ file: join(dir, name) }, `${join(dir, name)} is not used: "${match[2]}" is not a language code the bot can recognise in customers' messages (use a two-letter code such as id or en)`);
        continue;
      }
      const path = join(dir, name);
      files.set(name, watchFile(path, read(path, match[2]!), logger, recheckMs, atStart));
    }
  };
  scan(true);
  due();
  return {
    /** The variant `name` (fallback.id.md), or null when there is none that says something. */
    text(name: string): T | null {
      if (due()) scan(false);
      return files.get(name)?.get() ?? null;
    },
    /** The languages of the variants that say something. */
    languages(): string[] {
      if (due()) scan(false);
      return [...files].filter(([, file]) => file.get() !== null).map(([name]) => VARIANT.exec(name)![2]!);
    },
  };
}

/** The language a plain file is written in, remembered for its current text. */
function plainLanguage() {
  let last: { text: string; language: Language } | null = null;
  return (text: string): Language => {
    if (last?.text !== text) last = { text, language: languageOfFile(text) };
    return last.language;
  };
}

/** Loads the folder, throwing a PromptFileError that says what is wrong; later edits apply without a restart. */
export function loadPrompts(dir: string, logger: Logger, recheckMs = RECHECK_MS): Prompts {
  const file = (name: string) => join(dir, name);
  const withDefault = (name: keyof typeof BUILT_IN_TEXTS) =>
    watchFile(file(name), textWithDefault(file(name), BUILT_IN_TEXTS[name], logger), logger, recheckMs);
  const system = watchFile(file('system.md'), requiredText(file('system.md'), logger), logger, recheckMs);
  const fallback = withDefault('fallback.md');
  const handoff = withDefault('handoff.md');
  const closedHandoff = watchFile(file('handoff-closed.md'), handoffClosed(file('handoff-closed.md'), logger), logger, recheckMs);
  const rateLimited = withDefault('rate-limited.md');
  // holding.md may be empty on purpose (answer nothing until the real answer arrives); only a missing file gets the default.
  const readHolding = readable(file('holding.md'), logger);
  const holding = watchFile(file('holding.md'), (text) => readHolding(text)?.trim() ?? BUILT_IN_TEXTS['holding.md'], logger, recheckMs);
  const media = watchFile(file('media.json'), mediaCatalog(file('media.json'), logger), logger, recheckMs);
  const hours = watchFile(file('opening-hours.txt'), openingHours(file('opening-hours.txt'), logger), logger, recheckMs);
  const plain: Record<CustomerTextFile, { get(): string; language: (text: string) => Language }> = {
    'fallback.md': { get: () => fallback.get(), language: plainLanguage() },
    'handoff.md': { get: () => handoff.get(), language: plainLanguage() },
    'rate-limited.md': { get: () => rateLimited.get(), language: plainLanguage() },
    'holding.md': { get: () => holding.get(), language: plainLanguage() },
  };
  const variants = languageVariants(dir, Object.keys(BUILT_IN_TEXTS), (path) => variantText(path, logger), logger, recheckMs);
  const customerText = (name: CustomerTextFile, language: Language): CustomerText => {
    const variant = language ? variants.text(variantName(name, language)) : null;
    if (variant !== null) return { text: variant, language };
    const text = plain[name].get();
    return { text, language: plain[name].language(text) };
  };
  // handoff-closed.md's variants by the same rule, each read with the placeholder check, its {next_opening} in its language.
  const closedVariants = languageVariants(dir, ['handoff-closed.md'], (path, code) => handoffClosed(path, logger, code), logger, recheckMs);
  const handoffClosedText = (language: Language = null): LocalizedText | null => {
    const variant = language ? closedVariants.text(variantName('handoff-closed.md', language)) : null;
    if (variant) return variant;
    const plainText = closedHandoff.get();
    // The plain file's {next_opening} is in Indonesian when its own text clearly reads Indonesian rather than English
    // (asked between those two only: among all languages a short English sentence can read as Javanese), else English.
    return plainText && (detectLanguage(plainText.text, ['id', 'en']) === 'id' ? { ...plainText, locale: 'id' } : plainText);
  };
  const languageOf = (recentMessages: readonly string[]): Language => {
    const written = [...new Set([...variants.languages(), ...closedVariants.languages()])];
    // Only plain files: every customer gets them, whatever they write (and nothing is detected).
    if (written.length === 0) return null;
    const plainLanguages = Object.values(plain).map((p) => p.language(p.get()));
    const candidates = [...written, ...plainLanguages.filter((code): code is string => code !== null)];
    // One message at a time: franc's scores of a longer text crowd together (its margin is not comparable).
    const told = new Set(recentMessages.map((text) => detectLanguage(text, candidates)).filter((code) => code !== null));
    return told.size === 1 ? [...told][0]! : null;
  };
  return {
    systemPrompt: () => system.get(),
    fallbackText: (language = null) => customerText('fallback.md', language).text,
    handoffText: (language = null) => customerText('handoff.md', language).text,
    handoffClosedText,
    rateLimitedText: (language = null) => customerText('rate-limited.md', language).text,
    holdingText: (language = null) => customerText('holding.md', language).text,
    customerText,
    languageOf,
    mediaCatalog: () => media.get(),
    openingHours: () => hours.get(),
  };
}
