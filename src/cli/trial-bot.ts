// The bot `npm run chat -- --at …` talks to: a running server's clock cannot be moved (and must not be, from
// outside), so the chat builds its own in this process, through the same composition root as the server, with the
// same settings, prompts and model, a clock set by hand, and a throwaway database: the trial's conversations and
// its made-up times never reach the real transcripts, and with no Whatspie API nothing can reach a customer.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { getRequestListener } from '@hono/node-server';
import { createBot } from '../compose.js';
import { loadConfig } from '../config.js';
import { silentLogger } from '../logger.js';

export interface TrialBot {
  url: string;
  token: string;
  close(): Promise<void>;
}

export async function startTrialBot(now: () => number): Promise<TrialBot> {
  const { config } = loadConfig();
  const dir = mkdtempSync(join(tmpdir(), 'whatsbot-chat-'));
  const token = randomBytes(18).toString('base64url');
  const trial = { ...config, DATABASE_URL: undefined, DATABASE_PATH: join(dir, 'trial.db'), WEBHOOK_SECRET: token };
  let bot: Awaited<ReturnType<typeof createBot>>;
  try {
    bot = await createBot(trial, silentLogger, { now, whatspieApi: null });
  } catch (error) {
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }
  const server = createServer(getRequestListener(bot.app.fetch));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    token,
    async close() {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
      await bot.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
