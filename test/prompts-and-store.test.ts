import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { resolveWebhookSecret } from '../src/http/webhook-auth.js';
import { silentLogger } from '../src/logger.js';
import { BUILT_IN_TEXTS, loadPrompts } from '../src/prompts/prompts.js';
import { openDatabase } from '../src/store/db.js';
import { openSqliteStorage } from '../src/store/sqlite-storage.js';
import { webhookReplySchema } from '../src/whatspie/reply.js';
import { captureLogs, copyPrompts, jsonOf, makeBot, tempDir } from './helpers/app.js';
import { freshInbound } from './helpers/fixtures.js';
import { llmRequests, replyWith } from './helpers/llm.js';

describe('prompt files', () => {
  it('an edit of system.md reaches the next LLM request without a restart', async () => {
    replyWith({ content: 'ok' });
    const bot = makeBot();
    await bot.post(freshInbound());
    writeFileSync(join(bot.promptsDir, 'system.md'), 'You work for Toko Batik Sari. Always answer in Indonesian.');
    await bot.post(freshInbound());
    expect(llmRequests[0]!.messages[0]!.content).toContain('Toko Contoh');
    expect(llmRequests[1]!.messages[0]).toEqual({ role: 'system', content: 'You work for Toko Batik Sari. Always answer in Indonesian.' });
  });

  it('an edit of fallback.md changes the fallback at once', async () => {
    const bot = makeBot({ llm: false });
    writeFileSync(join(bot.promptsDir, 'fallback.md'), 'Mohon tunggu, tim kami akan segera membalas.\n');
    const reply = await jsonOf(bot.post(freshInbound()));
    expect(reply).toEqual({ type: 'chat', body: 'Mohon tunggu, tim kami akan segera membalas.', simulation: true });
  });

  it('a new media.json entry becomes sendable without a restart', async () => {
    replyWith({ content: 'ok' });
    const bot = makeBot();
    writeFileSync(
      join(bot.promptsDir, 'media.json'),
      JSON.stringify([{ id: 'menu', kind: 'image', url: 'https://example.com/menu.png' }]),
    );
    await bot.post(freshInbound());
    const tools = llmRequests[0]!.tools!.map((t) => t.function.name);
    expect(tools).toEqual(['send_text', 'send_image', 'react', 'handoff_to_human']);
  });

  it('a broken edit keeps the last good version', () => {
    const dir = copyPrompts();
    const prompts = loadPrompts(dir, silentLogger, 0);
    const before = prompts.mediaCatalog();
    writeFileSync(join(dir, 'media.json'), '[{"id": "x", "kind": "video"');
    expect(prompts.mediaCatalog()).toBe(before);
    writeFileSync(join(dir, 'system.md'), '   \n');
    expect(prompts.systemPrompt()).toContain('Toko Contoh');
  });

  it.each([
    ['system.md is missing', (dir: string) => rmSync(join(dir, 'system.md')), /system\.md is missing/],
    ['system.md is empty', (dir: string) => writeFileSync(join(dir, 'system.md'), ''), /system\.md is empty/],
    ['media.json is not JSON', (dir: string) => writeFileSync(join(dir, 'media.json'), '{'), /media\.json is not valid JSON/],
    [
      'a document has no file name',
      (dir: string) => writeFileSync(join(dir, 'media.json'), '[{"id":"a","kind":"document","url":"https://x.test/a.pdf","mimeType":"application/pdf"}]'),
      /media\.json is invalid: 0\.fileName/,
    ],
    [
      'two entries share an id',
      (dir: string) =>
        writeFileSync(join(dir, 'media.json'), '[{"id":"a","kind":"image","url":"https://x.test/a.png"},{"id":"a","kind":"image","url":"https://x.test/b.png"}]'),
      /unique/,
    ],
  ])('startup says exactly what is wrong when %s', (_label, breakIt, message) => {
    const dir = copyPrompts();
    breakIt(dir);
    expect(() => loadPrompts(dir, silentLogger)).toThrow(message);
  });

  it('in production the files are looked at again at most once per interval, then the edit applies', async () => {
    const dir = copyPrompts();
    const prompts = loadPrompts(dir, silentLogger, 500);
    writeFileSync(join(dir, 'system.md'), 'Edited prompt');
    expect(prompts.systemPrompt()).toContain('Toko Contoh');
    await new Promise((resolve) => setTimeout(resolve, 600));
    expect(prompts.systemPrompt()).toBe('Edited prompt');
  });

  it('the shipped prompts folder loads and is well-formed, whatever an operator wrote in it', () => {
    const shipped = new URL('../prompts', import.meta.url).pathname;
    const prompts = loadPrompts(shipped, silentLogger);
    expect(prompts.systemPrompt().length).toBeGreaterThan(0);
    expect(prompts.fallbackText().length).toBeGreaterThan(0);
    expect(Array.isArray(prompts.mediaCatalog())).toBe(true);
  });

  it('a prompts folder from an older version, without handoff.md, rate-limited.md or fallback.md, runs on built-in texts and says so', async () => {
    const logs = captureLogs();
    const dir = copyPrompts();
    for (const name of ['handoff.md', 'rate-limited.md', 'fallback.md']) rmSync(join(dir, name));
    const prompts = loadPrompts(dir, logs.logger);
    expect(prompts.handoffText()).toBe(BUILT_IN_TEXTS['handoff.md']);
    expect(prompts.rateLimitedText()).toBe(BUILT_IN_TEXTS['rate-limited.md']);
    expect(prompts.fallbackText()).toBe(BUILT_IN_TEXTS['fallback.md']);
    const notes = logs.records().map((r) => String(r.msg));
    for (const name of ['handoff.md', 'rate-limited.md', 'fallback.md']) expect(notes.some((m) => m.includes(`${name} is missing: using the built-in text`))).toBe(true);
    const bot = makeBot({ promptsDir: dir, llm: false });
    expect((await jsonOf(bot.post(freshInbound()))).body).toBe(BUILT_IN_TEXTS['fallback.md']);
  });

  it('a missing media.json means an empty catalog', () => {
    const dir = copyPrompts();
    rmSync(join(dir, 'media.json'));
    expect(loadPrompts(dir, silentLogger).mediaCatalog()).toEqual([]);
  });
});

describe('database', () => {
  it('a fresh file is migrated, in WAL mode, with the tables and the transcript view', () => {
    const db = openDatabase(join(tempDir(), 'nested', 'folder', 'bot.db'));
    const names = db.$client.prepare("select name from sqlite_master where type in ('table','view') order by name").pluck().all();
    expect(names).toEqual(expect.arrayContaining(['contacts', 'messages', 'settings', 'transcript']));
    expect(db.$client.pragma('journal_mode', { simple: true })).toBe('wal');
  });

  it('migrating again on restart changes nothing and keeps the data', async () => {
    replyWith({ content: 'ok' });
    const bot = makeBot();
    await bot.post(freshInbound());
    bot.db.$client.close();
    const reopened = openDatabase(bot.dbPath);
    expect(reopened.$client.prepare('select count(*) from messages').pluck().get()).toBe(2);
  });

  it('the transcript view shows who said what, in order', async () => {
    replyWith({ content: 'Let me check your order.' });
    const bot = makeBot();
    await bot.post(freshInbound('text', { from: '6281299999999' }));
    const rows = bot.db.$client.prepare("select who, kind, text from transcript where phone = '6281299999999'").all();
    expect(rows).toEqual([
      { who: 'customer', kind: 'text', text: 'Hello, I need help with my order' },
      { who: 'bot', kind: 'text', text: 'Let me check your order.' },
    ]);
  });
});

describe('webhook secret', () => {
  it('is generated once, kept in the database and reused after a restart', async () => {
    const path = join(tempDir(), 'bot.db');
    const first = await resolveWebhookSecret(openSqliteStorage(path).settings, undefined);
    const second = await resolveWebhookSecret(openSqliteStorage(path).settings, undefined);
    expect(first.generated).toBe(true);
    expect(first.secret.length).toBeGreaterThanOrEqual(32);
    expect(second).toEqual({ secret: first.secret, generated: false });
  });

  it('WEBHOOK_SECRET wins when set', async () => {
    expect(await resolveWebhookSecret(openSqliteStorage(':memory:').settings, 'configured-secret-123')).toEqual({ secret: 'configured-secret-123', generated: false });
  });
});

describe('a very long fallback text', () => {
  it('is split into at most five valid WhatsApp messages', async () => {
    const bot = makeBot({ llm: false });
    writeFileSync(join(bot.promptsDir, 'fallback.md'), 'Sorry. '.repeat(5000));
    const reply = await jsonOf(bot.post(freshInbound()));
    expect(reply).toHaveLength(5);
    expect(webhookReplySchema.safeParse(reply).success).toBe(true);
  });
});
