// Reads a .env file strictly: a line that is not a setting, or a quote that never closes, is an error with its line
// number, not something silently dropped (Node's own loader skips both).

export interface EnvFileEntry {
  value: string;
  line: number;
}

export class EnvFileError extends Error {
  override name = 'EnvFileError';
}

const KEY = /^[A-Za-z_][A-Za-z0-9_]*$/;
const ESCAPES: Record<string, string> = { n: '\n', r: '\r', t: '\t', '"': '"', '\\': '\\' };

function unquote(raw: string, where: string): string {
  const quote = raw[0];
  if (quote !== '"' && quote !== "'") {
    // Unquoted: a " #" starts a comment, as in every dotenv dialect.
    return raw.replace(/\s+#.*$/, '').trim();
  }
  const end = raw.indexOf(quote, 1);
  if (end === -1) throw new EnvFileError(`${where}: the value opens a ${quote} quote that is never closed (values are one line long)`);
  const rest = raw.slice(end + 1).trim();
  if (rest !== '' && !rest.startsWith('#')) throw new EnvFileError(`${where}: unexpected text after the closing quote: ${JSON.stringify(rest.slice(0, 40))}`);
  const inner = raw.slice(1, end);
  return quote === '"' ? inner.replace(/\\([nrt"\\])/g, (_, c: string) => ESCAPES[c]!) : inner;
}

/** Parses the text of a .env file; `name` is how errors refer to it. Later lines win over earlier ones (with a warning). */
export function parseEnvFile(text: string, name = '.env'): { entries: Map<string, EnvFileEntry>; warnings: string[] } {
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
    if (!KEY.test(key)) {
      throw new EnvFileError(`${where} is not a setting (expected NAME=value): ${JSON.stringify(trimmed.slice(0, 60))}`);
    }
    // A quoted value keeps its own spaces, so only the space between "=" and the value is dropped.
    const value = unquote(assignment.slice(eq + 1).trimStart(), where);
    const earlier = entries.get(key);
    if (earlier) warnings.push(`${key} is set twice in ${name} (lines ${earlier.line} and ${line}); line ${line} wins`);
    entries.set(key, { value, line });
  });
  return { entries, warnings };
}
