// Text that came from outside (customers' names and messages, model output) on its way to an operator's terminal.
// Escape sequences in it could retitle the window, clear the screen, write the clipboard (OSC 52) or plant links
// (OSC 8), and a 900 000-character name would pad every row of a table: both are made harmless here.

// C0 controls except tab and newline, DEL, C1 (a lone 0x9b is CSI on some terminals), the Unicode line separators,
// and the bidirectional overrides that can make a line read differently from what it holds.
const CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

const escape = (char: string) => {
  const code = char.codePointAt(0)!;
  return code < 0x100 ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`;
};

/**
 * A text made only of invisible characters (zero-width spaces and other format characters, and spaces): a name that
 * shows as nothing, or as a blank that looks like another. Its format characters are shown as escapes. Inside other
 * text they stay, since emoji sequences (👨‍👩‍👧, joined by U+200D) and scripts such as Persian need them.
 */
const INVISIBLE_ONLY = /^[\p{Cf}\s]*\p{Cf}[\p{Cf}\s]*$/u;

/** Control characters shown as \x1b-style escapes; tab and newline are kept. */
export function visible(text: string): string {
  const shown = text.replace(CONTROL, escape);
  return INVISIBLE_ONLY.test(shown) ? shown.replace(/\p{Cf}/gu, escape) : shown;
}

/** One line: line breaks shown as ⏎, everything else made visible. */
export function oneLine(text: string): string {
  return visible(text.replace(/[ \t]*(?:\r\n|\r|\n)[ \t]*/g, ' ⏎ ').replace(/\t/g, ' '));
}

/** At most `max` characters, cut with an ellipsis (never inside a surrogate pair). */
export function clip(text: string, max: number): string {
  if (text.length <= max) return text;
  let end = max - 1;
  const last = text.charCodeAt(end - 1);
  if (last >= 0xd800 && last <= 0xdbff) end -= 1;
  return `${text.slice(0, end)}…`;
}

/** A value from outside as one table cell or preview: one line, visible, bounded. Cut before escaping, so it is cheap. */
export function cell(text: string | null | undefined, max: number): string {
  return clip(oneLine(clip(text ?? '', max * 2)), max);
}
