// What the customer is told at a handoff: prompts/handoff.md while the business is open (or its hours are not
// known), prompts/handoff-closed.md outside them, with {next_opening} written in that file's language.
import { formatNextOpening } from '../hours/next-opening-text.js';
import { fillNextOpening } from '../prompts/handoff-closed.js';
import type { Prompts } from '../prompts/prompts.js';
import type { BotHandoff } from './handoff-rule.js';

export function handoffText(prompts: Prompts, handoff: BotHandoff, zone: string): string {
  const closed = handoff.opensAt === null ? null : prompts.handoffClosedText();
  if (!closed || handoff.opensAt === null) return prompts.handoffText();
  return fillNextOpening(closed.text, formatNextOpening(handoff.opensAt, zone, closed.locale));
}
