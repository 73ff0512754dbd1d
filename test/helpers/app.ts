// Builds the real app on a temporary SQLite file and a copy of the shipped prompts folder.
import { cpSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createApp } from '../../src/app.js';
import { createKnowledgeBase } from '../../src/knowledge/knowledge-base.js';
import { createLlm } from '../../src/llm/client.js';
import { createLogger, silentLogger, type Logger } from '../../src/logger.js';
import { loadPrompts } from '../../src/prompts/prompts.js';
import { openDatabase, type Db } from '../../src/store/db.js';
import { LLM_BASE_URL } from './llm.js';

export const SECRET = 'test-secret-0123456789';

export function tempDir(prefix = 'bot-test-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

/** A fresh copy of prompts/ that a test may edit. */
export function copyPrompts(): string {
  const dir = join(tempDir('prompts-'), 'prompts');
  cpSync(new URL('../../prompts', import.meta.url), dir, { recursive: true });
  return dir;
}

export interface TestBot {
  app: ReturnType<typeof createApp>;
  db: Db;
  dbPath: string;
  promptsDir: string;
  post(body: unknown, token?: string): Promise<Response>;
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
}

export function makeBot(options: BotOptions = {}): TestBot {
  const dbPath = options.dbPath ?? join(tempDir(), 'bot.db');
  const promptsDir = options.promptsDir ?? copyPrompts();
  const db = openDatabase(dbPath);
  const app = createApp({
    db,
    llm:
      options.llm === false
        ? null
        : createLlm({ apiKey: options.apiKey ?? 'sk-test', baseURL: options.llmBaseUrl ?? LLM_BASE_URL, model: 'test-model' }),
    // Files are looked at on every message here (in production: at most once a second), so edits show at once.
    prompts: loadPrompts(promptsDir, options.logger ?? silentLogger, 0),
    logger: options.logger ?? silentLogger,
    secret: SECRET,
    knowledge: createKnowledgeBase({ db, dir: join(promptsDir, 'knowledge'), logger: silentLogger, recheckMs: 0 }),
    deadlineMs: options.deadlineMs ?? 2000,
    historyLimit: options.historyLimit ?? 20,
    handoffHours: options.handoffHours ?? 24,
    sessionIdleHours: options.sessionIdleHours ?? 24,
    rateLimitPerMinute: options.rateLimitPerMinute ?? 0,
    answerGroups: options.answerGroups ?? false,
    answerBroadcasts: options.answerBroadcasts ?? false,
    limits: { maxInputChars: options.maxInputChars ?? 2000, historyMaxChars: options.historyMaxChars ?? 16_000 },
    metricsEnabled: options.metricsEnabled ?? false,
    ...(options.now ? { now: options.now } : {}),
  });
  return {
    app,
    db,
    dbPath,
    promptsDir,
    post: async (body, token = SECRET) =>
      app.request(`/webhook?token=${encodeURIComponent(token)}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: typeof body === 'string' ? body : JSON.stringify(body),
      }),
  };
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
