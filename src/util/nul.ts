// One rule for U+0000 (NUL) in text from outside: PostgreSQL's text columns cannot hold it (SQLite can), so a message
// carrying one would be lost on one backend and kept on the other.
//
// It becomes U+FFFD (the replacement character), not nothing: removing it would join what it separated
// ("hello\0world" → "helloworld") and would make two different message ids one ("A\0B" and "AB"), so that a new
// message could pass for a redelivery of another; U+FFFD is Unicode's own mark for "a character that could not be
// kept here", and shows a reviewer that something was there.

export const NUL_REPLACEMENT = '\uFFFD';

export function withoutNul(text: string): string {
  return text.includes('\0') ? text.replaceAll('\0', NUL_REPLACEMENT) : text;
}
