// Starts the server: settings, database, prompts, LLM client, then listen. Nothing else lives here.
import { existsSync } from 'node:fs';
import { serve } from '@hono/node-server';
import { createApp } from './app.js';
import { ConfigError, llmConfigured, loadConfig } from './config.js';
import { resolveWebhookSecret } from './http/webhook-auth.js';
import { join } from 'node:path';
import { createKnowledgeBase } from './knowledge/knowledge-base.js';
import { createLlm } from './llm/client.js';
import { createLogger } from './logger.js';
import { loadPrompts } from './prompts/prompts.js';
import { PromptFileError } from './prompts/watched-file.js';
import { openDatabase } from './store/db.js';

if (existsSync('.env')) process.loadEnvFile('.env');

function start() {
  const config = loadConfig();
  const logger = createLogger(config.LOG_LEVEL);
  const db = openDatabase(config.DATABASE_PATH, { busyTimeoutMs: 200 });
  const prompts = loadPrompts(config.PROMPTS_DIR, logger);
  const llm = llmConfigured(config)
    ? createLlm({ apiKey: config.OPENAI_API_KEY, baseURL: config.OPENAI_BASE_URL, model: config.OPENAI_MODEL })
    : null;
  if (!llm) logger.warn('neither OPENAI_API_KEY nor OPENAI_BASE_URL is set: every message gets the fallback reply (prompts/fallback.md)');
  const knowledge = createKnowledgeBase({ db, dir: join(config.PROMPTS_DIR, 'knowledge'), logger });
  const { secret, generated } = resolveWebhookSecret(db, config.WEBHOOK_SECRET);

  const app = createApp({
    db,
    llm,
    prompts,
    knowledge,
    logger,
    secret,
    deadlineMs: config.REPLY_DEADLINE_MS,
    historyLimit: config.HISTORY_LIMIT,
    handoffHours: config.HANDOFF_HOURS,
    sessionIdleHours: config.SESSION_IDLE_HOURS,
    rateLimitPerMinute: config.RATE_LIMIT_PER_MINUTE,
    answerGroups: config.ANSWER_GROUPS,
    answerBroadcasts: config.ANSWER_BROADCASTS,
    limits: { maxInputChars: config.MAX_INPUT_CHARS, historyMaxChars: config.HISTORY_MAX_CHARS },
    metricsEnabled: config.METRICS_ENABLED,
  });
  const server = serve({ fetch: app.fetch, port: config.PORT, hostname: config.HOST }, (info) => {
    // The one place the secret may be printed: the URL to paste into Whatspie. In full only when it was just
    // generated or the operator asks (SHOW_WEBHOOK_URL); otherwise masked, since logs are often shipped elsewhere.
    const token = generated || config.SHOW_WEBHOOK_URL ? secret : `${secret.slice(0, 4)}…${secret.slice(-2)}`;
    const path = `/webhook?token=${token}`;
    const hint = token === secret ? '' : ' (token masked; SHOW_WEBHOOK_URL=true prints it in full)';
    if (config.PUBLIC_URL) console.log(`Webhook URL for Whatspie: ${config.PUBLIC_URL.replace(/\/+$/, '')}${path}${hint}`);
    else console.log(`Webhook path for Whatspie: ${path}${hint}${generated ? ' (secret generated and saved in the database)' : ''}`);
    logger.info({ port: info.port, host: config.HOST, model: llm?.model ?? null }, 'listening');
  });

  // Stop taking requests, let those in flight finish (they end by their deadline), then close the database cleanly.
  let stopping = false;
  const shutdown = (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'shutting down: finishing requests in flight');
    const finish = (code: number) => {
      db.$client.close();
      logger.info('stopped');
      process.exit(code);
    };
    server.close(() => finish(0));
    const timer = setTimeout(() => {
      logger.warn('requests still open past the reply deadline; closing them');
      if ('closeAllConnections' in server) server.closeAllConnections();
      finish(0);
    }, config.REPLY_DEADLINE_MS + 1000);
    timer.unref();
  };
  process.once('SIGTERM', () => shutdown('SIGTERM'));
  process.once('SIGINT', () => shutdown('SIGINT'));
}

try {
  start();
} catch (error) {
  if (error instanceof ConfigError || error instanceof PromptFileError) {
    console.error(`Cannot start: ${error.message}`);
    process.exit(1);
  }
  throw error;
}
