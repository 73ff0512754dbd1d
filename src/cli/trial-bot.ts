// The bot `npm run chat -- --at …` and `npm run eval` talk to: a running server's clock cannot be moved (and must
// not be, from outside), so they build one in this process, through the same composition root as the server, with
// the same settings, prompts and model, a clock set by hand, and a throwaway database and media folder: the trial's
// conversations and its made-up times never reach the real transcripts. Nothing can reach a customer: without a
// Whatspie API given here, none is built (the settings' token is not used); the eval gives one that only records.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { getRequestListener } from '@hono/node-server';
import { createBot } from '../compose.js';
import { createHttpCaller } from '../tools/http-caller.js';
import { recordedAnswers } from '../tools/tool-call.js';
import { loadConfig, type Config } from '../config.js';
import type { WhatspieApi } from '../delivery/whatspie-client.js';
import type { Transcriber } from '../llm/transcriber.js';
import { silentLogger } from '../logger.js';
import type { DownloadPolicy } from '../media/download.js';
import type { Storage } from '../store/storage.js';

/**
 * The answers operator-declared tools give in a trial, by tool name, in place of calling their servers (an eval case's
 * `tools:`); the tools it does not name are called as the server calls them.
 */
export type ToolAnswers = Record<string, { status: number; body: unknown }>;

export interface TrialOptions {
  /** The settings (default: loadConfig(), as the server reads them). */
  config?: Config;
  /** Where late answers would be sent; null (the default): nowhere, and late answers are off. */
  whatspieApi?: WhatspieApi | null;
  /** Hears voice notes in place of TRANSCRIPTION_MODEL's. */
  transcriber?: Transcriber | null;
  /** Replaces parts of the download policy for inbound files (the eval serves a case's files on loopback). */
  mediaPolicy?: Partial<DownloadPolicy>;
  /** What operator-declared tools answer in this trial (see ToolAnswers). */
  toolAnswers?: ToolAnswers;
}

export interface TrialBot {
  url: string;
  token: string;
  /** The trial's own database (read by the eval for tokens, fallbacks and handoffs). */
  storage: Storage;
  /** Resolves once the late answers being worked on are done and what the outbox holds was sent. */
  settled(): Promise<void>;
  close(): Promise<void>;
}

/** How long settled() lets the outbox send what is due (the eval's recording API answers at once). */
const DRAIN_MS = 30_000;

export async function startTrialBot(now: () => number, options: TrialOptions = {}): Promise<TrialBot> {
  const config = options.config ?? loadConfig().config;
  const dir = mkdtempSync(join(tmpdir(), 'whatsbot-chat-'));
  const token = randomBytes(18).toString('base64url');
  const trial = { ...config, DATABASE_URL: undefined, DATABASE_PATH: join(dir, 'trial.db'), MEDIA_DIR: join(dir, 'media'), WEBHOOK_SECRET: token };
  let bot: Awaited<ReturnType<typeof createBot>>;
  try {
    bot = await createBot(trial, silentLogger, {
      now,
      whatspieApi: options.whatspieApi ?? null,
      ...(options.transcriber !== undefined && { transcriber: options.transcriber }),
      ...(options.mediaPolicy && { mediaPolicy: options.mediaPolicy }),
      // A test case's `tools:` answer for those tools; the others are asked over HTTP, as the server asks them.
      ...(options.toolAnswers && { toolCaller: recordedAnswers(options.toolAnswers, createHttpCaller()) }),
    });
  } catch (error) {
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }
  const server = createServer(getRequestListener(bot.app.fetch));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    token,
    storage: bot.storage,
    async settled() {
      await bot.app.lateAnswersIdle();
      await bot.worker?.drain(DRAIN_MS);
    },
    async close() {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
      await bot.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
