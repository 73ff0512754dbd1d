// Faults a business will meet in production: the customer still gets an answer in time, and nothing is lost.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { BUILT_IN_TEXTS, loadPrompts } from '../src/prompts/prompts.js';
import { openDatabase } from '../src/store/db.js';
import { webhookReplySchema } from '../src/whatspie/reply.js';
import { captureLogs, copyPrompts, jsonOf, makeBot, storedMessages, tempDir } from './helpers/app.js';
import { freshInbound } from './helpers/fixtures.js';
import { until } from './helpers/llm.js';
import { startServerProcess } from './helpers/server-process.js';
import { startFakeOpenAI, type Fault, type FakeOpenAI, type Latency } from './fake-openai.js';

const FALLBACK = { type: 'chat', body: expect.stringContaining('team will get back to you'), simulation: true };
const fakes: FakeOpenAI[] = [];
afterEach(async () => {
  await Promise.all(fakes.splice(0).map((f) => f.close()));
});

async function fakeLlm(options: { latency?: Latency; fault?: Fault }) {
  const fake = await startFakeOpenAI(options);
  fakes.push(fake);
  return fake;
}

describe('a misbehaving LLM server (over real HTTP)', () => {
  it.each([
    ['down (connection refused)', null, 'connection_error'],
    ['hanging', { latency: 'hang' as const }, 'timeout'],
    ['slow', { latency: 5_000 }, 'timeout'],
    ['rate limiting', { fault: { status: 429 } }, 'rate_limited'],
    ['failing', { fault: { status: 502 } }, 'server_error'],
    ['answering garbage', { fault: 'garbage' as const }, 'bad_response'],
    ['cutting its answer off mid-way', { fault: 'truncated' as const }, 'bad_response'],
    ['resetting the connection', { fault: 'reset' as const }, 'connection_error'],
  ])('%s: the fallback arrives inside the deadline and the message is stored', async (_label, behaviour, reason) => {
    const url = behaviour ? (await fakeLlm(behaviour)).url : 'http://127.0.0.1:9/v1';
    const bot = makeBot({ llmBaseUrl: url, deadlineMs: 600 });
    const started = Date.now();
    const response = await bot.post(freshInbound());
    const elapsed = Date.now() - started;
    expect(await jsonOf(response)).toEqual(FALLBACK);
    // Generous bound: what matters is that the LLM's 5 s or endless hang did not decide the reply time.
    expect(elapsed).toBeLessThan(2_500);
    const rows = storedMessages(bot.db);
    expect(rows[0]).toMatchObject({ direction: 'in', kind: 'text', text: 'Hello, I need help with my order' });
    expect(rows[1]).toMatchObject({ fell_back: 1 });
    expect(rows[1]!.fallback_reason).toBe(reason);
  });
});

describe('the database failing', () => {
  it('busy (another process holds the write lock): a clear log line, the fallback, no crash', async () => {
    const logs = captureLogs();
    const bot = makeBot({ logger: logs.logger, llm: false });
    bot.db.$client.pragma('busy_timeout = 50');
    const other = openDatabase(bot.dbPath);
    other.$client.exec('BEGIN EXCLUSIVE');
    const response = await bot.post(freshInbound());
    expect(response.status).toBe(200);
    expect(await jsonOf(response)).toEqual(FALLBACK);
    expect(logs.records().find((r) => r.msg === 'database error; sending the fallback')).toMatchObject({ code: 'SQLITE_BUSY' });
    other.$client.exec('ROLLBACK');
    other.$client.close();
    // Once the lock is gone, the same message is stored and answered normally.
    expect((await bot.post(freshInbound())).status).toBe(200);
    expect(storedMessages(bot.db).length).toBeGreaterThan(0);
  });

  it('full (no room to write): a clear log line, the fallback, no crash', async () => {
    const logs = captureLogs();
    const bot = makeBot({ logger: logs.logger, llm: false });
    const pages = bot.db.$client.pragma('page_count', { simple: true }) as number;
    bot.db.$client.pragma(`max_page_count = ${pages}`);
    const response = await bot.post(freshInbound('text', { message: 'x'.repeat(200_000) }));
    expect(await jsonOf(response)).toEqual(FALLBACK);
    expect(logs.records().find((r) => r.msg === 'database error; sending the fallback')).toMatchObject({ code: 'SQLITE_FULL' });
    expect((await bot.app.request('/healthz')).status).toBe(200);
  });
});

describe('prompt files broken while running', () => {
  it('keeps the last good version of a required file and logs why', async () => {
    const logs = captureLogs();
    const dir = copyPrompts();
    const prompts = loadPrompts(dir, logs.logger, 0);
    const good = prompts.systemPrompt();
    writeFileSync(join(dir, 'system.md'), '   ');
    writeFileSync(join(dir, 'media.json'), '[{"id": 1}]');
    expect(prompts.systemPrompt()).toBe(good);
    expect(prompts.mediaCatalog().length).toBeGreaterThan(0);
    const rejected = logs.records().filter((r) => r.msg === 'prompt file rejected; keeping the last good version');
    expect(rejected.map((r) => r.err)).toEqual([expect.stringMatching(/system\.md is empty/), expect.stringMatching(/media\.json is invalid/)]);
  });

  it('an emptied message file falls back to the built-in text, and the log says so', async () => {
    const logs = captureLogs();
    const bot = makeBot({ logger: logs.logger, llm: false });
    writeFileSync(join(bot.promptsDir, 'fallback.md'), 'Custom fallback');
    expect((await jsonOf(bot.post(freshInbound()))).body).toBe('Custom fallback');
    writeFileSync(join(bot.promptsDir, 'fallback.md'), '');
    expect((await jsonOf(bot.post(freshInbound()))).body).toBe(BUILT_IN_TEXTS['fallback.md']);
    expect(logs.text()).toMatch(/fallback\.md is empty: using the built-in text/);
  });
});

describe('stopping the server', () => {
  it('SIGTERM: stops accepting, finishes the request in flight, closes the database, exits 0', async () => {
    const llm = await fakeLlm({ latency: 800 });
    const dbPath = join(tempDir(), 'bot.db');
    const secret = 'sigterm-secret-0123456789';
    const server = await startServerProcess({ DATABASE_PATH: dbPath, PROMPTS_DIR: copyPrompts(), OPENAI_BASE_URL: llm.url, WEBHOOK_SECRET: secret, REPLY_DEADLINE_MS: '3000' });
    const message = freshInbound('text', { message: 'slow question' });
    const inFlight = fetch(`${server.url}/webhook?token=${secret}`, { method: 'POST', body: JSON.stringify(message) });
    // SIGTERM while the request is with the LLM; then the server stops accepting new connections.
    await until(() => llm.requests === 1);
    server.child.kill('SIGTERM');
    await until(() => fetch(`${server.url}/healthz`).then(() => false, () => true));
    const response = await inFlight;
    expect(response.status).toBe(200);
    expect(await jsonOf(response)).toMatchObject({ type: 'chat', body: expect.not.stringContaining('team will get back to you') });
    expect(llm.requests).toBe(1);
    expect(await server.exited).toBe(0);
    const db = openDatabase(dbPath, { readonly: true });
    expect(db.$client.pragma('integrity_check', { simple: true })).toBe('ok');
    expect(db.$client.prepare('select count(*) from messages').pluck().get()).toBe(2);
    db.$client.close();
  });

  it('SIGKILL under load: after a restart every message that got a 200 is stored with its reply', async () => {
    const llm = await fakeLlm({ latency: { min: 0, max: 40 } });
    const dbPath = join(tempDir(), 'bot.db');
    const secret = 'sigkill-secret-0123456789';
    const env = { DATABASE_PATH: dbPath, PROMPTS_DIR: copyPrompts(), OPENAI_BASE_URL: llm.url, WEBHOOK_SECRET: secret, RATE_LIMIT_PER_MINUTE: '0' };
    const server = await startServerProcess(env);
    const answered = new Map<string, unknown>();
    let sent = 0;
    const worker = async (w: number) => {
      for (let i = 0; i < 60; i++) {
        const message = freshInbound('text', { from: `62899${w}${i % 7}`, message: `load ${w}-${i}` });
        sent += 1;
        try {
          const response = await fetch(`${server.url}/webhook?token=${secret}`, { method: 'POST', body: JSON.stringify(message) });
          if (response.status === 200) answered.set(message.message_id as string, await response.json());
        } catch {
          return; // the server is gone
        }
      }
    };
    const load = Promise.all(Array.from({ length: 16 }, (_, w) => worker(w)));
    while (answered.size < 150) await new Promise((resolve) => setTimeout(resolve, 5));
    server.child.kill('SIGKILL');
    await load;
    expect(sent).toBeGreaterThan(answered.size);

    const restarted = await startServerProcess(env);
    await restarted.stop();
    const db = openDatabase(dbPath, { readonly: true });
    expect(db.$client.pragma('integrity_check', { simple: true })).toBe('ok');
    const replyOf = db.$client.prepare(
      "select o.reply_json from messages i join messages o on o.in_reply_to = i.id and o.direction = 'out' where i.wa_message_id = ?",
    );
    for (const [messageId, body] of answered) {
      const stored = replyOf.pluck().get(messageId) as string | undefined;
      expect(stored, messageId).toBeDefined();
      expect(JSON.parse(stored!)).toEqual(body);
      expect(webhookReplySchema.safeParse(body).success).toBe(true);
    }
    db.$client.close();
  });
});
