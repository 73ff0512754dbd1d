// What the provider's prompt cache saved: cached prompt tokens read from each provider's usage fields, stored with
// the reply, and shown by `transcripts stats` on both backends; and, end to end, a conversation whose requests share
// their start, so that a provider with a prompt cache reads most of each one from it.
import { HttpResponse } from 'msw';
import { describe, expect, it } from 'vitest';
import { runTranscripts } from '../src/cli/transcripts.js';
import { startFakeOpenAI } from './fake-openai.js';
import { makeBot, makeBotOn, type TestBot } from './helpers/app.js';
import { textFrom } from './helpers/fixtures.js';
import { answerWith, completion } from './helpers/llm.js';
import { backends } from './helpers/postgres.js';

/** A completion whose usage is `usage`, as the provider sent it. */
function answerWithUsage(usages: Record<string, unknown>[]) {
  let i = 0;
  answerWith(() => HttpResponse.json({ ...completion({ content: 'Sure.' }), usage: usages[i++ % usages.length] }));
}

async function stats(where: string, ...args: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runTranscripts(['stats', '--db', where, ...args], { out: (t) => out.push(t), err: (t) => err.push(t), settings: { DATABASE_PATH: where, HANDOFF_HOURS: 24 }, now: Date.now() });
  return { code, out: out.join('\n'), err: err.join('\n') };
}

describe.each(backends)('cached prompt tokens (%s)', (backend) => {
  it("are read from OpenAI's, DeepSeek's and Kimi's usage fields and shown against the uncached ones", async () => {
    answerWithUsage([
      { prompt_tokens: 2000, completion_tokens: 50, prompt_tokens_details: { cached_tokens: 1536 } }, // OpenAI, OpenRouter, Gemini
      { prompt_tokens: 1000, completion_tokens: 30, prompt_cache_hit_tokens: 768, prompt_cache_miss_tokens: 232 }, // DeepSeek
      { prompt_tokens: 500, completion_tokens: 20, cached_tokens: 9999 }, // Kimi; more than the prompt is cut to the prompt
      { prompt_tokens: 400, completion_tokens: 10 }, // says nothing of a cache
    ]);
    const bot = await makeBotOn(backend);
    for (let i = 0; i < 4; i++) await bot.post(textFrom(`628110000050${i}`, `question ${i}`));
    const rows = (await bot.storage.reports.transcriptRows({})).filter((row) => row.direction === 'out');
    expect(rows.map((row) => [row.promptTokens, row.cachedTokens])).toEqual([
      [2000, 1536],
      [1000, 768],
      [500, 500],
      [400, null],
    ]);

    const { code, out } = await stats(bot.databaseUrl ?? (bot as unknown as TestBot).dbPath);
    expect(code).toBe(0);
    const [header, today] = out.split('\n');
    expect(header).toMatch(/^DAY \(UTC\)\s+RECEIVED\s+MODEL REPLIES\s+FALLBACKS\s+PROMPT TOKENS\s+CACHED\s+UNCACHED\s+COMPLETION TOKENS$/);
    // 2 804 of 3 900 prompt tokens were cached: 72%, and 1 096 were not.
    expect(today).toMatch(new RegExp(`^${new Date().toISOString().slice(0, 10)}\\s+4\\s+4\\s+0\\s+3,900\\s+2,804 \\(72%\\)\\s+1,096\\s+110$`));
  });
});

describe('transcripts stats', () => {
  it('says when the provider never reported a cache, and when there is nothing in the period', async () => {
    answerWithUsage([{ prompt_tokens: 100, completion_tokens: 10 }]);
    const bot = makeBot();
    await bot.post(textFrom('6281100000510', 'hello'));
    const { out } = await stats(bot.dbPath);
    expect(out).toMatch(/\s1\s+1\s+0\s+100\s+not reported\s+10$/m);
    expect(out).toContain('The provider did not report cached tokens');
    expect((await stats(bot.dbPath, '--since', new Date(Date.now() + 60_000).toISOString())).out).toBe('No messages in this period.');
    expect((await stats(bot.dbPath, '--since', 'yesterday-ish')).code).toBe(1);
  });

  it('a conversation longer than HISTORY_LIMIT is mostly read from a prompt cache', async () => {
    // A real HTTP server that caches prompt prefixes as OpenAI describes it (1 024 tokens and up, in steps of 128).
    const llm = await startFakeOpenAI({ promptCache: true });
    try {
      const bot = makeBot({ llmBaseUrl: llm.url, historyLimit: 20 });
      const filler = 'Could you tell me more about the bag, its size, its colours and when it ships to Surabaya? '.repeat(4);
      for (let i = 0; i < 30; i++) await bot.post(textFrom('6281100000520', `${i}: ${filler}`));
      const rows = (await bot.storage.reports.transcriptRows({})).filter((row) => row.direction === 'out');
      const prompt = rows.reduce((n, row) => n + row.promptTokens!, 0);
      const cached = rows.reduce((n, row) => n + row.cachedTokens!, 0);
      // Measured: 0.76. With the window sliding one exchange a turn, only the system prompt and tools repeat: 0.52.
      expect(cached / prompt).toBeGreaterThan(0.65);
    } finally {
      await llm.close();
    }
  });
});
