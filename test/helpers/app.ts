// Builds the real app (through the same composition root as the server) on a temporary SQLite file and a copy of
// the tests' own prompts folder: the shipped prompts/ is the operators' to edit, so no test may depend on it.
import { cpSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { assembleBot } from '../../src/compose.js';
import { loadConfig, type Config } from '../../src/config.js';
import { createLogger, silentLogger, type Logger } from '../../src/logger.js';
import type { Db } from '../../src/store/db.js';
import { openPostgresStorage } from '../../src/store/pg/storage.js';
import { openSqliteStorage } from '../../src/store/sqlite-storage.js';
import type { Storage } from '../../src/store/storage.js';
import { BUSY_MACHINE_CONNECT_MS, freshPostgresDatabase, type Backend } from './postgres.js';
import { LLM_BASE_URL } from './llm.js';

export const SECRET = 'test-secret-0123456789';
export const WHATSPIE_TOKEN = 'whatspie-test-token';
export const WHATSPIE_DEVICE = '6281100000000';

export function tempDir(prefix = 'bot-test-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

/** A fresh copy of the test prompts (test/fixtures/prompts) that a test may edit. */
export function copyPrompts(): string {
  const dir = join(tempDir('prompts-'), 'prompts');
  cpSync(new URL('../fixtures/prompts', import.meta.url), dir, { recursive: true });
  return dir;
}

/** Bots built by tests, so that their outbox workers stop when the file's tests are done. */
export const openBots: { close(): Promise<void> }[] = [];

/** A bot on either backend: what a test may use without knowing which database runs. */
export interface AnyBot {
  close(): Promise<void>;
  app: ReturnType<typeof assembleBot>['app'];
  storage: Storage;
  promptsDir: string;
  post(body: unknown, token?: string): Promise<Response>;
}

/** A bot on a SQLite file, which tests may also read directly. */
export interface TestBot extends AnyBot {
  db: Db;
  dbPath: string;
}

export interface BotOptions {
  dbPath?: string;
  promptsDir?: string;
  deadlineMs?: number;
  historyLimit?: number;
  llm?: boolean;
  /** An OpenAI-compatible server to use instead of the msw mock. */
  llmBaseUrl?: string;
  apiKey?: string;
  handoffHours?: number;
  sessionIdleHours?: number;
  rateLimitPerMinute?: number;
  answerGroups?: boolean;
  answerBroadcasts?: boolean;
  maxInputChars?: number;
  historyMaxChars?: number;
  metricsEnabled?: boolean;
  logger?: Logger;
  now?: () => number;
  /** TIME_ZONE (an IANA name); unset: the default. */
  timeZone?: string;
  /** A (fake) Whatspie API: turns on late answers and the outbox. */
  whatspieApiUrl?: string;
  lateAnswerSeconds?: number;
  vision?: boolean;
  /** Hear voice notes with this model, at the chat's server unless a base URL is given. */
  transcription?: { model: string; baseUrl?: string; apiKey?: string };
  /** Keep inbound files (off by default here: the documented payloads link to hosts a test must never look up). */
  keepMedia?: { dir: string; maxMb?: number; addressAllowed?: (address: string) => boolean; timeoutMs?: number };
  /** Any other settings, as they would be written in .env (undefined: unset); applied last. */
  settings?: Record<string, string | undefined>;
}

/** The settings a test bot runs with, parsed by the same code as the server's. */
export function testConfig(options: BotOptions & { dbPath: string; promptsDir: string }): Config {
  const env: Record<string, string | undefined> = {
    DATABASE_PATH: options.dbPath,
    PROMPTS_DIR: options.promptsDir,
    WEBHOOK_SECRET: SECRET,
    OPENAI_MODEL: 'test-model',
    OPENAI_BASE_URL: options.llm === false ? undefined : (options.llmBaseUrl ?? LLM_BASE_URL),
    OPENAI_API_KEY: options.llm === false ? undefined : (options.apiKey ?? 'sk-test'),
    REPLY_DEADLINE_MS: String(options.deadlineMs ?? 2000),
    HISTORY_LIMIT: String(options.historyLimit ?? 20),
    HANDOFF_HOURS: String(options.handoffHours ?? 24),
    SESSION_IDLE_HOURS: String(options.sessionIdleHours ?? 24),
    RATE_LIMIT_PER_MINUTE: String(options.rateLimitPerMinute ?? 0),
    ANSWER_GROUPS: String(options.answerGroups ?? false),
    ANSWER_BROADCASTS: String(options.answerBroadcasts ?? false),
    MAX_INPUT_CHARS: String(options.maxInputChars ?? 2000),
    HISTORY_MAX_CHARS: String(options.historyMaxChars ?? 16_000),
    METRICS_ENABLED: String(options.metricsEnabled ?? false),
    KEEP_MEDIA: String(options.keepMedia !== undefined),
    VISION: String(options.vision ?? false),
    TIME_ZONE: options.timeZone,
    ...(options.transcription && {
      TRANSCRIPTION_MODEL: options.transcription.model,
      TRANSCRIPTION_BASE_URL: options.transcription.baseUrl,
      TRANSCRIPTION_API_KEY: options.transcription.apiKey,
    }),
    ...(options.keepMedia && { MEDIA_DIR: options.keepMedia.dir, MEDIA_MAX_MB: String(options.keepMedia.maxMb ?? 16), MEDIA_ALLOW_PRIVATE_HOSTS: 'true' }),
    ...(options.whatspieApiUrl && {
      WHATSPIE_API_URL: options.whatspieApiUrl,
      WHATSPIE_API_TOKEN: WHATSPIE_TOKEN,
      WHATSPIE_DEVICE: WHATSPIE_DEVICE,
      LATE_ANSWER_SECONDS: String(options.lateAnswerSeconds ?? 60),
    }),
    ...options.settings,
  };
  return loadConfig({ env, envFile: null }).config;
}

function botOn(storage: Storage, options: BotOptions, paths: { dbPath: string; promptsDir: string; databaseUrl?: string }): AnyBot {
  const config = { ...testConfig({ ...options, ...paths }), DATABASE_URL: paths.databaseUrl };
  // Files are looked at on every message here (in production: at most once a second), so edits show at once.
  const bot = assembleBot(storage, config, options.logger ?? silentLogger, {
    secret: { secret: SECRET, generated: false },
    recheckMs: 0,
    worker: { pollMs: 50 },
    ...(options.keepMedia && {
      mediaPolicy: {
        ...(options.keepMedia.addressAllowed && { addressAllowed: options.keepMedia.addressAllowed }),
        ...(options.keepMedia.timeoutMs && { timeoutMs: options.keepMedia.timeoutMs }),
      },
    }),
    ...(options.now ? { now: options.now } : {}),
  });
  const { app } = bot;
  openBots.push(bot);
  return {
    close: () => bot.close(),
    app,
    storage,
    promptsDir: paths.promptsDir,
    post: async (body, token = SECRET) =>
      app.request(`/webhook?token=${encodeURIComponent(token)}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: typeof body === 'string' ? body : JSON.stringify(body),
      }),
  };
}

export function makeBot(options: BotOptions = {}): TestBot {
  const dbPath = options.dbPath ?? join(tempDir(), 'bot.db');
  const promptsDir = options.promptsDir ?? copyPrompts();
  const storage = openSqliteStorage(dbPath, { busyTimeoutMs: 2000 });
  return { ...botOn(storage, options, { dbPath, promptsDir }), db: storage.db, dbPath };
}

/** The same bot on the given backend: a fresh SQLite file, or a fresh database on the tests' PostgreSQL server. */

export async function makeBotOn(backend: Backend, options: BotOptions & { databaseUrl?: string } = {}): Promise<AnyBot & { databaseUrl: string | null }> {
  if (backend === 'sqlite') return { ...makeBot(options), databaseUrl: null };
  // Another bot's databaseUrl: a second instance on the same database.
  const databaseUrl = options.databaseUrl ?? (await freshPostgresDatabase());
  const storage = await openPostgresStorage({ url: databaseUrl, poolSize: 10, deadlineMs: options.deadlineMs ?? 2000, logger: silentLogger, connectTimeoutMs: BUSY_MACHINE_CONNECT_MS, ...(options.now && { now: options.now }) });
  return { ...botOn(storage, options, { dbPath: join(tempDir(), 'unused.db'), promptsDir: options.promptsDir ?? copyPrompts(), databaseUrl }), databaseUrl };
}

/** Every message stored, oldest first, as a reviewer would read it. */
export function storedMessages(db: Db) {
  return db.$client
    .prepare('select direction, kind, text, wa_message_id, reply_json, fell_back, fallback_reason, model from messages order by id')
    .all() as {
    direction: 'in' | 'out';
    kind: string;
    text: string | null;
    wa_message_id: string | null;
    reply_json: string | null;
    fell_back: number | null;
    fallback_reason: string | null;
    model: string | null;
  }[];
}

/** A response's JSON body, typed loosely for assertions. */
export async function jsonOf(response: Response | Promise<Response>): Promise<any> {
  return (await response).json();
}

/** A real JSON logger whose lines the test can read. */
export function captureLogs() {
  const lines: string[] = [];
  const logger = createLogger('debug', { write: (line: string) => void lines.push(line) });
  return { logger, text: () => lines.join(''), records: () => lines.map((l) => JSON.parse(l) as Record<string, unknown>) };
}
