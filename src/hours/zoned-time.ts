// Wall-clock time in an IANA time zone, with Intl only: the local date and time of an instant, and the instant of a
// local date and time. Daylight saving comes from the zone data Node carries, never from the machine's own zone.

export interface LocalDate {
  year: number;
  /** 1–12 */
  month: number;
  day: number;
}

export interface LocalTime extends LocalDate {
  /** Minutes since local midnight. */
  minutes: number;
  /** 0 = Monday … 6 = Sunday. */
  weekday: number;
}

const MINUTE_MS = 60_000;
const DAY_MS = 86_400_000;
const formatters = new Map<string, Intl.DateTimeFormat>();

function formatterFor(zone: string): Intl.DateTimeFormat {
  let formatter = formatters.get(zone);
  if (!formatter) {
    formatter = new Intl.DateTimeFormat('en-US', {
      timeZone: zone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    formatters.set(zone, formatter);
  }
  return formatter;
}

/** The zone's canonical name ("asia/jakarta" → "Asia/Jakarta"), or null when this system does not know it. */
export function knownTimeZone(name: string): string | null {
  // A name, not an offset such as +07:00 (which newer versions of Intl accept but which has no daylight saving rules).
  if (!/^[A-Za-z][A-Za-z0-9_+/-]*$/.test(name)) return null;
  try {
    return new Intl.DateTimeFormat('en-US', { timeZone: name }).resolvedOptions().timeZone;
  } catch {
    return null;
  }
}

/** The wall-clock fields of `instant` in `zone`, read as if they were UTC: local time as a number. */
function formattedWallClockMs(instant: number, zone: string): number {
  const parts: Record<string, number> = {};
  for (const part of formatterFor(zone).formatToParts(new Date(instant))) parts[part.type] = Number(part.value);
  return Date.UTC(parts.year!, parts.month! - 1, parts.day!, parts.hour!, parts.minute!, parts.second!);
}

// Offsets from UTC by zone and UTC minute. formatToParts is slow (a few percent of a message's CPU), and every message
// asks about the same few days (now, today's and the coming days' openings). Zones change their offset on whole
// minutes, so one reading serves the whole minute; the map is emptied when full rather than kept in order.
const offsets = new Map<string, number>();
const MAX_OFFSETS = 4096;

/** `instant` as the zone's clocks show it, read as if it were UTC: local time as a number. */
function wallClockMs(instant: number, zone: string): number {
  const minute = Math.floor(instant / MINUTE_MS) * MINUTE_MS;
  const key = `${zone} ${minute}`;
  let offset = offsets.get(key);
  if (offset === undefined) {
    offset = formattedWallClockMs(minute, zone) - minute;
    if (offsets.size >= MAX_OFFSETS) offsets.clear();
    offsets.set(key, offset);
  }
  return instant + offset;
}

/** How far the zone's clock is ahead of UTC at `instant`, in milliseconds (whole seconds). */
function offsetAt(instant: number, zone: string): number {
  return wallClockMs(Math.floor(instant / 1000) * 1000, zone) - Math.floor(instant / 1000) * 1000;
}

export function localTime(instant: number, zone: string): LocalTime {
  const wall = new Date(wallClockMs(instant, zone));
  return {
    year: wall.getUTCFullYear(),
    month: wall.getUTCMonth() + 1,
    day: wall.getUTCDate(),
    minutes: wall.getUTCHours() * 60 + wall.getUTCMinutes(),
    weekday: (wall.getUTCDay() + 6) % 7,
  };
}

/**
 * The instant the zone's clocks show `minutes` after midnight of `date` (minutes may pass 1440: the next day).
 * A time the clocks skip (spring forward) is read as the same time after the jump, as watches are put forward; a
 * time they show twice (fall back) is its first showing.
 */
export function instantOf(date: LocalDate, minutes: number, zone: string): number {
  const wall = Date.UTC(date.year, date.month - 1, date.day) + minutes * MINUTE_MS;
  // A zone changes its offset at most once a day: the offsets a day before and after are the only candidates.
  const before = offsetAt(wall - DAY_MS, zone);
  const after = offsetAt(wall + DAY_MS, zone);
  const fits = [wall - before, wall - after].filter((instant) => wallClockMs(instant, zone) === wall);
  if (fits.length > 0) return Math.min(...fits);
  return wall - before;
}

/** The date `days` after `date` (negative: before). */
export function addDays(date: LocalDate, days: number): LocalDate {
  const shifted = new Date(Date.UTC(date.year, date.month - 1, date.day) + days * DAY_MS);
  return { year: shifted.getUTCFullYear(), month: shifted.getUTCMonth() + 1, day: shifted.getUTCDate() };
}

export function weekdayOf(date: LocalDate): number {
  return (new Date(Date.UTC(date.year, date.month - 1, date.day)).getUTCDay() + 6) % 7;
}

export function isoDate(date: LocalDate): string {
  return `${String(date.year).padStart(4, '0')}-${String(date.month).padStart(2, '0')}-${String(date.day).padStart(2, '0')}`;
}
