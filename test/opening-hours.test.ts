// prompts/opening-hours.txt read as an operator writes it, and what it says at a given instant in the business's
// time zone: every instant here is given by the test, never read from the machine's clock or zone.
import { describe, expect, it } from 'vitest';
import { OpeningHoursError, parseOpeningHours } from '../src/hours/opening-hours.js';
import { nowNote, openingState } from '../src/hours/now-note.js';

const at = (iso: string) => Date.parse(iso);
const stateIn = (zone: string, file: string) => (iso: string) => openingState(parseOpeningHours(file), at(iso), zone);

function refusal(file: string): OpeningHoursError {
  try {
    parseOpeningHours(file);
  } catch (error) {
    if (error instanceof OpeningHoursError) return error;
    throw error;
  }
  throw new Error('the file was accepted');
}

describe('opening hours in Jakarta (UTC+7, no daylight saving)', () => {
  const jakarta = stateIn('Asia/Jakarta', 'Mon-Fri 09:00-17:00\nSat 09:00-13:00\nSun closed\n');

  it('the minute before and after opening and closing', () => {
    // Monday 30 November 2026: 09:00 in Jakarta is 02:00 UTC.
    expect(jakarta('2026-11-30T01:59:00Z')).toBe('closed; opens today, Monday 30 November at 09:00');
    expect(jakarta('2026-11-30T02:00:00Z')).toBe('open; closes today, Monday 30 November at 17:00');
    expect(jakarta('2026-11-30T09:59:00Z')).toBe('open; closes today, Monday 30 November at 17:00');
    expect(jakarta('2026-11-30T10:00:00Z')).toBe('closed; opens tomorrow, Tuesday 1 December at 09:00');
  });

  it('Saturday afternoon, after closing, opens again on Monday', () => {
    expect(jakarta('2026-12-05T06:00:00Z')).toBe('closed; opens Monday 7 December at 09:00');
  });

  it('the note names the local date, weekday and time, and the state', () => {
    const note = nowNote({ now: at('2026-12-05T16:30:00Z'), zone: 'Asia/Jakarta', hours: parseOpeningHours('Mon-Fri 09:00-17:00\nSat 09:00-13:00\n') });
    expect(note).toBe('Current local date and time: Saturday 5 December 2026, 23:30 (Asia/Jakarta).\nThe business is closed; opens Monday 7 December at 09:00.');
    expect(nowNote({ now: at('2026-12-05T16:30:00Z'), zone: 'Asia/Jakarta', hours: null })).toBe('Current local date and time: Saturday 5 December 2026, 23:30 (Asia/Jakarta).');
  });
});

describe('opening hours in Berlin across a change of clocks', () => {
  // Saturday's line replaces the first line's Saturday.
  const berlin = stateIn('Europe/Berlin', 'Mon-Sun 09:00-17:00\nSat 22:00-04:00\n');

  it('spring forward: Sunday opens at 09:00 summer time, 07:00 UTC (on Friday it was 08:00 UTC)', () => {
    expect(berlin('2026-03-27T07:59:00Z')).toBe('closed; opens today, Friday 27 March at 09:00');
    expect(berlin('2026-03-27T08:00:00Z')).toBe('open; closes today, Friday 27 March at 17:00');
    expect(berlin('2026-03-29T06:59:00Z')).toBe('closed; opens today, Sunday 29 March at 09:00');
    expect(berlin('2026-03-29T07:00:00Z')).toBe('open; closes today, Sunday 29 March at 17:00');
  });

  it('a range past midnight that the clock change shortens closes at 04:00 local time', () => {
    // Saturday 22:00 CET is 21:00 UTC; Sunday 04:00 CEST is 02:00 UTC: five hours, not six.
    expect(berlin('2026-03-28T20:59:00Z')).toBe('closed; opens today, Saturday 28 March at 22:00');
    expect(berlin('2026-03-28T21:00:00Z')).toBe('open; closes tomorrow, Sunday 29 March at 04:00');
    expect(berlin('2026-03-29T01:59:00Z')).toBe('open; closes today, Sunday 29 March at 04:00');
    expect(berlin('2026-03-29T02:00:00Z')).toBe('closed; opens today, Sunday 29 March at 09:00');
  });

  it('fall back: Sunday 25 October opens at 09:00 winter time, 08:00 UTC', () => {
    expect(berlin('2026-10-25T07:59:00Z')).toBe('closed; opens today, Sunday 25 October at 09:00');
    expect(berlin('2026-10-25T08:00:00Z')).toBe('open; closes today, Sunday 25 October at 17:00');
    expect(nowNote({ now: at('2026-10-25T08:00:00Z'), zone: 'Europe/Berlin', hours: null })).toContain('Sunday 25 October 2026, 09:00 (Europe/Berlin)');
  });
});

describe('rules', () => {
  it('a range past midnight belongs to the day it starts, even when the next day is closed', () => {
    const state = stateIn('Asia/Jakarta', 'Fri 20:00-02:00\nSat closed\n');
    // Friday 4 December 2026, 19:59 in Jakarta.
    expect(state('2026-12-04T12:59:00Z')).toBe('closed; opens today, Friday 4 December at 20:00');
    expect(state('2026-12-04T13:00:00Z')).toBe('open; closes tomorrow, Saturday 5 December at 02:00');
    expect(state('2026-12-04T18:59:00Z')).toBe('open; closes today, Saturday 5 December at 02:00');
    expect(state('2026-12-04T19:00:00Z')).toBe('closed; opens Friday 11 December at 20:00');
  });

  it('a date overrides its weekday: a holiday on a weekday, and shorter hours on another', () => {
    const state = stateIn('Asia/Jakarta', 'Mon-Fri 09:00-17:00\n2026-12-25 closed   # Christmas, a Friday\n2026-12-31 09:00-12:00\n');
    expect(state('2026-12-24T09:59:00Z')).toBe('open; closes today, Thursday 24 December at 17:00');
    expect(state('2026-12-25T03:00:00Z')).toBe('closed; opens Monday 28 December at 09:00');
    expect(state('2026-12-31T04:59:00Z')).toBe('open; closes today, Thursday 31 December at 12:00');
    expect(state('2026-12-31T05:00:00Z')).toBe('closed; opens tomorrow, Friday 1 January at 09:00');
  });

  it('the next opening a week away when the business is closed all week', () => {
    const state = stateIn('Asia/Jakarta', 'Mon 09:00-17:00\n');
    expect(state('2026-11-30T10:00:00Z')).toBe('closed; opens Monday 7 December at 09:00');
    const closedWeek = stateIn('Asia/Jakarta', 'Mon-Fri 09:00-17:00\n2026-11-30 closed\n2026-12-01 closed\n2026-12-02 closed\n2026-12-03 closed\n2026-12-04 closed\n');
    expect(closedWeek('2026-11-29T10:00:00Z')).toBe('closed; opens Monday 7 December at 09:00');
  });

  it('several ranges a day, Indonesian day names and times, and a later line replacing an earlier one', () => {
    const state = stateIn('Asia/Jakarta', 'Sen-Jum 08.00-16.00\nSen-Kam 09:00-12:00, 13:00-17:00 # lunch break\nSabtu tutup\nMin closed\n');
    expect(state('2026-11-30T05:00:00Z')).toBe('closed; opens today, Monday 30 November at 13:00');
    expect(state('2026-11-30T06:00:00Z')).toBe('open; closes today, Monday 30 November at 17:00');
    // Friday keeps the first line's hours.
    expect(state('2026-12-04T01:00:00Z')).toBe('open; closes today, Friday 4 December at 16:00');
    expect(state('2026-12-04T09:00:00Z')).toBe('closed; opens Monday 7 December at 09:00');
  });

  it('a line that cannot be read is refused with its line number', () => {
    expect(refusal('# our hours\nMon-Fri 09:00-17:00\nSat 9am-1pm\n')).toMatchObject({ line: 3, message: expect.stringMatching(/^line 3: "9am-1pm" is not a time range such as 09:00-17:00/) });
    expect(refusal('Funday 09:00-17:00').message).toMatch(/^line 1: "Funday" is not a day/);
    expect(refusal('\n2026-02-30 closed').message).toMatch(/^line 2: "2026-02-30" is not a date/);
    expect(refusal('Mon 09:00-25:00').line).toBe(1);
    expect(refusal('Mon 09:00-12:00, 11:00-17:00').message).toMatch(/overlap/);
    expect(refusal('Mon').message).toMatch(/needs days and hours/);
  });
});
