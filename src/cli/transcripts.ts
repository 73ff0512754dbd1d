// npm run transcripts -- <command>: review what the bot told your customers, from the same SQLite file
// the server writes (safe while it runs: reads never block it), and take a conversation over or hand it back.
import { writeFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { openDatabase, type Db } from '../store/db.js';
import { findContactByPhone } from '../store/queries.js';
import { listContacts, searchMessages, transcriptRows, type TranscriptRow } from '../store/transcripts.js';
import { loadDotEnv, normaliseNumber, parseSince, requireDatabase, UsageError } from './args.js';
import { handoffCommands, handoffCutoff, requireNumber, type Command, type Io, type ParsedArgs } from './commands.js';
import { toCsv, toJsonLines } from './export.js';
import { chatLines, describeReceived, describeSent, formatTime, table } from './format.js';

const common = { db: { type: 'string' }, help: { type: 'boolean', short: 'h' } } as const;

const commands: Record<string, Command> = {};

commands.list = {
  usage: `list [--since 7d|2026-11-01] [--limit N]
  Every contact: name, number, first and last message, message count, fallbacks, and whether it waits
  for a human. Waiting contacts come first, then the most recent.`,
  options: { since: { type: 'string' }, limit: { type: 'string' } },
  run(db, { values }, io) {
    const limit = values.limit === undefined ? undefined : Number(values.limit);
    if (limit !== undefined && !(Number.isInteger(limit) && limit > 0)) throw new UsageError('--limit must be a positive whole number');
    const since = parseSince(values.since as string | undefined, io.now);
    const contacts = listContacts(db(), { since, limit, handoffActiveAfter: handoffCutoff(io) });
    if (contacts.length === 0) {
      io.out('No conversations yet.');
      return 0;
    }
    const rows = contacts.map((c) => {
      const waiting = c.handoffAt !== null && c.handoffAt > handoffCutoff(io);
      return [
        c.name ?? '',
        c.phone,
        formatTime(c.firstAt),
        formatTime(c.lastAt),
        String(c.messages),
        String(c.fallbacks),
        waiting ? `WAITING: ${c.handoffReason ?? ''}` : '',
      ];
    });
    io.out(table(['NAME', 'NUMBER', 'FIRST', 'LAST', 'MESSAGES', 'FALLBACKS', 'HUMAN'], rows));
    return 0;
  },
};

commands.show = {
  usage: `show <number> [--since 7d|2026-11-01]
  One conversation as a chat: time, who, what was said. Media are labelled lines; the bot's replies show
  their type, fallbacks their reason, and the LLM's latency.`,
  options: { since: { type: 'string' } },
  run(db, { values, positionals }, io) {
    const phone = requireNumber(positionals);
    const contact = findContactByPhone(db(), phone);
    if (!contact) throw new UsageError(`no conversation with ${phone}; "npm run transcripts -- list" shows every number`);
    const rows = transcriptRows(db(), { phone, since: parseSince(values.since as string | undefined, io.now) });
    io.out(`Conversation with ${contact.displayName ?? 'unknown name'} (${contact.phone}), ${rows.length} messages`);
    if (contact.handoffAt !== null && contact.handoffAt > handoffCutoff(io)) {
      io.out(`Waiting for a human since ${formatTime(contact.handoffAt)}: ${contact.handoffReason ?? ''}`);
    }
    io.out('');
    io.out(chatLines(rows).join('\n'));
    return 0;
  },
};

commands.search = {
  usage: `search <words…> [--limit N]
  Messages that contain every word, across all conversations, newest first, with the contact and time.`,
  options: { limit: { type: 'string' } },
  run(db, { values, positionals }, io) {
    if (positionals.length === 0) throw new UsageError('search needs at least one word');
    const hits = searchMessages(db(), { words: positionals, limit: Number(values.limit ?? 50) || 50 });
    if (hits.length === 0) {
      io.out(`No message contains: ${positionals.join(' ')}`);
      return 0;
    }
    const line = (row: TranscriptRow) => (row.direction === 'in' ? describeReceived(row) : describeSent(row).join(' | '));
    io.out(table(['TIME', 'NUMBER', 'NAME', 'WHO', 'MESSAGE'], hits.map((r) => [formatTime(r.createdAt), r.phone, r.name ?? '', r.direction === 'in' ? 'customer' : 'bot', line(r)])));
    return 0;
  },
};

commands.export = {
  usage: `export [--format jsonl|csv] [--contact <number>] [--since 7d|2026-11-01] [--out FILE]
  Every message as JSON Lines (default) or CSV, oldest first, to standard output or FILE.`,
  options: { format: { type: 'string' }, contact: { type: 'string' }, since: { type: 'string' }, out: { type: 'string' } },
  run(db, { values }, io) {
    const format = (values.format as string | undefined) ?? 'jsonl';
    if (format !== 'jsonl' && format !== 'csv') throw new UsageError('--format must be jsonl or csv');
    const phone = values.contact === undefined ? undefined : normaliseNumber(values.contact as string);
    if (phone !== undefined && !findContactByPhone(db(), phone)) throw new UsageError(`no conversation with ${phone}`);
    const rows = transcriptRows(db(), { phone, since: parseSince(values.since as string | undefined, io.now) });
    const text = format === 'jsonl' ? toJsonLines(rows) : toCsv(rows);
    if (values.out) {
      writeFileSync(values.out as string, text);
      io.out(`Wrote ${rows.length} messages to ${values.out}`);
    } else if (text) io.out(text.trimEnd());
    return 0;
  },
};

Object.assign(commands, handoffCommands);

const overview = `Review the bot's conversations.

Usage: npm run transcripts -- <command> [options]

${Object.values(commands).map((c) => `  ${c.usage.split('\n')[0]}`).join('\n')}

Every command takes --db FILE (default: DATABASE_PATH from the environment or .env, else data/bot.db)
and --help.`;

/** Runs one command; returns the exit code. Errors meant for the operator are printed, not thrown. */
export function runTranscripts(argv: string[], io: Io & { err: (text: string) => void }): number {
  const [name, ...rest] = argv;
  if (!name || name === 'help' || name === '--help' || name === '-h') {
    io.out(overview);
    return name ? 0 : 1;
  }
  const command = commands[name];
  if (!command) {
    io.err(`Unknown command "${name}".\n\n${overview}`);
    return 1;
  }
  let database: Db | undefined;
  try {
    const args = parseArgs({ args: rest, options: { ...common, ...command.options }, allowPositionals: true }) as ParsedArgs;
    if (args.values.help) {
      io.out(`Usage: npm run transcripts -- ${command.usage}\n\nOptions: --db FILE  the database (default ${io.env.DATABASE_PATH ?? 'data/bot.db'})`);
      return 0;
    }
    const path = (args.values.db as string | undefined) ?? io.env.DATABASE_PATH ?? 'data/bot.db';
    const db = () => {
      if (!database) {
        requireDatabase(path);
        // Only pause and resume write; everything else opens the file read-only so it can never disturb the server.
        database = openDatabase(path, { readonly: !command.writes });
      }
      return database;
    };
    return command.run(db, args, io);
  } catch (error) {
    if (error instanceof UsageError || (error instanceof TypeError && 'code' in error && String(error.code).startsWith('ERR_PARSE_ARGS'))) {
      io.err(`Error: ${error.message}\nSee: npm run transcripts -- ${name} --help`);
      return 1;
    }
    throw error;
  } finally {
    database?.$client.close();
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  loadDotEnv();
  process.exitCode = runTranscripts(process.argv.slice(2), {
    out: (text) => console.log(text),
    err: (text) => console.error(text),
    env: process.env,
    now: Date.now(),
  });
}
