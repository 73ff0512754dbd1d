import { HttpResponse } from 'msw';
import { describe, expect, it } from 'vitest';
import { makeBot, storedMessages, jsonOf } from './helpers/app.js';
import { freshInbound } from './helpers/fixtures.js';
import { answerSlowly, answerWith, completion, holdAnswers, llmRequests } from './helpers/llm.js';

const FALLBACK = { type: 'chat', body: expect.stringContaining('team will get back to you'), simulation: true };

describe('the reply deadline', () => {
  // That the request itself is aborted (the provider sees the connection closed) is tested over real HTTP in
  // llm-client.test.ts: msw's interception of node:http does not pass the abort on to its handler.
  it('a slow LLM is cut off: the customer gets the fallback', async () => {
    const llm = holdAnswers(() => HttpResponse.json(completion({ content: 'too late' })));
    // Time enough to ask the LLM however busy the machine is (with less, the reason would be no_time_left).
    const bot = makeBot({ deadlineMs: 1500 });
    const response = await bot.post(freshInbound());
    expect(response.status).toBe(200);
    expect(await jsonOf(response)).toEqual(FALLBACK);
    // The deadline, not the LLM, decided when the reply left: no answer of the LLM was released before it.
    llm.releaseAll();
    expect(storedMessages(bot.db)[1]).toMatchObject({ fell_back: 1, fallback_reason: 'timeout' });
  });

  it('an LLM that answers in time is not cut off', async () => {
    const aborted = { count: 0 };
    answerSlowly(50, aborted);
    const response = await makeBot({ deadlineMs: 3000 }).post(freshInbound());
    expect(await jsonOf(response)).toEqual({ type: 'chat', body: 'too late', simulation: true });
    expect(aborted.count).toBe(0);
  });
});

describe('LLM failures give the fallback at once, without retries', () => {
  it.each([
    ['a 500', () => HttpResponse.json({ error: { message: 'boom' } }, { status: 500 }), 'server_error'],
    ['a 503', () => new HttpResponse('upstream down', { status: 503 }), 'server_error'],
    ['a 429', () => HttpResponse.json({ error: { message: 'slow down' } }, { status: 429, headers: { 'retry-after': '1' } }), 'rate_limited'],
    ['a 401', () => HttpResponse.json({ error: { message: 'bad key' } }, { status: 401 }), 'client_error'],
    ['a refused connection', () => HttpResponse.error(), 'connection_error'],
    ['a body that is not a completion', () => HttpResponse.json({ hello: 'world' }), 'bad_response'],
    ['a completion with no choices (a reason of its own)', () => HttpResponse.json({ choices: [] }), 'empty_completion'],
    ['a truncated body', () => new HttpResponse('{"choices": [{"mess', { headers: { 'content-type': 'application/json' } }), 'bad_response'],
  ])('%s', async (_label, answer, reason) => {
    answerWith(answer);
    const bot = makeBot({ deadlineMs: 4000 });
    const response = await bot.post(freshInbound());
    expect(response.status).toBe(200);
    expect(await jsonOf(response)).toEqual(FALLBACK);
    expect(llmRequests).toHaveLength(1);
    const rows = storedMessages(bot.db);
    expect(rows[0]).toMatchObject({ direction: 'in', kind: 'text' });
    expect(rows[1]).toMatchObject({ direction: 'out', fell_back: 1, fallback_reason: reason });
  });

  it('the error text never reaches the customer', async () => {
    answerWith(() => HttpResponse.json({ error: { message: 'Incorrect API key provided: sk-abc' } }, { status: 401 }));
    const body = JSON.stringify(await jsonOf(makeBot().post(freshInbound())));
    expect(body).not.toMatch(/API key|sk-abc|401/);
  });
});
