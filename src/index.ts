// Starts the server: settings, the port, then the bot (prompts, database, LLM client). Nothing else lives here.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { getHeapStatistics } from 'node:v8';
import { getRequestListener } from '@hono/node-server';
import { createBot } from './compose.js';
import { ConfigError, loadConfig } from './config.js';
import { createLogger } from './logger.js';
import { PromptFileError } from './prompts/watched-file.js';
import { holdSecrets } from './secrets.js';
import { DatabaseOpenError } from './store/db.js';

/**
 * How a shutdown spends its time, counted from the signal: within Docker's 10 s before it kills the process (systemd
 * waits 90 s). Late answers being worked on get until LATE_ANSWERS_GRACE_MS (those not ready then are handed on: the
 * next server works them again); what they produced is sent until SENDS_GRACE_MS; the process is gone by the limit.
 */
const LATE_ANSWERS_GRACE_MS = 7000;
const SENDS_GRACE_MS = 8500;
const SHUTDOWN_LIMIT_MS = 9500;

class ListenError extends Error {
  override name = 'ListenError';
}

/**
 * Takes the port before anything touches the database, so that a second copy started by mistake fails at once
 * instead of migrating and re-indexing the live database first. Requests that arrive before the bot is built wait.
 */
function listen(port: number, host: string, handler: Promise<ReturnType<typeof getRequestListener>>): Promise<Server> {
  const server = createServer((req, res) => void handler.then((handle) => handle(req, res)));
  return new Promise((resolve, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) => {
      const where = `${host}:${port}`;
      const why =
        error.code === 'EADDRINUSE' ? `port ${port} is already in use (is the bot already running? set PORT to another port)`
        : error.code === 'EACCES' ? `no permission to listen on ${where} (ports below 1024 need privileges)`
        : error.code === 'ENOTFOUND' || error.code === 'EAI_AGAIN' ? `HOST=${host} is not an address of this machine (use 0.0.0.0 or 127.0.0.1)`
        : error.code === 'EADDRNOTAVAIL' ? `HOST=${host} is not an address of this machine (use 0.0.0.0 or 127.0.0.1)`
        : `cannot listen on ${where}: ${error.message}`;
      reject(new ListenError(why));
    });
    server.listen(port, host, () => resolve(server));
  });
}

async function start() {
  const { config, warnings } = loadConfig();
  const logger = createLogger(config.LOG_LEVEL);
  for (const warning of warnings) logger.warn(warning);

  let ready!: (handle: ReturnType<typeof getRequestListener>) => void;
  const server = await listen(config.PORT, config.HOST, new Promise((resolve) => (ready = resolve)));
  const bot = await createBot(config, logger);
  holdSecrets([bot.secret]);
  ready(getRequestListener(bot.app.fetch));

  // npm start limits the old generation (HEAP_LIMIT_MB, default 256): a photo shown to the model (VISION) is held
  // three times over while it is answered, up to ~16 MB; a handful at once needs more room than that.
  // V8's figure counts the young generation too (48 MB here): HEAP_LIMIT_MB=256 reads as about 304.
  const heapMb = Math.round(getHeapStatistics().heap_size_limit / 2 ** 20);
  if (config.VISION && heapMb < 300) {
    logger.warn({ heapSizeLimitMb: heapMb }, 'VISION is on with a small heap: start with HEAP_LIMIT_MB=256 (or more) so that several photos at once cannot run the server out of memory');
  }
  if (!bot.llm) {
    logger.warn(
      'no LLM configured (OPENAI_API_KEY and OPENAI_BASE_URL are unset, and so is AZURE_OPENAI_ENDPOINT): questions that clearly match a section of the knowledge base are answered with it; every other message gets the fallback reply (prompts/fallback.md)',
    );
  }
  // The one place the secret may be printed: the URL to paste into Whatspie. In full only when it was just
  // generated or the operator asks (SHOW_WEBHOOK_URL); otherwise masked, since logs are often shipped elsewhere.
  const { secret } = bot;
  const token = bot.secretGenerated || config.SHOW_WEBHOOK_URL ? secret : `${secret.slice(0, 4)}…${secret.slice(-2)}`;
  const path = `/webhook?token=${token}`;
  const hint = token === secret ? '' : ' (token masked; SHOW_WEBHOOK_URL=true prints it in full)';
  if (config.PUBLIC_URL) console.log(`Webhook URL for Whatspie: ${config.PUBLIC_URL.replace(/\/+$/, '')}${path}${hint}`);
  else console.log(`Webhook path for Whatspie: ${path}${hint}${bot.secretGenerated ? ' (secret generated and saved in the database)' : ''}`);
  if ((await bot.storage.accounts.count()) === 0) logger.info('no console operator yet: create one with "npm run operators -- add NAME", then sign in at /console/login');
  logger.info({ port: (server.address() as AddressInfo).port, host: config.HOST, model: bot.llm?.model ?? null, llmUrl: bot.llm?.address ?? null, database: bot.storage.location, timeZone: config.TIME_ZONE }, 'listening');

  // Stop taking requests, let those in flight finish (they end by their deadline), give the late answers being worked
  // on the time that is left (handing on those not ready), send what they produced, then close the database cleanly.
  // A second signal cuts the waits short; whatever happens, the process is gone within SHUTDOWN_LIMIT_MS.
  let stopping = false;
  const hurry = new AbortController();
  const shutdown = (signal: string) => {
    if (stopping) {
      logger.warn({ signal }, 'second signal: stopping now');
      hurry.abort();
      server.closeAllConnections();
      return;
    }
    stopping = true;
    const signalledAt = Date.now();
    logger.info({ signal }, 'shutting down: finishing requests in flight');
    setTimeout(() => {
      logger.error({ limitMs: SHUTDOWN_LIMIT_MS }, 'could not stop cleanly in time; exiting now');
      process.exit(1);
    }, SHUTDOWN_LIMIT_MS).unref();
    const requestsDone = new Promise<void>((resolve) => {
      const overdue = setTimeout(() => {
        logger.warn('requests still open past the reply deadline; closing them');
        server.closeAllConnections();
        resolve();
      }, config.REPLY_DEADLINE_MS + 1000);
      server.close(() => {
        clearTimeout(overdue);
        resolve();
      });
      server.closeIdleConnections();
      hurry.signal.addEventListener('abort', () => resolve(), { once: true });
    });
    const exit = () => {
      logger.info('stopped');
      process.exit(0);
    };
    void requestsDone
      .then(() => bot.stop({ lateAnswersBy: signalledAt + LATE_ANSWERS_GRACE_MS, sendsBy: signalledAt + SENDS_GRACE_MS, hurry: hurry.signal }))
      .then(exit, (error: unknown) => {
        logger.error({ err: (error as Error).message }, 'could not stop cleanly');
        exit();
      });
  };
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));
}

start().catch((error: unknown) => {
  const known = [ConfigError, PromptFileError, DatabaseOpenError, ListenError].some((kind) => error instanceof kind);
  console.error(known ? `Cannot start: ${(error as Error).message}` : error);
  process.exit(1);
});
