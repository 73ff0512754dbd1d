// What the model is told with each message about the moment it answers in: the business's local date, weekday and
// time, and, when prompts/opening-hours.txt says, whether the business is open and when that changes.
import { describeInstant, openStateAt, relativeDay, saysNothing, type OpeningHours, type TimeRange } from './opening-hours.js';
import { localTime, weekdayOf } from './zoned-time.js';

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

const clockOf = (minutes: number) => `${String(Math.floor(minutes / 60) % 24).padStart(2, '0')}:${String(minutes % 60).padStart(2, '0')}`;

function rangesText(ranges: readonly TimeRange[]): string {
  if (ranges.length === 0) return 'closed';
  return ranges.map((r) => `${clockOf(r.start)}-${clockOf(r.end)}${r.end > 24 * 60 ? ' (past midnight)' : ''}`).join(', ');
}

/**
 * The week's hours and the dates that differ, for the end of the system prompt: it changes only when the file does,
 * so it stays in the cached start, and the model can answer "are you open on Saturday?".
 */
export function scheduleText(hours: OpeningHours | null, zone: string): string | null {
  if (!hours || saysNothing(hours)) return null;
  const week = hours.weekly.map((ranges, day) => `- ${DAYS[day]}: ${rangesText(ranges)}`);
  const dates = [...hours.dates.entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([date, ranges]) => {
      const [year, month, day] = date.split('-').map(Number) as [number, number, number];
      return `- ${DAYS[weekdayOf({ year, month, day })]} ${day} ${MONTHS[month - 1]} ${year}: ${rangesText(ranges)}`;
    });
  return [
    `## Opening hours (local time, ${zone})`,
    ...week,
    ...(dates.length > 0 ? ['Dates with other hours:', ...dates] : []),
  ].join('\n');
}
