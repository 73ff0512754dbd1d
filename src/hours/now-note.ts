// What the model is told with each message about the moment it answers in: the business's local date, weekday and
// time, and, when prompts/opening-hours.txt says, whether the business is open and when that changes.
import { describeInstant, openStateAt, relativeDay, saysNothing, type OpeningHours } from './opening-hours.js';
import { localTime } from './zoned-time.js';

const DAYS = ['Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday', 'Sunday'];
const MONTHS = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'];

/** "Monday 30 November 2026, 14:05 (Asia/Jakarta)". */
export function localDateTime(now: number, zone: string): string {
  const t = localTime(now, zone);
  const clock = `${String(Math.floor(t.minutes / 60)).padStart(2, '0')}:${String(t.minutes % 60).padStart(2, '0')}`;
  return `${DAYS[t.weekday]} ${t.day} ${MONTHS[t.month - 1]} ${t.year}, ${clock} (${zone})`;
}

/** "closed; opens Monday 30 November at 09:00", "open; closes today at 17:00": what the hours say at `now`. */
export function openingState(hours: OpeningHours, now: number, zone: string): string {
  const state = openStateAt(hours, now, zone);
  const when = (instant: number) => {
    const day = relativeDay(instant, now, zone);
    const described = describeInstant(instant, zone);
    return day ? `${day}, ${described}` : described;
  };
  if (state.open) return `open; closes ${when(state.closesAt)}`;
  return state.opensAt === null ? 'closed; no opening is set for the coming year' : `closed; opens ${when(state.opensAt)}`;
}

/** The note sent after the conversation's history (it changes with every message, so it stays out of the cached start). */
export function nowNote(input: { now: number; zone: string; hours: OpeningHours | null }): string {
  const lines = [`Current local date and time: ${localDateTime(input.now, input.zone)}.`];
  if (input.hours && !saysNothing(input.hours)) lines.push(`The business is ${openingState(input.hours, input.now, input.zone)}.`);
  return lines.join('\n');
}
