// The prompts folder that operators edit: system.md, fallback.md, handoff.md, rate-limited.md, media.json (knowledge/ is in src/knowledge).
import { join } from 'node:path';
import type { Logger } from '../logger.js';
import { parseMediaCatalog, type MediaItem } from './media-catalog.js';
import { PromptFileError, RECHECK_MS, watchFile } from './watched-file.js';

export interface Prompts {
  systemPrompt(): string;
  fallbackText(): string;
  handoffText(): string;
  rateLimitedText(): string;
  mediaCatalog(): MediaItem[];
}

function requiredText(path: string) {
  return (text: string | null): string => {
    if (text === null) throw new PromptFileError(`${path} is missing`);
    const trimmed = text.trim();
    if (trimmed === '') throw new PromptFileError(`${path} is empty`);
    return trimmed;
  };
}

/** Loads the folder, throwing a PromptFileError that says what is wrong; later edits apply without a restart. */
export function loadPrompts(dir: string, logger: Logger, recheckMs = RECHECK_MS): Prompts {
  const file = (name: string) => join(dir, name);
  const text = (name: string) => watchFile(file(name), requiredText(file(name)), logger, recheckMs);
  const system = text('system.md');
  const fallback = text('fallback.md');
  const handoff = text('handoff.md');
  const rateLimited = text('rate-limited.md');
  const media = watchFile(file('media.json'), (json) => parseMediaCatalog(json, file('media.json')), logger, recheckMs);
  return {
    systemPrompt: () => system.get(),
    fallbackText: () => fallback.get(),
    handoffText: () => handoff.get(),
    rateLimitedText: () => rateLimited.get(),
    mediaCatalog: () => media.get(),
  };
}
