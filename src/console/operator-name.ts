// What an operator's name may be: shown on every page and in every transcript, so short, one line, and visible.

export const MAX_NAME_CHARS = 64;
/** The name the transcripts tool's actions are recorded under; no account may take it. */
export const TERMINAL = 'terminal';

// Control characters, and the invisible ones that can disguise a name or reorder the text around it.
const INVISIBLE = /[\p{Cc}\p{Cf}\p{Zl}\p{Zp}]/u;

/** Why a name is refused, or null when it is acceptable. */
export function nameProblem(name: string): string | null {
  if (name.trim() === '') return 'a name cannot be empty';
  if (name !== name.trim()) return 'a name cannot start or end with a space';
  if ([...name].length > MAX_NAME_CHARS) return `a name may have at most ${MAX_NAME_CHARS} characters`;
  if (INVISIBLE.test(name)) return 'a name cannot contain control or invisible characters';
  if (/\s\s/.test(name) || /[^\S ]/.test(name)) return 'a name may contain single spaces only (no tabs or runs of spaces)';
  if (name.toLowerCase() === TERMINAL) return `"${TERMINAL}" is reserved for the transcripts tool's actions`;
  return null;
}
