// The prompts folder that operators edit: system.md, fallback.md, handoff.md, handoff-closed.md, rate-limited.md,
// holding.md, media.json, opening-hours.txt (knowledge/ is in src/knowledge). HTML comments in the Markdown files are the operator's notes: never sent anywhere.
import { join } from 'node:path';
import { OpeningHoursError, parseOpeningHours, saysNothing, type OpeningHours } from '../hours/opening-hours.js';
import type { Logger } from '../logger.js';
import { placeholderWarning, shippedExampleWarning } from './examples.js';
import { readHandoffClosed, type LocalizedText } from './handoff-closed.js';
import { parseMediaCatalog, type MediaItem } from './media-catalog.js';
import { commentFree } from './prompt-text.js';
import { PromptFileError, RECHECK_MS, watchFile } from './watched-file.js';

export interface Prompts {
  systemPrompt(): string;
  fallbackText(): string;
  handoffText(): string;
  /** prompts/handoff-closed.md, for a handoff outside opening hours; null when missing or empty (handoff.md goes out). */
  handoffClosedText(): LocalizedText | null;
  rateLimitedText(): string;
  /** What the webhook answers while a late answer is on its way; '' (an empty holding.md) means nothing. */
  holdingText(): string;
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

function handoffClosed(path: string, logger: Logger) {
  const warnAboutPlaceholders = readable(path, logger);
  return (file: string | null): LocalizedText | null => {
    warnAboutPlaceholders(file);
    const text = readHandoffClosed(file, path);
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
  return {
    systemPrompt: () => system.get(),
    fallbackText: () => fallback.get(),
    handoffText: () => handoff.get(),
    handoffClosedText: () => closedHandoff.get(),
    rateLimitedText: () => rateLimited.get(),
    holdingText: () => holding.get(),
    mediaCatalog: () => media.get(),
    openingHours: () => hours.get(),
  };
}
