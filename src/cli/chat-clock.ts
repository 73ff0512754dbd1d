// The time the bot believes it is, as `npm run chat` shows and moves it: a local time typed by an operator
// ("2026-12-05 22:00", read in TIME_ZONE), and what the bot is told at that moment (src/hours/now-note.ts).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { openingState, localDateTime } from '../hours/now-note.js';
import { parseOpeningHours, saysNothing } from '../hours/opening-hours.js';
import { instantOf } from '../hours/zoned-time.js';

/** The instant a typed local time stands for in `zone`; an error that says how to write one when it cannot be read. */
export function readLocalTime(text: string, zone: string): number {
  const match = /^(\d{4})-(\d{2})-(\d{2})[ T](\d{1,2}):(\d{2})$/.exec(text.trim().replace(/\s+/g, ' '));
  const refuse = () => new Error(`cannot read ${JSON.stringify(text.slice(0, 40))} as a time: write the local time in ${zone} as YYYY-MM-DD HH:MM, e.g. 2026-12-05 22:00`);
  if (!match) throw refuse();
  const [year, month, day, hour, minute] = match.slice(1).map(Number) as [number, number, number, number, number];
  // A date the calendar does not have (31 November) is refused rather than rolled over into the next month.
  const real = new Date(Date.UTC(year, month - 1, day));
  if (real.getUTCMonth() !== month - 1 || real.getUTCDate() !== day || hour > 23 || minute > 59) throw refuse();
  return instantOf({ year, month, day }, hour * 60 + minute, zone);
}

/** A clock that runs from a moment set by hand (so deadlines still pass), or the machine's when none is set. */
export function movableClock() {
  let offset = 0;
  return {
    now: () => Date.now() + offset,
    /** null: back to the machine's time. */
    set(instant: number | null) {
      offset = instant === null ? 0 : instant - Date.now();
    },
    get moved() {
      return offset !== 0;
    },
  };
}

/**
 * "Saturday 5 December 2026, 22:00 (Asia/Jakarta); closed; opens Monday 7 December at 09:00", from TIME_ZONE and
 * prompts/opening-hours.txt as this process reads them. A file that cannot be read is said in a few words.
 */
export function clockLine(now: number, zone: string, promptsDir: string): string {
  const when = localDateTime(now, zone);
  let text: string;
  try {
    text = readFileSync(join(promptsDir, 'opening-hours.txt'), 'utf8');
  } catch {
    return when;
  }
  try {
    const hours = parseOpeningHours(text);
    return saysNothing(hours) ? when : `${when}; ${openingState(hours, now, zone)}`;
  } catch (error) {
    return `${when}; opening-hours.txt cannot be read: ${(error as Error).message}`;
  }
}
