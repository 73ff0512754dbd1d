// A database URL in an error, a log line or the tools' help never shows a part of its password, whatever characters
// the password holds; a URL that cannot be read is not shown at all.
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runTranscripts } from '../src/cli/transcripts.js';
import { silentLogger } from '../src/logger.js';
import { describeUrl } from '../src/store/database-url.js';
import { DatabaseOpenError } from '../src/store/db.js';
import { openStorageAt } from '../src/store/open-storage.js';
import { openPostgresStorage } from '../src/store/pg/storage.js';
import { tempDir } from './helpers/app.js';
import { freshPostgresDatabase, postgresUrl } from './helpers/postgres.js';

/** Every piece of a password of three characters or more (the passwords here are made of unlikely letters): none may
 * appear in what is printed. */
const piecesOf = (password: string) => {
  const pieces = new Set<string>();
  for (let i = 0; i < password.length; i++) for (let j = i + 3; j <= password.length; j++) pieces.add(password.slice(i, j));
  return [...pieces];
};

const expectNoPartOf = (printed: string, password: string) => {
  for (const piece of piecesOf(password)) expect(printed, `"${piece}" of the password is printed`).not.toContain(piece);
};

// Nothing listens on port 1: every attempt is refused at once, without a DNS lookup.
const hostile = [
  { password: 'q@zx/vkw', url: 'postgres://bot:q@zx/vkw@127.0.0.1:1/bot' },
  { password: 'q:z@x#v?k', url: 'postgres://bot:q:z@x#v?k@127.0.0.1:1/bot' },
  { password: '12?zqxv', url: 'postgres://bot:12?zqxv@127.0.0.1:1/bot' },
  { password: 'zq xv[', url: 'postgres://bot:zq xv[@127.0.0.1:1/bot' },
  { password: 'zqxvk22', url: 'postgres://bot:zqxvk22@127.0.0.1:99999/bot' },
  { password: 'q%40zx%2Fvkw', url: 'postgres://bot:q%40zx%2Fvkw@127.0.0.1:1/bot' },
];

describe('a database URL as the program prints it', () => {
  it('is the URL without user, password and query when the password is percent-encoded', () => {
    expect(describeUrl('postgres://bot:p%40ss%2Fword@127.0.0.1:5432/bot')).toBe('postgres://127.0.0.1:5432/bot');
    expect(describeUrl('postgresql://bot:p%3Aa%40b%23c%3Fd@db.internal/bot?sslmode=require&password=x')).toBe('postgresql://db.internal/bot');
    // "@" alone is read right by the parser: the last one ends the userinfo.
    expect(describeUrl('postgres://bot:p@ss@db.internal:5432/bot')).toBe('postgres://db.internal:5432/bot');
  });

  it('shows no part of a password that holds "/", "?" or "#" unencoded, and says how to write it', () => {
    expect(describeUrl('postgres://bot:p@ss/word@127.0.0.1:5432/bot')).toMatch(/^\(URL not shown: .*%2F, %3F and %23\)$/);
    expect(describeUrl('postgres://bot:p:a@b#c?d@127.0.0.1:5432/bot')).toMatch(/^\(URL not shown/);
    expect(describeUrl('postgres://bot:12?secret@127.0.0.1:5432/bot')).toMatch(/^\(URL not shown/);
    expect(describeUrl('postgres://bot:se cret[@[::1/bot')).toBe('(URL not shown: it is not a valid URL)');
  });

  it.each(hostile)('opening $url fails with one error that holds no part of the password', async ({ url, password }) => {
    const error = await openStorageAt(url, { logger: silentLogger, poolSize: 1 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DatabaseOpenError);
    expect((error as Error).message).toMatch(/^cannot open the database /);
    expectNoPartOf((error as Error).message, password);
  });

  it.each(hostile)('the transcripts tool on $url prints no part of the password, in its error or its help', async ({ url, password }) => {
    const err: string[] = [];
    const out: string[] = [];
    const io = { out: (t: string) => out.push(t), err: (t: string) => err.push(t), settings: { DATABASE_PATH: 'unused.db', DATABASE_URL: url, HANDOFF_HOURS: 24 }, now: Date.now() };
    expect(await runTranscripts(['list'], io)).toBe(1);
    expect(await runTranscripts(['list', '--help'], io)).toBe(0);
    expect(err.join('\n')).toMatch(/^Error: cannot open the database /);
    expectNoPartOf([...err, ...out].join('\n'), password);
  });

  it('a mistyped URL given as --db is refused without being printed', async () => {
    const dir = tempDir();
    const err: string[] = [];
    const io = { out: () => {}, err: (t: string) => err.push(t), settings: { DATABASE_PATH: join(dir, 'bot.db'), HANDOFF_HOURS: 24 }, now: Date.now() };
    for (const typo of ['postgress://bot:hunter22@db.internal/bot', 'postgres:/bot:hunter22@db.internal/bot']) {
      expect(await runTranscripts(['pause', '6281100000001', '--db', typo], io)).toBe(1);
    }
    expect(err).toHaveLength(2);
    for (const line of err) {
      expect(line).toBe('Error: cannot open the database (URL not shown: only postgres:// and postgresql:// URLs name a database)');
    }
  });

  it.runIf(postgresUrl)('the server logs the database it runs on without the password', async () => {
    const url = new URL(await freshPostgresDatabase());
    // The tests' server trusts every connection: the password is sent, never checked.
    url.username = 'postgres';
    url.password = 'q@zx/v:k#w?';
    const storage = await openPostgresStorage({ url: url.toString(), poolSize: 1, deadlineMs: 2000, logger: silentLogger });
    try {
      expect(await storage.conversations.healthy()).toBe(true);
      expect(storage.location).toBe(`postgres://${url.host}${url.pathname}`);
      expectNoPartOf(storage.location, 'q@zx/v:k#w?');
    } finally {
      await storage.close();
    }
  });
});
