// What the customer is told at a handoff: prompts/handoff.md while the business is open (or its hours are not
// known), prompts/handoff-closed.md outside them, with {next_opening} written in that file's language.
import { formatNextOpening } from '../hours/next-opening-text.js';
import { fillNextOpening } from '../prompts/handoff-closed.js';
import type { Language, Prompts } from '../prompts/prompts.js';
import type { BotHandoff } from './handoff-rule.js';

/** In the customer's `language` when the operator wrote the text in it (handoff.id.md, handoff-closed.id.md). */
export function handoffText(prompts: Prompts, handoff: BotHandoff, zone: string, language: Language = null): string {
  const closed = handoff.opensAt === null ? null : prompts.handoffClosedText(language);
  if (!closed || handoff.opensAt === null) return prompts.handoffText(language);
  return fillNextOpening(closed.text, formatNextOpening(handoff.opensAt, zone, closed.locale));
}
