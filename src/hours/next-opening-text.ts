// The next opening as a customer reads it in a message an operator wrote ({next_opening} in handoff-closed.md), in
// the words of that file's language: "Monday 30 November at 09:00", "Senin, 30 November pukul 09.00".

/** The language of a text file without a language in its name (handoff-closed.md). */
export const PLAIN_FILE_LOCALE = 'en';

/**
 * Bare 'en' is American English to Intl ("Monday, November 30"): written day first here, as every other date the
 * bot writes ("Monday 30 November"). A file that wants another English can say so (en-US).
 */
const intlLocale = (locale: string) => (locale.toLowerCase() === 'en' ? 'en-GB' : locale);

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatterFor(timeZone: string, locale: string): Intl.DateTimeFormat {
  const key = `${timeZone}\u0000${locale}`;
  let formatter = formatters.get(key);
  if (!formatter) {
    const options: Intl.DateTimeFormatOptions = { timeZone, weekday: 'long', day: 'numeric', month: 'long', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' };
    try {
      formatter = new Intl.DateTimeFormat(intlLocale(locale), options);
    } catch {
      // Not a language tag at all: English rather than no message. (A tag Intl does not know falls back by itself.)
      formatter = new Intl.DateTimeFormat(intlLocale(PLAIN_FILE_LOCALE), options);
    }
    formatters.set(key, formatter);
  }
  return formatter;
}

/**
 * `instant` as the business's clocks show it (`timeZone`), written in `locale` (a BCP 47 language tag such as 'id',
 * 'en', 'en-US'): weekday, day, month and a 24-hour time, as that language writes them.
 */
export function formatNextOpening(instant: number, timeZone: string, locale: string): string {
  return formatterFor(timeZone, locale).format(new Date(instant));
}
