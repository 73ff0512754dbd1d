// Which backend a database location names, and how a location is shown in logs, errors and the tools' help: a
// SQLite file by its path, a PostgreSQL URL never with a part of its password.
import { printableUrl } from '../secrets.js';

export const isPostgresUrl = (where: string) => /^postgres(ql)?:\/\//i.test(where);

/** A URL that is not a PostgreSQL one (a typo: `postgress://`, `postgres:/`): never a file anyone meant to open. */
export const isOtherUrl = (where: string) => !isPostgresUrl(where) && (/^[a-z][a-z0-9+.-]+:\/\//i.test(where) || (/^postgres/i.test(where) && where.includes(':')));

/** A file's path as it is; a URL as describeUrl shows it (a mistyped one not at all: it may hold a password). */
export function describeDatabase(where: string): string {
  if (isPostgresUrl(where)) return describeUrl(where);
  if (isOtherUrl(where)) return '(URL not shown: only postgres:// and postgresql:// URLs name a database)';
  return where;
}

/**
 * The URL without its userinfo (user and password) and without its query (which may carry `password=`), taken apart
 * by the WHATWG URL parser, so that whatever characters the password holds it is never mistaken for another part.
 * A URL the parser refuses is not shown at all.
 *
 * A password with an unencoded "/", "?" or "#" ends the authority early: the parser (and node-postgres, which parses
 * the same way) then reads the rest of the password as the host, path, query or fragment, and the "@" that really
 * ended the password shows up after the host. Such a URL is not shown either, and the message says how to write it.
 */
export function describeUrl(url: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return '(URL not shown: it is not a valid URL)';
  }
  if ([parsed.host, parsed.pathname, parsed.search, parsed.hash].some((part) => part.includes('@'))) {
    return '(URL not shown: an "@" after its host means that its password holds "/", "?" or "#", which must be written %2F, %3F and %23)';
  }
  return printableUrl(url);
}
