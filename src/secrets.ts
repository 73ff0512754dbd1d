// The secrets this process holds (API keys, tokens, the webhook secret, a database password) and their removal from
// any text that came from outside (Whatspie's or a provider's error message) before it is logged or stored. Held for
// the whole process: loadConfig hands over every secret it reads, the server adds the webhook secret it generated,
// and the logger scrubs each line as its last line of defence.

const REDACTED = '[redacted]';

/**
 * Shorter values are not searched for: they would match ordinary words all over the log (a password "bot" would
 * scrub every "bot"), and no key or token is that short.
 */
const MIN_LENGTH = 4;

const held = new Set<string>();
/** Every written form of every held secret, longest first (so that a secret inside another goes with it). */
let forms: string[] = [];

/**
 * The ways a secret is written into a text: as itself (also inside "Bearer …" or "Authorization: …"), URL-encoded
 * (a query string, a URL's userinfo) and escaped inside a JSON string (a log line, an echoed request body).
 */
function writtenForms(secret: string): string[] {
  const urlEncoded = encodeURIComponent(secret);
  return [secret, urlEncoded, urlEncoded.replace(/%20/g, '+'), JSON.stringify(secret).slice(1, -1), JSON.stringify(urlEncoded).slice(1, -1)];
}

function formsOf(secrets: Iterable<string>): string[] {
  const all = new Set<string>();
  for (const secret of secrets) for (const form of writtenForms(secret)) all.add(form);
  return [...all].sort((a, b) => b.length - a.length);
}

const worthHolding = (value: string | undefined): value is string => typeof value === 'string' && value.trim().length >= MIN_LENGTH;

/** Adds secrets to those every later text is scrubbed of. */
export function holdSecrets(values: Iterable<string | undefined>): void {
  let added = false;
  for (const value of values) {
    if (!worthHolding(value) || held.has(value)) continue;
    held.add(value);
    added = true;
  }
  if (added) forms = formsOf(held);
}

function scrub(text: string, candidates: readonly string[]): string {
  let result = text;
  for (const form of candidates) if (result.includes(form)) result = result.split(form).join(REDACTED);
  return result;
}

/**
 * The text without any secret the process holds, nor any of `extra` (a client's own token, also where nothing was
 * held, as in the tests and the command-line tools).
 */
export function redactSecrets(text: string, extra: readonly (string | undefined)[] = []): string {
  const more = extra.filter((value): value is string => worthHolding(value) && !held.has(value));
  return scrub(text, more.length === 0 ? forms : formsOf([...held, ...more]));
}

/** Settings whose whole value is a secret, by name: a key, a token, a secret, a password, extra request headers. */
const SECRET_NAME = /(KEY|TOKEN|SECRET|PASSWORD|HEADERS)$/;

/**
 * The secrets among the settings: every value of a setting named like one (a JSON object of headers: each header's
 * value), and the password of any URL setting that carries one (DATABASE_URL).
 */
export function secretsInSettings(settings: Record<string, unknown>): string[] {
  const secrets: string[] = [];
  for (const [name, value] of Object.entries(settings)) {
    if (SECRET_NAME.test(name)) {
      if (typeof value === 'string') secrets.push(value);
      else if (value !== null && typeof value === 'object') secrets.push(...Object.values(value).filter((v): v is string => typeof v === 'string'));
    } else if (name.endsWith('_URL') && typeof value === 'string') {
      secrets.push(...urlSecrets(value));
    }
  }
  return secrets;
}

/**
 * The password of a URL, as written and decoded. A PostgreSQL password may hold "/" or "@", which a URL parser reads
 * as the end of the authority: what lies between the first ":" after the scheme and the last "@" before any "?" or "#"
 * is held too (a few characters too many are redacted rather than one too few).
 */
function urlSecrets(url: string): string[] {
  const found: string[] = [];
  try {
    const password = new URL(url).password;
    if (password !== '') found.push(password, safeDecode(password));
  } catch {
    // not a URL to this parser: only the reading below
  }
  const authority = /^[a-z][a-z0-9+.-]*:\/\/([^?#]*)@/i.exec(url)?.[1];
  const colon = authority?.indexOf(':') ?? -1;
  if (authority && colon !== -1) found.push(authority.slice(colon + 1), safeDecode(authority.slice(colon + 1)));
  return found;
}

function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

/**
 * A URL as it may be printed: scheme, host and path, without the userinfo, query and fragment that may carry
 * credentials. One that cannot be parsed is not printed at all.
 */
export function printableUrl(url: string): string {
  try {
    const parsed = new URL(url);
    return `${parsed.protocol}//${parsed.host}${parsed.pathname}`;
  } catch {
    return '(a URL that cannot be read)';
  }
}
