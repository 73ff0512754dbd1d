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
  const db = openDatabase(config.DATABASE_PATH);
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
  });
  const server = serve({ fetch: app.fetch, port: config.PORT, hostname: config.HOST }, (info) => {
    const path = `/webhook?token=${encodeURIComponent(secret)}`;
    // The one place the secret is printed: the URL to paste into Whatspie.
    if (config.PUBLIC_URL) console.log(`Webhook URL for Whatspie: ${config.PUBLIC_URL.replace(/\/+$/, '')}${path}`);
    else if (generated) console.log(`Generated a webhook secret. Webhook path for Whatspie: ${path}`);
    logger.info({ port: info.port, host: config.HOST, model: llm?.model ?? null }, 'listening');
  });

  const shutdown = (signal: string) => {
    logger.info({ signal }, 'shutting down');
    server.close(() => {
      db.$client.close();
      process.exit(0);
    });
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
