// The prompts folder that operators edit: system.md, fallback.md, handoff.md, rate-limited.md, media.json (knowledge/ is in src/knowledge).
import { join } from 'node:path';
import type { Logger } from '../logger.js';
import { parseMediaCatalog, type MediaItem } from './media-catalog.js';
import { PromptFileError, watchFile } from './watched-file.js';

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
export function loadPrompts(dir: string, logger: Logger): Prompts {
  const file = (name: string) => join(dir, name);
  const system = watchFile(file('system.md'), requiredText(file('system.md')), logger);
  const fallback = watchFile(file('fallback.md'), requiredText(file('fallback.md')), logger);
  const handoff = watchFile(file('handoff.md'), requiredText(file('handoff.md')), logger);
  const rateLimited = watchFile(file('rate-limited.md'), requiredText(file('rate-limited.md')), logger);
  const media = watchFile(file('media.json'), (text) => parseMediaCatalog(text, file('media.json')), logger);
  return {
    systemPrompt: () => system.get(),
    fallbackText: () => fallback.get(),
    handoffText: () => handoff.get(),
    rateLimitedText: () => rateLimited.get(),
    mediaCatalog: () => media.get(),
  };
}
