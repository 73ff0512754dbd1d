// prompts/opening-hours.txt: one rule a line ("Mon-Fri 09:00-17:00", "Sun closed", "2026-12-25 closed"), and what
// they say at an instant in the business's time zone: open or closed, until when, and when it next opens.
import { addDays, instantOf, isoDate, localTime, weekdayOf, type LocalDate } from './zoned-time.js';

/** Minutes after the local midnight of the day the range belongs to; `end` passes 1440 for a range past midnight. */
export interface TimeRange {
  start: number;
  end: number;
}

export interface OpeningHours {
  /** Index 0 = Monday … 6 = Sunday; a day without a rule is closed. */
  weekly: readonly (readonly TimeRange[])[];
  /** "YYYY-MM-DD" → that date's ranges, whatever its weekday says (empty: closed). */
  dates: ReadonlyMap<string, readonly TimeRange[]>;
}

/** A line that cannot be read; `line` counts from 1, comment lines included. */
export class OpeningHoursError extends Error {
  override name = 'OpeningHoursError';
  constructor(
    readonly line: number,
    readonly reason: string,
  ) {
    super(`line ${line}: ${reason}`);
  }
}

const DAY_NAMES: readonly (readonly string[])[] = [
  ['mon', 'monday', 'sen', 'senin'],
  ['tue', 'tuesday', 'sel', 'selasa'],
  ['wed', 'wednesday', 'rab', 'rabu'],
  ['thu', 'thursday', 'kam', 'kamis'],
  ['fri', 'friday', 'jum', 'jumat', "jum'at"],
  ['sat', 'saturday', 'sab', 'sabtu'],
  ['sun', 'sunday', 'min', 'minggu', 'ahad'],
];
const ENGLISH_DAYS = ['Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday', 'Sunday'];
const MONTHS = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'];

function dayIndex(word: string): number | null {
  const index = DAY_NAMES.findIndex((names) => names.includes(word.toLowerCase()));
  return index === -1 ? null : index;
}

/** "Mon", "Mon-Fri", "Sab-Min", "Fri-Mon" (through the weekend) → the weekdays they name. */
function daysOf(spec: string): number[] | null {
  const [from, to, ...rest] = spec.split(/\s*[-–]\s*/);
  if (rest.length > 0 || from === undefined) return null;
  const first = dayIndex(from);
  const last = to === undefined ? first : dayIndex(to);
  if (first === null || last === null) return null;
  const days = [first];
  for (let day = first; day !== last; ) days.push((day = (day + 1) % 7));
  return days;
}

/** "09:00" or "09.00" (as Indonesian writes it) → minutes; "24:00" only as an end. */
function minutesOf(text: string, isEnd: boolean): number | null {
  const match = /^(\d{1,2})[:.](\d{2})$/.exec(text);
  if (!match) return null;
  const [hours, minutes] = [Number(match[1]), Number(match[2])];
  if (minutes > 59) return null;
  if (hours === 24 && minutes === 0 && isEnd) return 24 * 60;
  return hours <= 23 ? hours * 60 + minutes : null;
}

function rangesOf(text: string, line: number): TimeRange[] {
  if (/^(closed|tutup|libur)$/i.test(text)) return [];
  const ranges = text.split(/\s*,\s*/).map((part) => {
    const match = /^(\S+?)\s*[-–]\s*(\S+)$/.exec(part);
    const start = match ? minutesOf(match[1]!, false) : null;
    const end = match ? minutesOf(match[2]!, true) : null;
    if (start === null || end === null) {
      throw new OpeningHoursError(line, `"${part}" is not a time range such as 09:00-17:00 (or write "closed")`);
    }
    if (start === end) throw new OpeningHoursError(line, `"${part}" starts and ends at the same time`);
    // An end at or before the start is on the next day: the range belongs to the day it starts.
    return { start, end: end > start ? end : end + 24 * 60 };
  });
  ranges.sort((a, b) => a.start - b.start);
  for (let i = 1; i < ranges.length; i++) {
    if (ranges[i]!.start < ranges[i - 1]!.end) throw new OpeningHoursError(line, 'two of its ranges overlap');
  }
  return ranges;
}

function dateOf(text: string): string | null {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(text);
  if (!match) return null;
  const date = { year: Number(match[1]), month: Number(match[2]), day: Number(match[3]) };
  // 2026-02-30 comes back as 2026-03-02: not a date.
  return isoDate(addDays(date, 0)) === text ? text : null;
}

/** Reads the file's text; throws an OpeningHoursError naming the first line it cannot read. */
export function parseOpeningHours(text: string): OpeningHours {
  const weekly: TimeRange[][] = [[], [], [], [], [], [], []];
  const dates = new Map<string, TimeRange[]>();
  for (const [index, raw] of text.split(/\r?\n/).entries()) {
    const line = index + 1;
    const rule = raw.replace(/#.*/, '').trim();
    if (rule === '') continue;
    // The days are the first word, or a range of days with spaces around its dash: "Mon - Fri".
    const match = /^(\S+(?:\s*[-–]\s*[A-Za-z']+)?)\s+(.+)$/.exec(rule);
    if (!match) throw new OpeningHoursError(line, `"${rule}" needs days and hours, such as "Mon-Fri 09:00-17:00" or "Sun closed"`);
    const [, when, hours] = match as unknown as [string, string, string];
    const date = dateOf(when);
    if (date) {
      dates.set(date, rangesOf(hours, line));
      continue;
    }
    if (/^\d/.test(when)) throw new OpeningHoursError(line, `"${when}" is not a date written as YYYY-MM-DD, such as 2026-12-25`);
    const days = daysOf(when);
    if (!days) {
      throw new OpeningHoursError(line, `"${when}" is not a day: write Mon … Sun or Sen … Min (Monday … Sunday, Senin … Minggu), or a range such as Mon-Fri`);
    }
    const ranges = rangesOf(hours, line);
    // A later line for the same day replaces the earlier one.
    for (const day of days) weekly[day] = ranges;
  }
  return { weekly, dates };
}

/** True when the file names no day at all (only comments): nothing is known about the hours. */
export function saysNothing(hours: OpeningHours): boolean {
  return hours.dates.size === 0 && hours.weekly.every((ranges) => ranges.length === 0);
}

function rangesOn(hours: OpeningHours, date: LocalDate): readonly TimeRange[] {
  return hours.dates.get(isoDate(date)) ?? hours.weekly[weekdayOf(date)]!;
}

interface Interval {
  start: number;
  end: number;
}

/** The opening intervals, as instants, of the ranges that start on the days from `first` on, in order; lazily. */
function* intervalsFrom(hours: OpeningHours, first: LocalDate, zone: string, days: number): Generator<Interval> {
  for (let i = 0; i < days; i++) {
    const date = addDays(first, i);
    for (const range of rangesOn(hours, date)) {
      yield { start: instantOf(date, range.start, zone), end: instantOf(date, range.end, zone) };
    }
  }
}

/** How far ahead the next opening is looked for: a shop closed for longer than a year is closed. */
const SEARCH_DAYS = 400;

export type OpenState =
  | { open: true; /** When it closes: the end of this opening and of any that follows without a gap. */ closesAt: number }
  | { open: false; /** Null: no opening within about a year. */ opensAt: number | null };

export function openStateAt(hours: OpeningHours, instant: number, zone: string): OpenState {
  // Yesterday's range may run past midnight into today.
  const yesterday = addDays(localTime(instant, zone), -1);
  let current: Interval | null = null;
  for (const interval of intervalsFrom(hours, yesterday, zone, SEARCH_DAYS)) {
    if (current) {
      if (interval.start > current.end) break;
      current.end = Math.max(current.end, interval.end);
      continue;
    }
    if (interval.start <= instant && instant < interval.end) current = { ...interval };
    else if (interval.start > instant) return { open: false, opensAt: interval.start };
  }
  return current ? { open: true, closesAt: current.end } : { open: false, opensAt: null };
}

/** "Monday 30 November at 09:00": an instant as the business's clocks show it, in English for the model. */
export function describeInstant(instant: number, zone: string): string {
  const local = localTime(instant, zone);
  const time = `${String(Math.floor(local.minutes / 60)).padStart(2, '0')}:${String(local.minutes % 60).padStart(2, '0')}`;
  return `${ENGLISH_DAYS[local.weekday]} ${local.day} ${MONTHS[local.month - 1]} at ${time}`;
}

/** "today", "tomorrow", or null: how the day of `instant` relates to the day of `now`, in the zone. */
export function relativeDay(instant: number, now: number, zone: string): string | null {
  const [day, today] = [localTime(instant, zone), localTime(now, zone)];
  if (isoDate(day) === isoDate(today)) return 'today';
  return isoDate(day) === isoDate(addDays(today, 1)) ? 'tomorrow' : null;
}
