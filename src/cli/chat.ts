// npm run chat: play a WhatsApp customer against a running server, before WhatsApp is connected.
// Each line you type is posted as a Whatspie webhook with a fresh message id; the bot's replies are printed.
// --at and /at set the time the bot believes it is: that needs a bot of its own in this process (trial-bot.ts).
import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { createInterface } from 'node:readline';
import type { Readable, Writable } from 'node:stream';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { ConfigError, loadConfig, type Config } from '../config.js';
import { readWebhookReply } from '../whatspie/reply.js';
import { exitQuietlyWhenStdoutCloses } from './args.js';
import { describeSentReply } from './format.js';
import { normaliseNumber, takeNumber } from './numbers.js';
import { clockLine, movableClock, readLocalTime } from './chat-clock.js';
import { cell, visible } from './terminal-text.js';
import { openToolStorage } from './tool-storage.js';
import { startTrialBot, type TrialBot } from './trial-bot.js';

const HELP = `Type a message and press Enter to send it as the customer. Commands:
  /image URL [caption]     send an image
  /doc URL NAME            send a document
  /audio SECONDS [URL]     send a voice note (its file at URL, if given)
  /contact NAME NUMBER     share a contact
  /as NUMBER [NAME]        continue as another customer
  /at YYYY-MM-DD HH:MM     set the time the bot believes it is (local time in TIME_ZONE); /at now goes back
  /help                    this text
  /quit                    leave (Ctrl-D works too)`;

interface ChatOptions {
  url: string;
  token: string;
  from: string;
  /** Sent as the customer's WhatsApp name; null sends none, and the server keeps the name the contact has. */
  name: string | null;
  input: Readable;
  output: Writable;
  /** Reads local numbers typed in /as (0812…) as international ones. */
  defaultCountryCode?: string;
  /** TIME_ZONE and PROMPTS_DIR: the bot's local time and opening hours, as shown. */
  timeZone: string;
  promptsDir: string;
  /** --at: the time to start at (the chat then talks to a trial bot of its own). */
  at?: number;
  /** Builds the bot whose clock can be moved (a running server's cannot). */
  startTrial: (now: () => number) => Promise<TrialBot>;
}

const envelope = (from: string, name: string | null, now: number) => ({
  from,
  message_id: `CHAT${randomUUID().replaceAll('-', '').slice(0, 16).toUpperCase()}`,
  timestamp: Math.floor(now / 1000),
  participant: null,
  from_user: { name, jid: `${from}@s.whatsapp.net` },
  is_forwarded: false,
  is_broadcast: false,
});

/** The Whatspie payload for a typed line, or a string to print instead (help, errors). */
export function payloadFor(line: string, from: string, name: string | null, now = Date.now()): Record<string, unknown> | string {
  const [command, ...args] = line.trim().split(/\s+/);
  const base = envelope(from, name, now);
  const file = (url: string | undefined, extra: Record<string, unknown>) => ({ url, caption: null, fileName: null, ...extra });
  switch (command) {
    case '/image':
      if (!args[0]) return 'usage: /image URL [caption]';
      return { ...base, type: 'imageMessage', file: file(args[0], { caption: args.slice(1).join(' ') || null }) };
    case '/doc':
      if (!args[0] || !args[1]) return 'usage: /doc URL NAME';
      return { ...base, type: 'documentMessage', file: file(args[0], { fileName: args.slice(1).join(' ') }) };
    case '/audio': {
      const seconds = Number(args[0]);
      if (!Number.isFinite(seconds) || seconds <= 0) return 'usage: /audio SECONDS [URL]';
      return { ...base, type: 'audioMessage', file: file(args[1] ?? `https://example.com/voice/${base.message_id}.oga`, { seconds }) };
    }
    case '/contact': {
      const number = args.at(-1);
      const contactName = args.slice(0, -1).join(' ');
      if (!number || !contactName) return 'usage: /contact NAME NUMBER';
      const vcard = `BEGIN:VCARD\nVERSION:3.0\nFN:${contactName}\nTEL;type=CELL:${number}\nEND:VCARD`;
      return { ...base, type: 'contactMessage', contacts: [{ displayName: contactName, vcard }] };
    }
    default:
      if (command?.startsWith('/')) return `unknown command ${command}; /help lists them`;
      return { ...base, message: line };
  }
}

/** The bot's answer as labelled lines. */
function formatAnswer(status: number, body: unknown, ms: number): string {
  const took = ms < 1000 ? `${Math.round(ms)} ms` : `${(ms / 1000).toFixed(1)} s`;
  if (status !== 200) {
    const message = (body as { error?: { message?: string } })?.error?.message ?? JSON.stringify(body);
    return `  ! the server answered ${status} (${took}): ${cell(String(message), 500)}`;
  }
  const replies = readWebhookReply(body);
  if (!replies) return `  ! not a valid Whatspie reply (${took}): ${cell(JSON.stringify(body), 500)}`;
  if (replies.length === 0) return `  bot stays silent (${took})`;
  return [`  bot (${took}):`, ...replies.map((r) => `    ${describeSentReply(r)}`)].join('\n');
}

async function runChat(options: ChatOptions): Promise<void> {
  // Everything printed may hold text from outside (the bot's replies, the server's errors): made visible, never raw.
  const print = (text: string) => options.output.write(`${visible(text)}\n`);
  let { from, name } = options;
  const clock = movableClock();
  let trial: TrialBot | null = null;
  const webhookOf = (url: string, token: string) => `${url.replace(/\/+$/, '')}/webhook?token=${encodeURIComponent(token)}`;
  let webhook = webhookOf(options.url, options.token);
  const who = () => (name === null ? `${from}, under the name it has` : `${cell(name, 60)} (${from})`);
  const time = () => clockLine(clock.now(), options.timeZone, options.promptsDir);
  /** From now on the chat talks to a bot of its own, whose clock it can move. */
  const startTrial = async () => {
    trial = await options.startTrial(clock.now);
    webhook = webhookOf(trial.url, trial.token);
  };
  const TRIAL = "a trial bot in this process (a running server's clock cannot be moved): the same settings, prompts and model, its own empty database, nothing sent through Whatspie";
  if (options.at !== undefined) {
    clock.set(options.at);
    await startTrial();
    print(`Chatting with ${TRIAL}, as ${who()}. /help lists commands, /quit leaves.`);
  } else {
    print(`Chatting with ${options.url} as ${who()}. /help lists commands, /quit leaves.`);
  }
  print(`The bot's time: ${time()}${clock.moved ? ' (set with --at; /at now goes back)' : ''}`);
  const lines = createInterface({ input: options.input, terminal: false });
  for await (const raw of lines) {
    const line = raw.trim();
    if (line === '') continue;
    if (line === '/quit' || line === '/exit') break;
    if (line === '/help') {
      print(HELP);
      continue;
    }
    if (line === '/at' || line.startsWith('/at ')) {
      const wanted = line.slice(3).trim();
      if (wanted === '') {
        print(`  the bot's time: ${time()}\n  usage: /at YYYY-MM-DD HH:MM (local time in ${options.timeZone}), or /at now`);
        continue;
      }
      let instant: number | null = null;
      if (wanted !== 'now') {
        try {
          instant = readLocalTime(wanted, options.timeZone);
        } catch (error) {
          print(`  ${(error as Error).message}`);
          continue;
        }
      }
      if (instant !== null && !trial) {
        try {
          await startTrial();
        } catch (error) {
          print(`  ! cannot start a trial bot: ${(error as Error).message}`);
          continue;
        }
        print(`  from now on you chat with ${TRIAL}`);
      }
      clock.set(instant);
      print(`  the bot's time: ${time()}`);
      continue;
    }
    if (line === '/as' || line.startsWith('/as ')) {
      // "/as +62 811-222 333 Budi": the leading words that look like a number are the number.
      let taken: ReturnType<typeof takeNumber>;
      try {
        taken = takeNumber(line.split(/\s+/).slice(1), options.defaultCountryCode);
      } catch (error) {
        print(`  ${(error as Error).message}`);
        continue;
      }
      if (!taken.number || !/^\d+$/.test(taken.number)) print('usage: /as NUMBER [NAME], e.g. /as +62 811-222-333 Budi');
      else {
        from = taken.number;
        // Without a name the contact keeps its own: renaming a real customer by looking at them would be a surprise.
        name = taken.rest.join(' ') || null;
        print(`  now chatting as ${who()}`);
      }
      continue;
    }
    const payload = payloadFor(line, from, name, clock.now());
    if (typeof payload === 'string') {
      print(`  ${payload}`);
      continue;
    }
    const started = performance.now();
    try {
      const response = await fetch(webhook, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(payload) });
      const text = await response.text();
      let body: unknown = text;
      try {
        body = JSON.parse(text);
      } catch {
        // Shown as it came.
      }
      print(formatAnswer(response.status, body, performance.now() - started));
    } catch (error) {
      print(`  ! cannot reach ${options.url}: ${(error as Error).message}. Is the server running (npm start)?`);
    }
  }
  lines.close();
  await (trial as TrialBot | null)?.close();
}

const CHAT_SETTINGS = ['PORT', 'WEBHOOK_SECRET', 'DATABASE_PATH', 'DATABASE_URL', 'DEFAULT_COUNTRY_CODE', 'TIME_ZONE', 'PROMPTS_DIR'] as const;
type ChatSettings = Pick<Config, (typeof CHAT_SETTINGS)[number]>;

/** The token: --token, else WEBHOOK_SECRET, else the one the server generated into its database. */
async function findToken(given: string | undefined, settings: ChatSettings): Promise<string | undefined> {
  if (given) return given;
  if (settings.WEBHOOK_SECRET) return settings.WEBHOOK_SECRET;
  if (!settings.DATABASE_URL && !existsSync(settings.DATABASE_PATH)) return undefined;
  const storage = await openToolStorage(settings.DATABASE_URL ?? settings.DATABASE_PATH, { writes: false });
  try {
    return await storage.settings.read('webhook_secret');
  } finally {
    await storage.close();
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  exitQuietlyWhenStdoutCloses();
  let settings: ChatSettings;
  try {
    const loaded = loadConfig({ only: CHAT_SETTINGS });
    for (const warning of loaded.warnings) console.error(`Warning: ${warning}`);
    settings = loaded.config;
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    console.error(`Error: ${error.message}`);
    process.exit(1);
  }
  const options = {
    url: { type: 'string' },
    token: { type: 'string' },
    as: { type: 'string' },
    name: { type: 'string' },
    at: { type: 'string' },
    help: { type: 'boolean', short: 'h' },
  } as const;
  let values: ReturnType<typeof parseArgs<{ options: typeof options }>>['values'];
  try {
    ({ values } = parseArgs({ options }));
  } catch (error) {
    // A mistyped option is a usage error, not a stack trace.
    console.error(`Error: ${visible((error as Error).message)}\nSee: npm run chat -- --help`);
    process.exit(1);
  }
  if (values.help) {
    console.log(`Usage: npm run chat -- [--url http://localhost:3000] [--token SECRET] [--as 628123456789] [--name "Test Customer"]
                     [--at "2026-12-05 22:00"]

--url defaults to http://localhost:PORT; --token to WEBHOOK_SECRET, else the secret the server generated
(read from DATABASE_URL or DATABASE_PATH). Both come from .env when it exists. --as defaults to 628000000001;
a local number (0812…) needs DEFAULT_COUNTRY_CODE. Without --name no name is sent, and the contact keeps the
one it has.

--at sets the time the bot believes it is, read as local time in TIME_ZONE (so you can try "Saturday night"
without waiting for it). A running server's clock cannot be moved: with --at (or /at in the chat) the chat
builds a trial bot in this process from the same settings (.env), prompts and model, with its own empty
database; nothing is sent through Whatspie. --url and --token are then not used.

${HELP}`);
    process.exit(0);
  }
  let at: number | undefined;
  if (values.at !== undefined) {
    try {
      at = readLocalTime(values.at, settings.TIME_ZONE);
    } catch (error) {
      console.error(`Error: --at ${visible((error as Error).message)}`);
      process.exit(1);
    }
  }
  // With --at the chat talks to its own trial bot, which has a token of its own.
  const token = at !== undefined ? '' : await findToken(values.token, settings);
  if (token === undefined) {
    console.error('No webhook token: pass --token, set WEBHOOK_SECRET, or start the server once so it generates one.');
    process.exit(1);
  }
  let from: string;
  try {
    from = normaliseNumber(values.as ?? '628000000001', settings.DEFAULT_COUNTRY_CODE);
  } catch (error) {
    console.error(`Error: --as ${visible((error as Error).message)}`);
    process.exit(1);
  }
  if (!/^\d+$/.test(from)) {
    console.error(`--as takes a phone number, such as 628123456789 or "+62 812-3456-789"`);
    process.exit(1);
  }
  await runChat({
    url: values.url ?? `http://localhost:${settings.PORT}`,
    token,
    from,
    // Without --name, none is sent: the server keeps the name the contact has (a new one has none until it says).
    name: values.name ?? null,
    input: process.stdin,
    output: process.stdout,
    defaultCountryCode: settings.DEFAULT_COUNTRY_CODE,
    timeZone: settings.TIME_ZONE,
    promptsDir: settings.PROMPTS_DIR,
    ...(at !== undefined && { at }),
    startTrial: startTrialBot,
  }).catch((error: unknown) => {
    // A trial bot that cannot start (a setting or a prompt file it refuses): one line, as the server would say it.
    console.error(`Error: cannot start a trial bot: ${visible((error as Error).message)}`);
    process.exit(1);
  });
}
