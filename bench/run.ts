// npm run bench: our overhead and our 5-second promise, measured side by side with baselines in one run.
// Prints a table and writes bench/results/latest.json. Settings (environment):
//   BENCH_RUNS (3)  BENCH_DURATION seconds per load run (10)  BENCH_HANG_SECONDS (60)  BENCH_LATE_SECONDS (30)
//   BENCH_SKIP=overhead,deadline,hanging,big-history,cost,late,media,instances,console
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { cachedTokensOf, commonPrefixLength, promptText, startFakeOpenAI, type Latency } from '../test/fake-openai.js';
import { buildConversation, currentSession } from '../src/agent/conversation.js';
import type { ChatMessage } from '../src/llm/client.js';
import { openSqliteStorage } from '../src/store/sqlite-storage.js';
import { startFakeWhatspie } from '../test/fake-whatspie.js';
import { startFakeFileHost } from '../test/fake-file-host.js';
import { openDatabase } from '../src/store/db.js';
import { explainRecentMessages, findContactByPhone } from '../src/store/queries.js';
import { runClosedLoop, runLoad, type LoadResult } from './load.js';
import { peakRssMb, rssMb, START_COMMAND, startProcess, type Running } from './processes.js';
import { seededPhone, seedHistory } from './seed-history.js';
import { consoleScenario } from './console.js';
import pg from 'pg';
import { POSTGRES_MISSING, startPostgresCluster } from '../test/postgres-cluster.js';

const RUNS = Number(process.env.BENCH_RUNS ?? 3);
const DURATION = Number(process.env.BENCH_DURATION ?? 10);
const HANG_SECONDS = Number(process.env.BENCH_HANG_SECONDS ?? 60);
const SKIP = new Set((process.env.BENCH_SKIP ?? '').split(',').filter(Boolean));
const CONNECTIONS = 50;
const SECRET = 'bench-secret-0123456789';
const work = mkdtempSync(join(tmpdir(), 'whatsbot-bench-'));

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
const round = (n: number, digits = 0) => Number(n.toFixed(digits));

interface ChatRequest {
  messages: { role: string; content: string }[];
  tools: unknown[];
}

interface FakeLlm {
  url: string;
}

/** The fake LLM runs in its own process, so that its work is not charged to the load generator or the server. */
async function withFakeLlm<T>(latency: Latency, body: (llm: FakeLlm) => Promise<T>): Promise<T> {
  const arg = typeof latency === 'object' ? `${latency.min}-${latency.max}` : String(latency);
  const llm = await startProcess('fake-llm', 'test/fake-openai.ts', {}, ['--port', '0', '--latency', arg]);
  try {
    return await body({ url: `${llm.url}/v1` });
  } finally {
    await llm.stop();
  }
}

function startBot(llm: FakeLlm, dbPath: string, extra: Record<string, string> = {}): Promise<Running> {
  // As npm start runs it (its node options included), without the compile step npm run bench did first.
  return startProcess('bot', START_COMMAND, botEnv(llm, dbPath, extra));
}

function botEnv(llm: FakeLlm, dbPath: string, extra: Record<string, string> = {}): Record<string, string> {
  return {
    DATABASE_PATH: dbPath,
    OPENAI_BASE_URL: llm.url,
    OPENAI_MODEL: 'fake-model',
    WEBHOOK_SECRET: SECRET,
    // Every request comes from a new sender, or from one of 50 000 seeded ones: no one is over a real limit,
    // but the limiter still runs, as in production.
    RATE_LIMIT_PER_MINUTE: '1000',
    LOG_LEVEL: 'info',
    ...extra,
  };
}

interface Measured extends LoadResult {
  peakRssMb?: number;
}

/** Runs a load against a freshly started server and stops it; returns the result with its peak RSS. */
async function measure(start: () => Promise<Running>, options: Omit<Parameters<typeof runLoad>[0], 'url'> & { path?: string }): Promise<Measured> {
  const server = await start();
  try {
    const url = `${server.url}${options.path ?? '/webhook'}`;
    await runLoad({ ...options, url, durationSeconds: 2 }); // warm-up: JIT, connections, caches
    const result = await runLoad({ ...options, url });
    return { ...result, peakRssMb: round(peakRssMb(server.child.pid!), 1) };
  } finally {
    await server.stop();
  }
}

function summarise(results: Measured[]) {
  return {
    runs: results.length,
    requestsPerSecond: round(median(results.map((r) => r.requestsPerSecond))),
    p50: median(results.map((r) => r.p50)),
    p99: median(results.map((r) => r.p99)),
    max: median(results.map((r) => r.max)),
    failed: results.reduce((n, r) => n + r.failed, 0),
    fallbackShare: round(results.reduce((n, r) => n + r.fallbacks, 0) / Math.max(1, results.reduce((n, r) => n + r.total, 0)), 4),
    peakRssMb: results[0]?.peakRssMb === undefined ? undefined : median(results.map((r) => r.peakRssMb!)),
    allRuns: results.map((r) => ({ rps: round(r.requestsPerSecond), p99: r.p99, rss: r.peakRssMb })),
  };
}

async function overhead() {
  return withFakeLlm(0, async (llm) => {
    const targets: Record<string, () => Promise<Running>> = {
      'bare Hono, fixed reply': () => startProcess('fixed', 'bench/servers/fixed-reply.ts', {}),
      "docs' Express handler": () => startProcess('express', 'bench/servers/express-docs.ts', {}),
      'relay (Hono + fetch to LLM)': () => startProcess('relay', 'bench/servers/relay.ts', { OPENAI_BASE_URL: llm.url }),
      'SDK relay (Hono + openai SDK + p-timeout)': () => startProcess('sdk-relay', 'bench/servers/sdk-relay.ts', { OPENAI_BASE_URL: llm.url }),
      "relay via the bot's LLM client + tools": () => startProcess('client-relay', 'bench/servers/client-relay.ts', { OPENAI_BASE_URL: llm.url }),
      'this bot': () => startBot(llm, join(work, `overhead-${Date.now()}.db`)),
      // Side by side, what npm start's heap limit costs or saves: the same server without it.
      'this bot, no heap limit': () => startProcess('bot', START_COMMAND.replace(/ --max-old-space-size=\S+/, ''), botEnv(llm, join(work, `overhead-nolimit-${Date.now()}.db`))),
    };
    const results: Record<string, Measured[]> = Object.fromEntries(Object.keys(targets).map((k) => [k, []]));
    // Interleaved, so that a slow minute of the machine hits every target alike.
    for (let run = 0; run < RUNS; run++) {
      for (const [name, start] of Object.entries(targets)) {
        const path = name.startsWith('this bot') ? `/webhook?token=${SECRET}` : '/webhook';
        results[name]!.push(await measure(start, { connections: CONNECTIONS, durationSeconds: DURATION, path }));
        console.error(`  overhead run ${run + 1}/${RUNS}: ${name}: ${round(results[name]!.at(-1)!.requestsPerSecond)} req/s, p99 ${results[name]!.at(-1)!.p99} ms`);
      }
    }
    return Object.fromEntries(Object.entries(results).map(([k, v]) => [k, summarise(v)]));
  });
}

/** A few seconds of light load first, as a server in production has had: JIT, lazy imports, connection pools. */
async function warmUp(url: string, connections: number) {
  await runLoad({ url, connections, durationSeconds: 6, timeoutSeconds: 10 });
  // The load generator hangs up on the requests still open; let the server finish them before measuring.
  await new Promise((resolve) => setTimeout(resolve, 5000));
}

async function deadline() {
  return withFakeLlm({ min: 1000, max: 3000 }, async (llm) => {
    const bot = await startBot(llm, join(work, 'deadline.db'));
    try {
      await warmUp(`${bot.url}/webhook?token=${SECRET}`, 500);
      const result = await runLoad({ url: `${bot.url}/webhook?token=${SECRET}`, connections: 500, durationSeconds: Math.max(DURATION, 20), timeoutSeconds: 5 });
      return {
        connections: 500,
        llmLatency: '1-3 s',
        total: result.total,
        insideFiveSeconds: round((result.total - result.failed) / Math.max(1, result.total), 4),
        fallbackShare: round(result.fallbacks / Math.max(1, result.total), 4),
        p50: result.p50,
        p99: result.p99,
        max: result.max,
        peakRssMb: round(peakRssMb(bot.child.pid!), 1),
      };
    } finally {
      await bot.stop();
    }
  });
}

async function hanging() {
  const deadlineMs = 4500;
  return withFakeLlm('hang', async (llm) => {
    const bot = await startBot(llm, join(work, 'hanging.db'), { REPLY_DEADLINE_MS: String(deadlineMs) });
    await warmUp(`${bot.url}/webhook?token=${SECRET}`, 200);
    const samples: number[] = [];
    const timer = setInterval(() => samples.push(round(rssMb(bot.child.pid!), 1)), 5000);
    try {
      const result = await runClosedLoop({ url: `${bot.url}/webhook?token=${SECRET}`, connections: 200, durationSeconds: HANG_SECONDS });
      return {
        seconds: HANG_SECONDS,
        connections: 200,
        total: result.total,
        fallbackShare: round(result.fallbacks / Math.max(1, result.total), 4),
        failed: result.failed,
        p99LatencyMs: result.p99,
        maxLatencyMs: result.max,
        limitMs: deadlineMs + 100,
        withinLimit: round(result.latencies.filter((ms) => ms <= deadlineMs + 100).length / Math.max(1, result.total), 4),
        maxAfterFirstRound: Math.round(Math.max(...result.latencies.slice(200))),
        rssSamplesMb: samples,
        rssGrowthMb: samples.length > 2 ? round(samples.at(-1)! - samples[1]!, 1) : null,
      };
    } finally {
      clearInterval(timer);
      await bot.stop();
    }
  });
}

/**
 * Does the size of the database slow the bot down? The same load (customers with 20 stored messages each, so every
 * request reads a real history) against 1 000 seeded contacts and against 50 000 (1 million messages), interleaved.
 */
async function bigHistory() {
  const small = join(work, 'small.db');
  const big = join(work, 'big.db');
  seedHistory(small, { contacts: 1_000, perContact: 20 });
  const seeded = seedHistory(big, { contacts: 50_000, perContact: 20 });
  const db = openDatabase(big, { readonly: true });
  const contact = findContactByPhone(db, seededPhone(25_000))!;
  const plan = explainRecentMessages(db, { contactId: contact.id, current: Number.MAX_SAFE_INTEGER, limit: 20 });
  db.$client.close();
  const runs: Record<'small' | 'big', Measured[]> = { small: [], big: [] };
  await withFakeLlm(0, async (llm) => {
    for (let run = 0; run < RUNS; run++) {
      for (const [size, path, contacts] of [['small', small, 1_000], ['big', big, 50_000]] as const) {
        // Every contact once per cycle, in a scattered order (7919 is prime): no two requests from one customer at
        // the same time, which the bot would merge into one answer and so make the smaller database look faster.
        let next = 0;
        runs[size].push(
          await measure(() => startBot(llm, path), {
            connections: CONNECTIONS,
            durationSeconds: DURATION,
            path: `/webhook?token=${SECRET}`,
            sender: () => seededPhone((next++ * 7919) % contacts),
          }),
        );
        console.error(`  history run ${run + 1}/${RUNS}, ${size} database: ${round(runs[size].at(-1)!.requestsPerSecond)} req/s, p99 ${runs[size].at(-1)!.p99} ms`);
      }
    }
  });
  const smallResult = summarise(runs.small);
  const bigResult = summarise(runs.big);
  return {
    seededMessages: seeded.messages,
    seedSeconds: round(seeded.ms / 1000, 1),
    queryPlan: plan,
    small: { contacts: 1_000, messages: 20_000, ...smallResult },
    big: { contacts: 50_000, messages: seeded.messages, ...bigResult },
    p99Growth: round(bigResult.p99 / smallResult.p99 - 1, 3),
  };
}

/**
 * Answers that outlive the window: an LLM answering in 3-10 s at 200 connections, with Whatspie's API (a fake on
 * loopback, in this process, counting what it accepts). Every webhook must be answered inside 5 s, every late answer
 * delivered; reported with the time from a message to its delivered answer.
 */
async function lateAnswers() {
  const api = await startFakeWhatspie();
  const seconds = Number(process.env.BENCH_LATE_SECONDS ?? 30);
  const connections = 200;
  try {
    return await withFakeLlm({ min: 3000, max: 10_000 }, async (llm) => {
      const bot = await startBot(llm, join(work, 'late.db'), { WHATSPIE_API_TOKEN: 'bench-token', WHATSPIE_DEVICE: '6281100000000', WHATSPIE_API_URL: api.url, LATE_ANSWER_SECONDS: '60' });
      try {
        const { request, Agent } = await import('node:http');
        const agent = new Agent({ keepAlive: true, maxSockets: connections });
        const url = `${bot.url}/webhook?token=${SECRET}`;
        const sentAt = new Map<string, number>();
        const webhookMs: number[] = [];
        const inWindow = new Map<string, number>();
        let failed = 0;
        let holding = 0;
        let counter = 0;
        const end = Date.now() + seconds * 1000;
        const one = () =>
          new Promise<void>((resolve) => {
            const from = `62899${String(counter++).padStart(7, '0')}`;
            const body = JSON.stringify({ message: 'Hello, when does my order ship?', from, timestamp: Math.floor(Date.now() / 1000), message_id: `late-${from}` });
            const started = Date.now();
            sentAt.set(from, started);
            const req = request(url, { method: 'POST', agent, headers: { 'content-type': 'application/json' } }, (res) => {
              let text = '';
              res.on('data', (chunk: Buffer) => (text += chunk.toString()));
              res.on('end', () => {
                const ms = Date.now() - started;
                webhookMs.push(ms);
                if (res.statusCode !== 200 || ms > 5000) failed += 1;
                if (text.includes('looking into it')) holding += 1;
                else inWindow.set(from, ms);
                resolve();
              });
            });
            req.on('error', () => {
              failed += 1;
              resolve();
            });
            req.end(body);
          });
        await Promise.all(Array.from({ length: connections }, async () => {
          while (Date.now() < end) await one();
        }));
        agent.destroy();
        // Every late answer must arrive: the LLM takes at most 10 s, the outbox a moment more.
        const until = Date.now() + 60_000;
        while (api.sent.length < holding && Date.now() < until) await new Promise((resolve) => setTimeout(resolve, 250));
        const delivered = [...inWindow.values(), ...api.sent.map((r) => r.at - (sentAt.get(r.body.receiver) ?? r.at))].sort((a, b) => a - b);
        const at = (q: number) => delivered[Math.min(delivered.length - 1, Math.floor(q * delivered.length))] ?? 0;
        const sortedWebhook = [...webhookMs].sort((a, b) => a - b);
        return {
          seconds,
          connections,
          llmLatency: '3-10 s',
          webhooks: webhookMs.length,
          insideFiveSeconds: round((webhookMs.length - failed) / Math.max(1, webhookMs.length), 4),
          webhookP99Ms: sortedWebhook[Math.floor(0.99 * sortedWebhook.length)] ?? 0,
          webhookMaxMs: sortedWebhook.at(-1) ?? 0,
          answeredInWindow: inWindow.size,
          lateAnswers: holding,
          lateDeliveredAtFakeApi: api.sent.length,
          apiRequests: api.requests.length,
          messageToAnswerP50Ms: at(0.5),
          messageToAnswerP99Ms: at(0.99),
          messageToAnswerMaxMs: delivered.at(-1) ?? 0,
          peakRssMb: round(peakRssMb(bot.child.pid!), 1),
        };
      } finally {
        await bot.stop();
      }
    });
  } finally {
    await api.close();
  }
}

/**
 * What hearing and seeing add per message: the same light load (10 connections) of text messages, photos (VISION:
 * downloaded, then sent to the model as a data URL) and voice notes (downloaded, then transcribed), against one bot
 * with instant fakes of the LLM, the transcription endpoint and Whatspie's file host, all on loopback.
 */
async function media() {
  const host = await startFakeFileHost({ limitBytes: 16 * 1024 * 1024 });
  try {
    return await withFakeLlm(0, async (llm) => {
      const bot = await startBot(llm, join(work, 'media.db'), {
        KEEP_MEDIA: 'true',
        MEDIA_DIR: join(work, 'media'),
        MEDIA_ALLOW_PRIVATE_HOSTS: 'true',
        VISION: 'true',
        TRANSCRIPTION_MODEL: 'whisper-1',
      });
      try {
        const url = `${bot.url}/webhook?token=${SECRET}`;
        const kinds: Record<string, () => Record<string, unknown>> = {
          text: () => ({ message: 'Hello, when does my order ship?' }),
          photo: () => ({ type: 'imageMessage', file: { url: `${host.url}/photo.jpg`, caption: 'Do you have this in brown?' } }),
          'voice note': () => ({ type: 'audioMessage', file: { url: `${host.url}/voice.oga`, seconds: 15 } }),
        };
        const results: Record<string, Measured[]> = Object.fromEntries(Object.keys(kinds).map((k) => [k, []]));
        await runLoad({ url, connections: 10, durationSeconds: 2, content: kinds.text });
        for (let run = 0; run < RUNS; run++) {
          for (const [kind, content] of Object.entries(kinds)) {
            results[kind]!.push(await runLoad({ url, connections: 10, durationSeconds: DURATION, content }));
            console.error(`  media run ${run + 1}/${RUNS}: ${kind}: p50 ${results[kind]!.at(-1)!.p50} ms, p99 ${results[kind]!.at(-1)!.p99} ms`);
          }
        }
        const summary = Object.fromEntries(Object.entries(results).map(([k, v]) => [k, summarise(v)]));
        return {
          connections: 10,
          files: { photoBytes: host.files['/photo.jpg']!.length, voiceNoteBytes: host.files['/voice.oga']!.length },
          ...summary,
          addedP50Ms: { photo: summary.photo!.p50 - summary.text!.p50, voiceNote: summary['voice note']!.p50 - summary.text!.p50 },
        };
      } finally {
        await bot.stop();
      }
    });
  } finally {
    await host.close();
  }
}

/** What a customer writes over one long conversation: questions, answers to the bot's questions, small talk. */
const CUSTOMER_LINES = [
  'Hi, is the brown leather bag still available?',
  'How much does shipping to Surabaya cost?',
  'And how long does delivery take to Bali?',
  'Can I pay with QRIS?',
  'OK. What are your opening hours on Saturday?',
  'My order number is ORD-10%d, has it shipped yet?',
  'The zip on the bag I received is a bit stiff, is that normal?',
  'Can I return it if I do not like the colour?',
  'How long does a refund take?',
  'Do you have it in black as well, size medium?',
  'Great, I will think about it. Do you ship on Sunday?',
  'Thank you for the quick answers!',
];

interface PromptSeries {
  /** Average share of each prompt's characters that repeat the previous prompt's start (the first prompt excluded). */
  prefixShare: number;
  averagePromptChars: number;
  /** Of all prompt tokens, those a prompt cache like OpenAI's serves (the fake LLM's model of it). */
  cachedTokenShare: number;
}

function promptSeries(prompts: string[]): PromptSeries {
  const shares = prompts.slice(1).map((prompt, i) => commonPrefixLength(prompt, prompts[i]!) / prompt.length);
  const recent: string[] = [];
  let cached = 0;
  let total = 0;
  for (const prompt of prompts) {
    cached += cachedTokensOf(prompt, recent);
    total += prompt.length >> 2;
    recent.unshift(prompt);
  }
  return {
    prefixShare: round(shares.reduce((a, b) => a + b, 0) / shares.length, 3),
    averagePromptChars: round(prompts.reduce((n, p) => n + p.length, 0) / prompts.length),
    cachedTokenShare: round(cached / total, 3),
  };
}

/**
 * What a long conversation costs: 60 customer messages to the bot with the shipped prompts and HISTORY_LIMIT 20,
 * every request recorded by a fake LLM that caches prompt prefixes as OpenAI does. Side by side, from the same
 * conversation and with the agent's own code: the same requests with the window sliding a message at a time.
 * Then the bound: a customer with 1 000 earlier messages.
 */
async function cost() {
  const llm = await startFakeOpenAI({ promptCache: true });
  const dbPath = join(work, 'cost-conversation.db');
  const bot = await startBot(llm, dbPath);
  const from = '6281234500001';
  const requests: ChatRequest[] = [];
  try {
    for (let i = 0; i < 60; i++) {
      const message = CUSTOMER_LINES[i % CUSTOMER_LINES.length]!.replace('%d', String(i));
      await fetch(`${bot.url}/webhook?token=${SECRET}`, { method: 'POST', body: JSON.stringify({ message, from, timestamp: Math.floor(Date.now() / 1000), message_id: `cost-${i}` }) });
      requests.push(llm.lastRequest as ChatRequest);
    }
  } finally {
    await bot.stop();
  }
  // The same conversation, rebuilt from the database by the agent's own functions, once as the bot builds it and
  // once with the window sliding one message a turn (as before).
  const storage = openSqliteStorage(dbPath, { readonly: true });
  const limits = { maxInputChars: 2000, historyLimit: 20, historyMaxChars: 16_000 };
  const rebuilt = { blocks: [] as string[], sliding: [] as string[], slidingRequests: [] as ChatRequest[] };
  let reproduced = 0;
  try {
    // The history as it stood when each message arrived: every earlier row, the last 20 of them, and how many before.
    const rows = await storage.reports.transcriptRows({ phone: from });
    const inbound = rows.filter((row) => row.direction === 'in');
    for (const [i, row] of inbound.entries()) {
      const real = requests[i]!;
      const before = rows.filter((earlier) => earlier.id < row.id).map((earlier) => ({ ...earlier, contactId: 0 }));
      const window = { messages: before.slice(-20), earlier: Math.max(0, before.length - 20) };
      const history = currentSession(window, row.createdAt, 24 * 3_600_000);
      const knowledge = real.messages.find((m, j) => j > 0 && m.role === 'system');
      const rebuild = (historyBlock?: number) => {
        const messages = buildConversation({ systemPrompt: real.messages[0]!.content, history, knowledge: [], newMessage: real.messages.at(-1)!.content, limits: { ...limits, historyBlock } });
        // The knowledge sections the bot found for this message go where it put them: after the history.
        if (knowledge) messages.splice(-1, 0, knowledge as ChatMessage);
        return messages;
      };
      const blocks = rebuild();
      if (JSON.stringify(blocks) === JSON.stringify(real.messages)) reproduced++;
      rebuilt.blocks.push(promptText({ tools: real.tools, messages: blocks }));
      const sliding = { tools: real.tools, messages: rebuild(1) as ChatRequest['messages'] };
      rebuilt.sliding.push(promptText(sliding));
      rebuilt.slidingRequests.push(sliding);
    }
  } finally {
    storage.close();
  }
  const sent = requests.map((request) => promptText(request));
  const messagesOnly = (prompts: ChatRequest[]) => promptSeries(prompts.map((request) => JSON.stringify(request.messages))).prefixShare;
  const bodies = requests.map((request) => JSON.stringify(request).length);
  const conversation = {
    customerMessages: requests.length,
    historyLimit: 20,
    cacheFriendly: { ...promptSeries(sent), messagesOnlyPrefixShare: messagesOnly(requests) },
    slidingWindow: { ...promptSeries(rebuilt.sliding), messagesOnlyPrefixShare: messagesOnly(rebuilt.slidingRequests) },
    averageRequestBytes: round(bodies.reduce((a, b) => a + b, 0) / bodies.length),
    rebuiltRequestsIdenticalToSent: `${reproduced}/${requests.length}`,
  };

  // The bound: HISTORY_LIMIT and HISTORY_MAX_CHARS hold however long the history is.
  const boundDb = join(work, 'cost-bound.db');
  seedHistory(boundDb, { contacts: 1, perContact: 1000, textLength: 300 });
  const boundBot = await startBot(llm, boundDb);
  try {
    await fetch(`${boundBot.url}/webhook?token=${SECRET}`, {
      method: 'POST',
      body: JSON.stringify({ message: 'Any update on my order?', from: seededPhone(0), timestamp: 1, message_id: 'cost-1' }),
    });
    const request = llm.lastRequest as ChatRequest;
    return {
      conversation,
      longHistory: {
        earlierMessages: 1000,
        historyTurnsSent: request.messages.filter((m) => m.role !== 'system').length - 1,
        requestBytes: JSON.stringify(request).length,
        bound: 'HISTORY_LIMIT=20 messages and HISTORY_MAX_CHARS=16000, plus the system prompt, up to 3 knowledge sections and the tools',
      },
    };
  } finally {
    await boundBot.stop();
    await llm.close();
  }
}

function table(rows: string[][]): string {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  return rows.map((r) => r.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ')).join('\n');
}

/**
 * One instance on SQLite, one on PostgreSQL, two on PostgreSQL (connections spread across them, as a load balancer
 * would), under the same load: instant LLM, 50 connections, every request a new customer. Interleaved runs.
 */
async function instances() {
  const cluster = await startPostgresCluster();
  if (!cluster) {
    console.error(`  instances: skipped, PostgreSQL ${POSTGRES_MISSING}`);
    return { skipped: `PostgreSQL ${POSTGRES_MISSING}` };
  }
  const freshDatabase = async (name: string) => {
    const admin = new pg.Client({ connectionString: cluster.url });
    await admin.connect();
    await admin.query(`CREATE DATABASE ${name}`);
    await admin.end();
    return cluster.url.replace(/\/postgres$/, `/${name}`);
  };
  try {
    return await withFakeLlm(0, async (llm) => {
      const setups: Record<string, (run: number) => Promise<Running[]>> = {
        '1 instance, SQLite': async (run) => [await startBot(llm, join(work, `instances-${run}.db`))],
        '1 instance, PostgreSQL': async (run) => [await startBot(llm, '', { DATABASE_URL: await freshDatabase(`one_${run}`) })],
        '2 instances, PostgreSQL': async (run) => {
          const url = await freshDatabase(`two_${run}`);
          return Promise.all([startBot(llm, '', { DATABASE_URL: url }), startBot(llm, '', { DATABASE_URL: url })]);
        },
      };
      const results: Record<string, Measured[]> = Object.fromEntries(Object.keys(setups).map((k) => [k, []]));
      for (let run = 0; run < RUNS; run++) {
        for (const [name, start] of Object.entries(setups)) {
          const servers = await start(run);
          try {
            const urls = servers.map((s) => `${s.url}/webhook?token=${SECRET}`);
            await runClosedLoop({ url: urls[0]!, urls, connections: CONNECTIONS, durationSeconds: 2 });
            const result = await runClosedLoop({ url: urls[0]!, urls, connections: CONNECTIONS, durationSeconds: DURATION });
            results[name]!.push({ ...result, peakRssMb: round(Math.max(...servers.map((s) => peakRssMb(s.child.pid!))), 1) });
            console.error(`  instances run ${run + 1}/${RUNS}: ${name}: ${round(result.requestsPerSecond)} req/s, p50 ${result.p50} ms, p99 ${result.p99} ms, fallbacks ${result.fallbacks}`);
          } finally {
            await Promise.all(servers.map((s) => s.stop()));
          }
        }
      }
      return Object.fromEntries(Object.entries(results).map(([k, v]) => [k, summarise(v)]));
    });
  } finally {
    cluster.stop();
  }
}

async function main() {
  const machine = { cpus: cpus().length, cpu: cpus()[0]?.model ?? 'unknown', memoryGb: round(totalmem() / 2 ** 30, 1), node: process.version };
  console.error(`whatsbot bench: ${RUNS} runs x ${DURATION} s, ${CONNECTIONS} connections, on ${machine.cpus} x ${machine.cpu}`);
  const results: Record<string, unknown> = { date: new Date().toISOString(), machine, runs: RUNS, durationSeconds: DURATION, connections: CONNECTIONS };

  const over = SKIP.has('overhead') ? undefined : await overhead();
  if (over) results.overhead = over;
  if (!SKIP.has('deadline')) results.deadline = await deadline();
  if (!SKIP.has('hanging')) results.hanging = await hanging();
  if (!SKIP.has('big-history')) results.bigHistory = await bigHistory();
  if (!SKIP.has('cost')) results.cost = await cost();
  if (!SKIP.has('late')) results.late = await lateAnswers();
  if (!SKIP.has('media')) results.media = await media();
  if (!SKIP.has('instances')) results.instances = await instances();
  if (!SKIP.has('console')) {
    results.console = await withFakeLlm(0, (llm) => consoleScenario({ work, start: (dbPath) => startBot(llm, dbPath), secret: SECRET, durationSeconds: DURATION, runs: RUNS }));
  }

  if (over) {
    const relay = over['relay (Hono + fetch to LLM)']!;
    const bot = over['this bot']!;
    const unlimited = over['this bot, no heap limit']!;
    const sdkRelay = over['SDK relay (Hono + openai SDK + p-timeout)']!;
    results.targets = {
      // Ratios and differences are taken run by run (the two ran minutes apart at most), then their median.
      throughputVsRelay: round(median(bot.allRuns.map((r, i) => r.rps / relay.allRuns[i]!.rps)), 3),
      p99MinusRelayMs: median(bot.allRuns.map((r, i) => r.p99 - relay.allRuns[i]!.p99)),
      throughputVsSdkRelay: round(median(bot.allRuns.map((r, i) => r.rps / sdkRelay.allRuns[i]!.rps)), 3),
      p99MinusSdkRelayMs: median(bot.allRuns.map((r, i) => r.p99 - sdkRelay.allRuns[i]!.p99)),
      peakRssMb: bot.peakRssMb,
      heapLimitThroughputRatio: median(bot.allRuns.map((r, i) => r.rps / unlimited.allRuns[i]!.rps)),
    };
    console.log(`\nOverhead: instant LLM, ${CONNECTIONS} connections, median of ${RUNS} runs of ${DURATION} s\n`);
    console.log(
      table([
        ['server', 'req/s', 'p50 ms', 'p99 ms', 'max ms', 'failed', 'peak RSS MB'],
        ...Object.entries(over).map(([name, r]) => [name, String(r.requestsPerSecond), String(r.p50), String(r.p99), String(r.max), String(r.failed), String(r.peakRssMb ?? '')]),
      ]),
    );
    const t = results.targets as {
      throughputVsRelay: number;
      p99MinusRelayMs: number;
      throughputVsSdkRelay: number;
      p99MinusSdkRelayMs: number;
      peakRssMb: number;
      heapLimitThroughputRatio: number;
    };
    console.log(`\nthis bot / SDK relay throughput: ${t.throughputVsSdkRelay} (target >= 0.6); p99 - SDK relay p99: ${t.p99MinusSdkRelayMs} ms (target <= 20)`);
    console.log(`this bot / relay throughput: ${t.throughputVsRelay}; p99 - relay p99: ${t.p99MinusRelayMs} ms; peak RSS ${t.peakRssMb} MB (target < 150); with / without the heap limit: ${round(t.heapLimitThroughputRatio, 3)} of the throughput`);
  }
  if (results.deadline) console.log('\nDeadline (LLM 1-3 s, 500 connections):', JSON.stringify(results.deadline));
  if (results.hanging) console.log('\nHanging LLM:', JSON.stringify(results.hanging));
  if (results.bigHistory) {
    const h = results.bigHistory as { queryPlan: string[]; p99Growth: number; small: Measured; big: Measured; seedSeconds: number };
    console.log(
      `\nHistory (customers with 20 messages each): 1 000 contacts ${round(h.small.requestsPerSecond)} req/s, p99 ${h.small.p99} ms;` +
        ` 50 000 contacts / 1M messages ${round(h.big.requestsPerSecond)} req/s, p99 ${h.big.p99} ms; p99 growth ${round(h.p99Growth * 100)}% (target <= 20%)`,
      `\n  seeded in ${h.seedSeconds} s; history query plan: ${h.queryPlan.join(' | ')}`,
    );
  }
  if (results.cost) {
    const { conversation: c, longHistory } = results.cost as Awaited<ReturnType<typeof cost>>;
    console.log(`\nCost: one conversation of ${c.customerMessages} customer messages, shipped prompts, HISTORY_LIMIT ${c.historyLimit}\n`);
    console.log(
      table([
        ['history window', 'prompt repeating the previous start', 'messages alone', 'average prompt chars', 'prompt tokens cached'],
        ...(
          [
            ['drops half the limit at once (this bot)', c.cacheFriendly],
            ['slides one message a turn (before)', c.slidingWindow],
          ] as const
        ).map(([name, r]) => [name, `${round(r.prefixShare * 100)}%`, `${round(r.messagesOnlyPrefixShare * 100)}%`, String(r.averagePromptChars), `${round(r.cachedTokenShare * 100)}%`]),
      ]),
    );
    console.log(`\naverage request body ${c.averageRequestBytes} bytes; rebuilt requests identical to those sent: ${c.rebuiltRequestsIdenticalToSent} (target: >= 80% repeating)`);
    console.log(`A customer with ${longHistory.earlierMessages} earlier messages: ${longHistory.historyTurnsSent} history turns sent, request ${longHistory.requestBytes} bytes`);
  }
  if (results.console) console.log('\nConsole (10 000 contacts, 1 000 000 messages; inbox and a 200-message conversation, ms over loopback; webhook req/s with 20 live consoles against none):', JSON.stringify(results.console));
  if (results.media) console.log('\nMedia (instant fakes, 10 connections; files from a loopback host):', JSON.stringify(results.media));
  if (results.instances) {
    const rows = Object.entries(results.instances as Record<string, ReturnType<typeof summarise>>).filter(([, r]) => typeof r === 'object');
    console.log(`\nInstances (instant LLM, ${CONNECTIONS} connections, a new customer per request, median of ${RUNS} runs of ${DURATION} s)\n`);
    console.log(table([['setup', 'req/s', 'p50 ms', 'p99 ms', 'failed', 'fallback share', 'peak RSS MB (largest instance)'], ...rows.map(([name, r]) => [name, String(r.requestsPerSecond), String(r.p50), String(r.p99), String(r.failed), String(r.fallbackShare), String(r.peakRssMb ?? '')])]));
  }
  if (results.late) console.log('\nLate answers (LLM 3-10 s, 200 connections, Whatspie API):', JSON.stringify(results.late));

  const out = new URL('./results/', import.meta.url);
  mkdirSync(out, { recursive: true });
  writeFileSync(new URL('latest.json', out), `${JSON.stringify(results, null, 2)}\n`);
  console.log('\nwrote bench/results/latest.json');
}

try {
  await main();
} finally {
  rmSync(work, { recursive: true, force: true });
}
