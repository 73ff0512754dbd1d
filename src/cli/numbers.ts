// Phone numbers as people type them (+62 811-222 333, 0811 222 333, 62811222333) read as Whatspie stores them:
// digits with the country code, no "+", no leading 0. Group ids (…@g.us) are kept as they are.

const NUMBER_PART = /^[+\d\s().-]+$/;

export function normaliseNumber(value: string, defaultCountryCode?: string): string {
  const trimmed = value.trim();
  if (!/^[+\d\s().-]+$/.test(trimmed)) return trimmed;
  const digits = trimmed.replace(/\D/g, '');
  // A local number (0812…) needs the country code to match what WhatsApp sends (62812…).
  if (defaultCountryCode && !trimmed.startsWith('+') && digits.startsWith('0')) return `${defaultCountryCode}${digits.slice(1)}`;
  return digits;
}

/**
 * A number typed as several words ("0812 3456 789") at the start of the words, and the words after it: the
 * leading words that look like parts of a number are the number.
 */
export function takeNumber(words: string[], defaultCountryCode?: string): { number: string | null; rest: string[] } {
  let count = 0;
  while (count < words.length && NUMBER_PART.test(words[count]!) && /\d/.test(words[count]!)) count += 1;
  if (count === 0) return words[0] ? { number: words[0].trim(), rest: words.slice(1) } : { number: null, rest: [] };
  return { number: normaliseNumber(words.slice(0, count).join(' '), defaultCountryCode) || null, rest: words.slice(count) };
}
