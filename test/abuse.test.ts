// Abuse from the open internet: floods, huge texts, groups and broadcasts, and secrets that must not leak.
import { HttpResponse } from 'msw';
import { describe, expect, it } from 'vitest';
import { captureLogs, jsonOf, makeBot, SECRET, storedMessages } from './helpers/app.js';
import { freshInbound, textFrom } from './helpers/fixtures.js';
import { answerWith, conversationOf, llmRequests, replyWith } from './helpers/llm.js';

describe('per-sender rate limit', () => {
  it('over the limit: one short notice, then silence until the minute passes; nothing reaches the LLM; all stored', async () => {
    replyWith({ content: 'answer' });
    let now = Date.UTC(2026, 10, 24, 9);
    const bot = makeBot({ rateLimitPerMinute: 3, now: () => now });
    const from = '6281400000001';
    const bodies = [];
    for (let i = 0; i < 6; i++) {
      bodies.push(await jsonOf(bot.post(textFrom(from, `message ${i}`))));
      now += 1000;
    }
    expect(bodies.slice(0, 3).map((b) => b.body)).toEqual(['answer', 'answer', 'answer']);
    expect(bodies[3]).toEqual({ type: 'chat', body: expect.stringContaining('Please wait a minute'), simulation: true });
    expect(bodies.slice(4)).toEqual([[], []]);
    expect(llmRequests).toHaveLength(3);
    expect(storedMessages(bot.db).filter((r) => r.direction === 'in')).toHaveLength(6);

    // Another customer is not affected.
    expect((await jsonOf(bot.post(textFrom('6281400000002', 'hi')))).body).toBe('answer');
    now += 60_000;
    expect((await jsonOf(bot.post(textFrom(from, 'later')))).body).toBe('answer');
  });

  it('a redelivery does not count against the limit', async () => {
    replyWith({ content: 'answer' });
    const bot = makeBot({ rateLimitPerMinute: 1 });
    const message = textFrom('6281400000003', 'once');
    for (let i = 0; i < 3; i++) expect((await jsonOf(bot.post(message))).body).toBe('answer');
  });
});

describe('size caps', () => {
  it('a huge text is cut before it reaches the LLM, and stored whole', async () => {
    replyWith({ content: 'ok' });
    const bot = makeBot({ maxInputChars: 100 });
    const text = 'spam '.repeat(20_000);
    await bot.post(textFrom('6281400000010', text));
    const sent = llmRequests[0]!.messages.at(-1)!.content;
    expect(sent.length).toBeLessThan(200);
    expect(sent).toContain('[…cut: the message was 100000 characters long]');
    expect(storedMessages(bot.db)[0]!.text).toHaveLength(100_000);
  });

  it('history is capped by size as well as by count, dropping the oldest first', async () => {
    replyWith({ content: 'ok' });
    const bot = makeBot({ historyLimit: 50, historyMaxChars: 1000 });
    for (let i = 0; i < 10; i++) await bot.post(textFrom('6281400000011', `${i} ${'x'.repeat(300)}`));
    const last = conversationOf(llmRequests.at(-1)!);
    const history = last.slice(1, -1);
    expect(history.reduce((n, m) => n + m.content.length, 0)).toBeLessThanOrEqual(1000);
    expect(history.at(-1)).toEqual({ role: 'assistant', content: 'ok' });
    expect(history.some((m) => m.content.startsWith('8 '))).toBe(true);
    expect(history.some((m) => m.content.startsWith('0 '))).toBe(false);
  });
});

describe('groups and broadcasts', () => {
  it.each([
    ['a message with a participant', { participant: '6281400000099@s.whatsapp.net' } as Record<string, unknown>, 'ignored_group'],
    ['a message from a group jid', { from: '120363041234567890@g.us' }, 'ignored_group'],
    ['an old-style group id', { from: '6281400000020-1581651709' }, 'ignored_group'],
    ['a broadcast', { is_broadcast: true }, 'ignored_broadcast'],
    ['a status update', { from: 'status@broadcast' }, 'ignored_broadcast'],
  ])('%s is stored but not answered by default', async (_label, change, outcome) => {
    replyWith({ content: 'should not be sent' });
    const logs = captureLogs();
    const bot = makeBot({ logger: logs.logger });
    expect(await jsonOf(bot.post(freshInbound('text', change)))).toEqual([]);
    expect(llmRequests).toHaveLength(0);
    expect(storedMessages(bot.db).map((r) => [r.direction, r.kind])).toEqual([
      ['in', 'text'],
      ['out', 'silent'],
    ]);
    expect(logs.records().find((r) => r.msg === 'request')).toMatchObject({ outcome });
  });

  it('are answered when switched on', async () => {
    replyWith({ content: 'hello group' });
    const bot = makeBot({ answerGroups: true, answerBroadcasts: true });
    expect((await jsonOf(bot.post(freshInbound('text', { participant: '628111@s.whatsapp.net' })))).body).toBe('hello group');
    expect((await jsonOf(bot.post(freshInbound('text', { is_broadcast: true })))).body).toBe('hello group');
  });
});

describe('secrets stay out of the logs', () => {
  it('neither the webhook token nor the API key is logged, even when the provider echoes the key', async () => {
    const apiKey = 'sk-proj-abcdefghijklmnopqrstuvwxyz123456';
    answerWith(() => HttpResponse.json({ error: { message: `Incorrect API key provided: ${apiKey}` } }, { status: 401 }));
    const logs = captureLogs();
    const bot = makeBot({ logger: logs.logger, apiKey });
    await bot.post(freshInbound());
    await bot.post(freshInbound(), 'wrong-token-wrong-token');
    await bot.app.request(`/metrics?token=${SECRET}`);
    const text = logs.text();
    expect(text).toContain('"fallbackReason":"client_error"');
    expect(text).toContain('"path":"/webhook"');
    expect(text).not.toContain(SECRET);
    expect(text).not.toContain(apiKey);
    expect(text).not.toContain('abcdefghijklmnop');
    expect(text).not.toContain('wrong-token');
  });
});

describe('rate limit and handoff together', () => {
  it('a customer waiting for a human gets no rate-limit notice either: the bot stays silent', async () => {
    replyWith({ toolCalls: [{ name: 'handoff_to_human', arguments: '{"reason":"angry"}' }] });
    const bot = makeBot({ rateLimitPerMinute: 2 });
    const from = '6281400000030';
    await bot.post(textFrom(from, 'I want a person'));
    const replies = [];
    for (let i = 0; i < 4; i++) replies.push(await jsonOf(bot.post(textFrom(from, `hello? ${i}`))));
    expect(replies).toEqual([[], [], [], []]);
  });
});
