// npm run db -- backup FILE | restore FILE [--yes] | copy [--from FILE] --to postgres://…
// Caring for the database: a backup while the server runs, its restore, and the move from SQLite to PostgreSQL.
// See "Your data" in the README.
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { ConfigError, loadConfig, type Config } from '../config.js';
import { copySqliteToPostgres } from '../data/copy-to-postgres.js';
import { backupSqlite, DataError, mediaFolderOf, restoreSqlite } from '../data/sqlite-backup.js';
import { describeDatabase, isOtherUrl, isPostgresUrl } from '../store/database-url.js';
import { DatabaseOpenError } from '../store/db.js';
import { UsageError } from './args.js';
import { confirmed, terminalAsk, type Ask } from './confirm.js';
import { visible } from './terminal-text.js';

export const DB_SETTINGS = ['DATABASE_PATH', 'DATABASE_URL', 'MEDIA_DIR', 'PROMPTS_DIR'] as const;
export type DbSettings = Pick<Config, 'DATABASE_PATH' | 'MEDIA_DIR' | 'PROMPTS_DIR'> & Partial<Pick<Config, 'DATABASE_URL'>>;

export interface DbIo {
  out: (text: string) => void;
  err: (text: string) => void;
  settings: DbSettings;
  /** A question on the terminal; absent when not on one (then --yes is needed). */
  ask?: Ask;
}

const usage = `Back up, restore, or move the bot's database.

Usage: npm run db -- <command> [options]

  backup FILE            A consistent copy of the SQLite database, made while the server runs, and its kept files
                         in FILE.media/ beside it. (PostgreSQL: use pg_dump, see "Your data" in the README.)
  restore FILE [--yes]   Replaces the database (--db, else DATABASE_PATH) with the backup FILE, and puts its kept
                         files into MEDIA_DIR. Asks first when the database holds data (--yes when not on a
                         terminal); refuses while a server runs on it.
  copy [--from FILE] --to postgres://…
                         Copies everything of the SQLite database (--from, else DATABASE_PATH) into a PostgreSQL
                         database that has no conversations yet (--to, else DATABASE_URL), then compares the counts.

Options: --db FILE (the SQLite database; default DATABASE_PATH), --help.`;

const count = (n: number) => n.toLocaleString('en-US');

export async function runDb(argv: string[], io: DbIo): Promise<number> {
  try {
    const { values, positionals } = parseArgs({
      args: argv,
      options: { db: { type: 'string' }, yes: { type: 'boolean' }, from: { type: 'string' }, to: { type: 'string' }, help: { type: 'boolean', short: 'h' } },
      allowPositionals: true,
    });
    const [command, file, ...extra] = positionals;
    if (values.help || !command) {
      io.out(usage);
      return values.help ? 0 : 1;
    }
    if (extra.length > 0) throw new UsageError(`unexpected words: ${extra.join(' ')}`);
    const sqlitePath = values.db ?? io.settings.DATABASE_PATH;
    if (command === 'backup' || command === 'restore') {
      if (!file) throw new UsageError(`${command} needs a FILE: npm run db -- ${command} backups/bot-2026-11-30.db`);
      const postgres = values.db === undefined ? io.settings.DATABASE_URL : isPostgresUrl(values.db) ? values.db : undefined;
      if (postgres || isOtherUrl(sqlitePath)) {
        throw new UsageError(
          command === 'backup'
            ? `the database is PostgreSQL (${describeDatabase(postgres ?? sqlitePath)}): back it up with pg_dump, as "Your data" in the README shows`
            : `the database is PostgreSQL (${describeDatabase(postgres ?? sqlitePath)}): restore a pg_dump with pg_restore, or move a SQLite backup in with: npm run db -- copy --from ${file} --to postgres://…`,
        );
      }
      if (command === 'backup') {
        const done = await backupSqlite({ database: sqlitePath, mediaDir: io.settings.MEDIA_DIR, target: file });
        io.out(`Backed up ${sqlitePath} to ${file} (${count(done.messages)} messages, ${count(Math.round(done.bytes / 1024))} KB) and ${done.files} kept files to ${mediaFolderOf(file)}/.`);
        if (done.missing > 0) io.out(`${done.missing} kept files the records name were not in ${io.settings.MEDIA_DIR} (deleted by hand?): their records are kept without them.`);
        return 0;
      }
      const done = await restoreSqlite({
        backup: file,
        database: sqlitePath,
        mediaDir: resolve(io.settings.MEDIA_DIR),
        confirm: async (what) => {
          const answer = await confirmed(io.ask, values.yes === true, `${what}. Replace it? Type yes: `, 'yes');
          if (answer === 'needs --yes') throw new UsageError(`${what}: add --yes to replace it (not on a terminal, nobody can be asked). Nothing was changed.`);
          return answer;
        },
      });
      if (!done) {
        io.out('Not confirmed: nothing was changed.');
        return 1;
      }
      io.out(`Restored ${file} into ${sqlitePath}: ${count(done.contacts)} contacts, ${count(done.messages)} messages; ${done.files} kept files into ${io.settings.MEDIA_DIR}. Start the server.`);
      return 0;
    }
    if (command === 'copy') {
      if (file) throw new UsageError('copy takes --from FILE and --to URL, no other words');
      const from = values.from ?? sqlitePath;
      const to = values.to ?? io.settings.DATABASE_URL;
      if (!to) throw new UsageError('copy needs --to postgres://user:password@host:5432/database (or DATABASE_URL)');
      if (!isPostgresUrl(to)) throw new UsageError(`--to must be a PostgreSQL URL (postgres://…), not ${describeDatabase(to)}`);
      if (isPostgresUrl(from) || isOtherUrl(from)) throw new UsageError('--from is the SQLite file to copy (DATABASE_PATH by default)');
      io.out(`Copying ${from} into ${describeDatabase(to)}…`);
      const done = await copySqliteToPostgres({ from, to, knowledgeDir: join(io.settings.PROMPTS_DIR, 'knowledge') });
      const counts = Object.entries(done.counts).map(([table, n]) => `${table} ${count(n)}`).join(', ');
      io.out(`Copied, and the counts match: ${counts}.`);
      const replaced = Object.entries(done.replaced).map(([table, n]) => `${table} ${count(n)}`).join(', ');
      if (replaced) io.out(`Replaced what a server had stored there before any message (${replaced}): the SQLite file's webhook secret and settings win.`);
      io.out(done.knowledgeIndexed ? `Knowledge index rebuilt from ${join(io.settings.PROMPTS_DIR, 'knowledge')}.` : 'No knowledge files to index; the server indexes them when they appear.');
      io.out(
        `Kept files were not moved: they stay in MEDIA_DIR (${resolve(io.settings.MEDIA_DIR)}), which the records name. Every instance must see that folder at that path (a shared volume).\n` +
          `Next: set DATABASE_URL in every instance's .env and (re)start them; keep ${from} as a backup.`,
      );
      return 0;
    }
    throw new UsageError(`unknown command "${command}"`);
  } catch (error) {
    if (error instanceof UsageError || error instanceof DataError || error instanceof DatabaseOpenError || (error instanceof TypeError && 'code' in error)) {
      io.err(`Error: ${visible(error.message)}`);
      return 1;
    }
    throw error;
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  try {
    const { config, warnings } = loadConfig({ only: DB_SETTINGS });
    for (const warning of warnings) console.error(`Warning: ${warning}`);
    const ask = terminalAsk();
    process.exitCode = await runDb(process.argv.slice(2), { out: (t) => console.log(t), err: (t) => console.error(t), settings: config, ...(ask && { ask }) });
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    console.error(`Error: ${error.message}`);
    process.exitCode = 1;
  }
}
