// The one rule for how long a conversation stays with a human: from a handoff (by the model, or an operator's pause)
// until "resume" or HANDOFF_HOURS later. A handoff made while the business is closed counts its HANDOFF_HOURS from
// the next opening, so that a Friday-night handoff does not expire before anyone could have read it. The server, the
// transcripts tool and its reports all ask here.
import { openStateAt, type OpeningHours } from '../hours/opening-hours.js';
import type { HandoffTimes } from '../store/conversation-store.js';

const HOUR_MS = 3_600_000;

/** Handoffs whose HANDOFF_HOURS counted from at or before this moment have expired. */
export function handoffCutoff(now: number, handoffHours: number): number {
  return now - handoffHours * HOUR_MS;
}

export function isWaitingForHuman(handoff: Pick<HandoffTimes, 'countsFrom'> | null | undefined, now: number, handoffHours: number): boolean {
  return handoff != null && handoff.countsFrom > handoffCutoff(now, handoffHours);
}

/** A handoff by the bot at `at`, and when the business next opens if it is closed then (null: open, or not known). */
export interface BotHandoff {
  times: HandoffTimes;
  opensAt: number | null;
}

/**
 * The model hands over at `at`: while open (or with no opening hours known) HANDOFF_HOURS count from now; while closed,
 * from the next opening (from now when none is set for the coming year: nobody is expected, so nothing is waited for).
 */
export function botHandoff(at: number, hours: OpeningHours | null, zone: string): BotHandoff {
  if (!hours) return { times: { at, countsFrom: at, withinHours: null }, opensAt: null };
  const state = openStateAt(hours, at, zone);
  if (state.open) return { times: { at, countsFrom: at, withinHours: true }, opensAt: null };
  return { times: { at, countsFrom: state.opensAt ?? at, withinHours: false }, opensAt: state.opensAt };
}

/** An operator pauses or replies: a person has the conversation already, so HANDOFF_HOURS count from now. */
export function operatorHandoff(at: number): HandoffTimes {
  return { at, countsFrom: at, withinHours: null };
}
