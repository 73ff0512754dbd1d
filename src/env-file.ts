// Reads a .env file strictly: a line that is not a setting, or a quote that never closes, is an error with its line
// number, not something silently dropped (Node's own loader skips both). An error never quotes the line: a broken
// line is as likely to hold a key as any other (OPENAI_API_KEY: sk-…, or a key pasted alone), and these errors end up
// in systemd's or Docker's log. They say what is wrong and name the setting, when the line starts with one.

export interface EnvFileEntry {
  value: string;
  line: number;
}

export class EnvFileError extends Error {
  override name = 'EnvFileError';
}

const KEY = /^[A-Za-z_][A-Za-z0-9_]*$/;
const ESCAPES: Record<string, string> = { n: '\n', r: '\r', t: '\t', '"': '"', '\\': '\\' };

/**
 * A word from a broken line, as an error may show it: a setting's name, or a name written like one (capitals, digits
 * and "_", with at least one "_"). Anything else may be a key pasted in the wrong place, and is not shown.
 */
export function shownName(word: string, settingNames: ReadonlySet<string>): string | null {
  return settingNames.has(word) || /^[A-Z][A-Z0-9]*(_[A-Z0-9]+)+$/.test(word) ? word : null;
}

/** What is wrong with a line that is not NAME=value, in words that never repeat its text. */
function notASetting(line: string, where: string, settingNames: ReadonlySet<string>): EnvFileError {
  const expected = '(expected NAME=value; the line is not shown, in case it holds a secret)';
  const word = /^[A-Za-z_][A-Za-z0-9_]*/.exec(line)?.[0];
  const name = word === undefined ? null : shownName(word, settingNames);
  if (name === null) {
    const eq = line.indexOf('=');
    if (eq > 0) return new EnvFileError(`${where} is not a setting: the text before "=" is not a name (letters, digits and _, not starting with a digit) ${expected}`);
    return new EnvFileError(`${where} is not a setting ${expected}`);
  }
  const after = line.slice(name.length).trimStart();
  if (after === '') return new EnvFileError(`${where}: ${name} has no "=" and no value (write ${name}=value)`);
  const eq = after.indexOf('=');
  const problem = after[0] === ':' ? 'is followed by ":" where "=" belongs' : eq === -1 ? 'is not followed by "="' : 'is followed by something other than "="';
  return new EnvFileError(`${where}: ${name} ${problem} (write ${name}=value; the value is not shown)`);
}

function unquote(raw: string, where: string): string {
  const quote = raw[0];
  if (quote !== '"' && quote !== "'") {
    // Unquoted: a " #" starts a comment, as in every dotenv dialect.
    return raw.replace(/\s+#.*$/, '').trim();
  }
  const end = raw.indexOf(quote, 1);
  if (end === -1) throw new EnvFileError(`${where}: the value opens a ${quote} quote that is never closed (values are one line long)`);
  const rest = raw.slice(end + 1).trim();
  if (rest !== '' && !rest.startsWith('#')) throw new EnvFileError(`${where}: text after the closing quote (a comment there starts with " #"; the value is not shown)`);
  const inner = raw.slice(1, end);
  return quote === '"' ? inner.replace(/\\([nrt"\\])/g, (_, c: string) => ESCAPES[c]!) : inner;
}

/**
 * Parses the text of a .env file; `name` is how errors refer to it, `settingNames` the names an error may show.
 * Later lines win over earlier ones (with a warning).
 */
export function parseEnvFile(
  text: string,
  name = '.env',
  settingNames: ReadonlySet<string> = new Set(),
): { entries: Map<string, EnvFileEntry>; warnings: string[] } {
  const entries = new Map<string, EnvFileEntry>();
  const warnings: string[] = [];
  text.split(/\r?\n/).forEach((rawLine, index) => {
    const line = index + 1;
    const where = `${name} line ${line}`;
    const trimmed = rawLine.trim();
    if (trimmed === '' || trimmed.startsWith('#')) return;
    const assignment = trimmed.replace(/^export\s+/, '');
    const eq = assignment.indexOf('=');
    const key = eq === -1 ? '' : assignment.slice(0, eq).trim();
    if (!KEY.test(key)) throw notASetting(assignment, where, settingNames);
    const shown = shownName(key, settingNames);
    // A quoted value keeps its own spaces, so only the space between "=" and the value is dropped.
    const value = unquote(assignment.slice(eq + 1).trimStart(), shown ? `${where} (${shown})` : where);
    const earlier = entries.get(key);
    if (earlier) warnings.push(`${shown ?? 'The same name'} is set twice in ${name} (lines ${earlier.line} and ${line}); line ${line} wins`);
    entries.set(key, { value, line });
  });
  return { entries, warnings };
}
