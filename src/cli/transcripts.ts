// npm run transcripts -- <command>: review what the bot told your customers, from the same SQLite file
// the server writes (safe while it runs: reads never block it), and take a conversation over or hand it back.
import { copyFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { placeInMediaDir } from '../data/kept-files.js';
import { pathToFileURL } from 'node:url';
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { handoffCutoff } from '../agent/handoff-rule.js';
import { ConfigError, loadConfig } from '../config.js';
import { DatabaseOpenError } from '../store/db.js';
import { describeDatabase } from '../store/database-url.js';
import type { Storage, TranscriptRow } from '../store/storage.js';
import { exitQuietlyWhenStdoutCloses, parseSince, positiveInt, UsageError } from './args.js';
import { openToolStorage } from './tool-storage.js';
import { handoffCommands, requireNumber, shownName, TOOL_SETTINGS, waitingForHuman, type Command, type Io, type ParsedArgs } from './commands.js';
import { toCsv, toJsonLines } from './export.js';
import { chatLines, describeReceived, describeSent, formatTime, handedOver, handedOverInFull, table, writer } from './format.js';
import { isNumberPart, normaliseNumber } from './numbers.js';
import { resendCommand } from './resend.js';
import { forgetCommand } from './forget.js';
import { terminalAsk } from './confirm.js';
import { cell, visible } from './terminal-text.js';

const common = { db: { type: 'string' }, help: { type: 'boolean', short: 'h' } } as const;

const commands: Record<string, Command> = {};

commands.list = {
  usage: `list [--since 7d|2026-11-01] [--limit N]
  Every contact: name, number, first and last message, message count, fallbacks, and whether it waits
  for a human. Waiting contacts come first, then the most recent.`,
  options: { since: { type: 'string' }, limit: { type: 'string' } },
  async run(storage, { values }, io) {
    const limit = positiveInt('limit', values.limit);
    const since = parseSince(values.since as string | undefined, io.now);
    const { reports } = await storage();
    const contacts = await reports.listContacts({ since, limit, handoffActiveAfter: handoffCutoff(io.now, io.settings.HANDOFF_HOURS) });
    // A disconnected device is the one thing no conversation shows: say so first, unless messages came in since.
    const disconnect = (await reports.recentEvents({ limit: 50 })).find((event) => event.type === 'device_disconnected');
    const lastMessageAt = Math.max(0, ...contacts.map((c) => c.lastAt ?? 0));
    if (disconnect && disconnect.createdAt > lastMessageAt) {
      io.out(`WARNING: Whatspie reported at ${formatTime(disconnect.createdAt)}: ${cell(disconnect.summary, 200)}. Re-pair the phone in Whatspie's dashboard ("transcripts events" lists every event).\n`);
    }
    if (contacts.length === 0) {
      io.out('No conversations yet.');
      return 0;
    }
    const rows = contacts.map((c) => {
      const handoff = c.handoffAt === null ? null : { at: c.handoffAt, countsFrom: c.handoffCountsFrom ?? c.handoffAt, withinHours: c.handoffWithinHours };
      return [
        cell(c.name, 40),
        cell(c.phone, 40),
        formatTime(c.firstAt),
        formatTime(c.lastAt),
        String(c.messages),
        String(c.fallbacks),
        handoff && waitingForHuman(handoff, io) ? `WAITING: ${cell(c.handoffReason, 80)} (${handedOver(handoff)})` : '',
      ];
    });
    io.out(table(['NAME', 'NUMBER', 'FIRST', 'LAST', 'MESSAGES', 'FALLBACKS', 'HUMAN'], rows));
    return 0;
  },
};

commands.show = {
  usage: `show <number> [--since 7d|2026-11-01]
  One conversation as a chat: time, who, what was said. Media are labelled lines; the bot's replies show
  their type, fallbacks their reason, and the LLM's latency; an operator's reply shows their name, and the
  operators' internal notes (never sent to the customer) stand in their place, marked as internal.`,
  options: { since: { type: 'string' } },
  async run(storage, { values, positionals }, io) {
    const { phone } = requireNumber(positionals, io);
    const { conversations, reports, annotations } = await storage();
    const contact = await conversations.contactByPhone(phone);
    if (!contact) throw new UsageError(`no conversation with ${cell(phone, 40)}; "npm run transcripts -- list" shows every number`);
    const since = parseSince(values.since as string | undefined, io.now);
    const rows = await reports.transcriptRows({ phone, since });
    io.out(`Conversation with ${shownName(contact, 'unknown name')} (${cell(contact.phone, 40)}), ${rows.length} messages`);
    if (contact.handoff && waitingForHuman(contact.handoff, io)) {
      io.out(`Waiting for a human ${handedOverInFull(contact.handoff, io.settings.HANDOFF_HOURS)}: ${cell(contact.handoff.reason, 200)}`);
    }
    const notes = await annotations.notes({ contactId: contact.id, ...(since !== undefined && { since }) });
    const labels = await annotations.labels(contact.id);
    if (labels.length > 0) io.out(`Labels: ${labels.map((l) => cell(l.label, 40)).join(', ')}`);
    io.out('');
    io.out(chatLines(rows, notes).join('\n'));
    return 0;
  },
};

commands.search = {
  usage: `search <words…> [--limit N]
  Messages that contain every word, across all conversations, newest first, with the contact and time.`,
  options: { limit: { type: 'string' } },
  async run(storage, { values, positionals }, io) {
    if (positionals.length === 0) throw new UsageError('search needs at least one word');
    const hits = await (await storage()).reports.searchMessages({ words: positionals, limit: positiveInt('limit', values.limit, 50)! });
    if (hits.length === 0) {
      io.out(`No message contains: ${cell(positionals.join(' '), 200)}`);
      return 0;
    }
    const line = (row: TranscriptRow) => cell(row.direction === 'in' ? describeReceived(row) : describeSent(row).join(' | '), 160);
    io.out(table(['TIME', 'NUMBER', 'NAME', 'WHO', 'MESSAGE'], hits.map((r) => [formatTime(r.createdAt), cell(r.phone, 40), cell(r.name, 40), cell(writer(r), 80), line(r)])));
    return 0;
  },
};

commands.export = {
  usage: `export [--format jsonl|csv] [--contact <number>] [--since 7d|2026-11-01] [--out FILE] [--files DIR]
  Every message as JSON Lines (default) or CSV, oldest first, to standard output or FILE. The number may be
  typed in parts: --contact 0812 3456 789. --files DIR copies the kept files of the exported messages into DIR,
  as <day>/<message id>.<ext> (the end of each record's media_path): a customer's request for their data is
  export --contact NUMBER --out FILE --files DIR.`,
  options: { format: { type: 'string' }, contact: { type: 'string' }, since: { type: 'string' }, out: { type: 'string' }, files: { type: 'string' } },
  async run(storage, { values, positionals }, io) {
    const format = (values.format as string | undefined) ?? 'jsonl';
    if (format !== 'jsonl' && format !== 'csv') throw new UsageError('--format must be jsonl or csv');
    const phone = contactOption(values.contact as string | undefined, positionals, io.settings.DEFAULT_COUNTRY_CODE);
    const { conversations, reports } = await storage();
    if (phone !== undefined && !(await conversations.contactByPhone(phone))) throw new UsageError(`no conversation with ${cell(phone, 40)}`);
    const rows = await reports.transcriptRows({ phone, since: parseSince(values.since as string | undefined, io.now) });
    const text = format === 'jsonl' ? toJsonLines(rows) : toCsv(rows);
    const filesNote = values.files === undefined ? null : copyKeptFiles(rows, values.files as string, io.settings.MEDIA_DIR ?? 'data/media');
    if (values.out) {
      const out = values.out as string;
      try {
        writeFileSync(out, text);
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code;
        const why = code === 'ENOENT' ? 'its folder does not exist' : code === 'EISDIR' ? 'it is a folder; name a file' : code === 'EACCES' ? 'permission denied' : (error as Error).message;
        throw new UsageError(`cannot write ${out}: ${why}`);
      }
      io.out(`Wrote ${rows.length} messages to ${out}`);
    } else if (text) io.out(text.trimEnd());
    if (filesNote) (values.out ? io.out : io.err ?? (() => {}))(filesNote);
    return 0;
  },
};

/** Copies the exported messages' kept files into `dir` (as <day>/<file>); what was copied, in one line. */
function copyKeptFiles(rows: TranscriptRow[], dir: string, mediaDir: string): string {
  let copied = 0;
  const missing: string[] = [];
  for (const row of rows) {
    if (!row.mediaPath) continue;
    const to = join(dir, placeInMediaDir(row.mediaPath, mediaDir));
    try {
      mkdirSync(dirname(to), { recursive: true, mode: 0o700 });
      copyFileSync(row.mediaPath, to);
      copied += 1;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw new UsageError(`cannot copy into ${dir}: ${(error as Error).message}`);
      missing.push(String(row.id));
    }
  }
  return `Copied ${copied} kept files to ${dir}${missing.length > 0 ? ` (the files of messages ${missing.join(', ')} are no longer on disk)` : ''}.`;
}

/**
 * --contact's number: "--contact 0812 3456 789" leaves "3456" and "789" as positionals, which are the rest of it
 * (export takes no other words).
 */
function contactOption(contact: string | undefined, positionals: string[], defaultCountryCode: string | undefined): string | undefined {
  if (contact === undefined) {
    if (positionals.length > 0) throw new UsageError(`export takes no words; for one contact: --contact ${cell(positionals.join(' '), 40)}`);
    return undefined;
  }
  const words = [contact, ...positionals];
  if (positionals.length > 0 && !words.every(isNumberPart)) throw new UsageError(`export takes no words besides the options: "${cell(words.join(' '), 60)}" is not one number`);
  return normaliseNumber(words.join(' '), defaultCountryCode);
}

commands.events = {
  usage: `events [--since 7d|2026-11-01] [--limit N]
  What Whatspie's v2 webhook reported besides messages, newest first: read receipts, failed sends, a
  disconnected device, and any event type this version does not know.`,
  options: { since: { type: 'string' }, limit: { type: 'string' } },
  async run(storage, { values }, io) {
    const rows = await (await storage()).reports.recentEvents({ since: parseSince(values.since as string | undefined, io.now), limit: positiveInt('limit', values.limit, 50)! });
    if (rows.length === 0) {
      io.out('No events. (Whatspie sends them only to devices switched to the v2 webhook format.)');
      return 0;
    }
    io.out(table(['TIME', 'EVENT', 'WHAT'], rows.map((row) => [formatTime(row.createdAt), cell(row.type, 30), cell(row.summary, 200)])));
    return 0;
  },
};

commands.stats = {
  usage: `stats [--since 30d|2026-11-01]
  Messages and LLM tokens by day (UTC), default the last 30 days: prompt tokens split into those the provider
  read from its cache (billed at a fraction of the price) and those it did not, and completion tokens.`,
  options: { since: { type: 'string' } },
  async run(storage, { values }, io) {
    const since = parseSince((values.since as string | undefined) ?? '30d', io.now);
    const days = await (await storage()).reports.usageByDay({ since });
    if (days.length === 0) {
      io.out('No messages in this period.');
      return 0;
    }
    const total = days.reduce((sum, d) => ({
      ...sum,
      received: sum.received + d.received,
      modelReplies: sum.modelReplies + d.modelReplies,
      fallbacks: sum.fallbacks + d.fallbacks,
      promptTokens: sum.promptTokens + d.promptTokens,
      cachedTokens: d.cachedTokens === null ? sum.cachedTokens : (sum.cachedTokens ?? 0) + d.cachedTokens,
      completionTokens: sum.completionTokens + d.completionTokens,
    }));
    const count = (n: number) => n.toLocaleString('en-US');
    const share = (part: number, whole: number) => (whole > 0 ? ` (${Math.round((part / whole) * 100)}%)` : '');
    const row = (d: typeof total, label: string) => [
      label,
      count(d.received),
      count(d.modelReplies),
      count(d.fallbacks),
      count(d.promptTokens),
      d.cachedTokens === null ? 'not reported' : `${count(d.cachedTokens)}${share(d.cachedTokens, d.promptTokens)}`,
      d.cachedTokens === null ? '' : count(d.promptTokens - d.cachedTokens),
      count(d.completionTokens),
    ];
    io.out(
      table(
        ['DAY (UTC)', 'RECEIVED', 'MODEL REPLIES', 'FALLBACKS', 'PROMPT TOKENS', 'CACHED', 'UNCACHED', 'COMPLETION TOKENS'],
        [...days.map((d) => row(d, d.day)), ...(days.length > 1 ? [row(total, 'total')] : [])],
      ),
    );
    if (total.cachedTokens === null && total.modelReplies > 0) {
      io.out('\nThe provider did not report cached tokens (OpenAI, DeepSeek, Gemini, Kimi and others do).');
    }
    return 0;
  },
};

Object.assign(commands, handoffCommands);
commands.resend = resendCommand;
commands.forget = forgetCommand;

const overview = `Review the bot's conversations.

Usage: npm run transcripts -- <command> [options]

${Object.values(commands).map((c) => `  ${c.usage.split('\n')[0]}`).join('\n')}

Every command takes --db FILE or --db postgres://… (default: DATABASE_URL from the environment or .env,
else DATABASE_PATH, else data/bot.db) and --help, before or after the command's name. reply and pause never
guess where the number ends: when the text starts with a digit, write reply NUMBER -- TEXT.`;

/** Runs one command; returns the exit code. Errors meant for the operator are printed, not thrown. */
export async function runTranscripts(argv: string[], io: Io & { err: (text: string) => void }): Promise<number> {
  const defaultDb = io.settings.DATABASE_URL ?? io.settings.DATABASE_PATH;
  const fail = (error: unknown): number => {
    if (error instanceof UsageError && !error.pointToHelp) {
      io.err(`Error: ${visible(error.message)}`);
      return 1;
    }
    if (error instanceof UsageError || isParseArgsError(error)) {
      io.err(`Error: ${visible(error.message)}\nSee: npm run transcripts -- ${name ? `${name} ` : ''}--help`);
      return 1;
    }
    if (error instanceof DatabaseOpenError) {
      io.err(`Error: ${error.message}`);
      return 1;
    }
    throw error;
  };
  let name: string | undefined;
  let rest: string[];
  try {
    ({ name, rest } = splitCommand(argv));
  } catch (error) {
    return fail(error);
  }
  if (!name || name === 'help') {
    io.out(overview);
    return name || argv.includes('--help') || argv.includes('-h') ? 0 : 1;
  }
  const command = commands[name];
  if (!command) {
    io.err(`Unknown command "${name}".\n\n${overview}`);
    return 1;
  }
  let opened: Promise<Storage> | undefined;
  try {
    const parsed = parseArgs({ args: rest, options: { ...common, ...command.options }, allowPositionals: true, tokens: true });
    const dashes = parsed.tokens.findIndex((token) => token.kind === 'option-terminator');
    const args: ParsedArgs = {
      values: parsed.values as ParsedArgs['values'],
      positionals: parsed.positionals,
      ...(dashes >= 0 && { beforeDashes: parsed.tokens.slice(0, dashes).filter((token) => token.kind === 'positional').length }),
    };
    if (args.values.help) {
      io.out(`Usage: npm run transcripts -- ${command.usage}\n\nOptions: --db FILE|postgres://…  the database (default ${describeDatabase(defaultDb)})`);
      return 0;
    }
    const where = (args.values.db as string | undefined) ?? defaultDb;
    const storage = () => (opened ??= openToolStorage(where, { writes: command.writes ?? false }));
    // Every value from outside is already made safe where it is formatted; this is the last line of defence.
    // The export is data (JSON Lines or CSV), safe by construction, and must stay byte-exact.
    const out = name === 'export' ? io.out : (text: string) => io.out(visible(text));
    return await command.run(storage, args, { ...io, out });
  } catch (error) {
    return fail(error);
  } finally {
    await opened?.then((s) => s.close()).catch(() => {});
  }
}

const isParseArgsError = (error: unknown): error is TypeError =>
  error instanceof TypeError && 'code' in error && String(error.code).startsWith('ERR_PARSE_ARGS');

/**
 * The command's name wherever it stands among the options (`--db FILE list` as well as `list --db FILE`), and the
 * other words in their order. Every command's options are known here, so that an option's value is never taken for
 * the name; whether an option suits the command is checked when the command's own words are parsed.
 */
function splitCommand(argv: string[]): { name: string | undefined; rest: string[] } {
  const everyOption = Object.assign({}, common, ...Object.values(commands).map((command) => command.options)) as ParseArgsConfig['options'];
  const { tokens } = parseArgs({ args: argv, options: everyOption, allowPositionals: true, strict: false, tokens: true });
  const first = tokens.find((token) => token.kind === 'positional' || token.kind === 'option-terminator');
  if (first?.kind !== 'positional') return { name: undefined, rest: argv };
  return { name: first.value, rest: argv.filter((_, i) => i !== first.index) };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  exitQuietlyWhenStdoutCloses();
  try {
    const { config, warnings } = loadConfig({ only: TOOL_SETTINGS });
    for (const warning of warnings) console.error(`Warning: ${warning}`);
    process.exitCode = await runTranscripts(process.argv.slice(2), {
      out: (text) => console.log(text),
      err: (text) => console.error(text),
      settings: config,
      now: Date.now(),
      ...(terminalAsk() && { ask: terminalAsk()! }),
    });
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    console.error(`Error: ${error.message}`);
    process.exitCode = 1;
  }
}
