// Answers that outlive the webhook's window go out through Whatspie's REST API, from a durable outbox.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { delay, HttpResponse } from 'msw';
import { describe, expect, it } from 'vitest';
import { runTranscripts } from '../src/cli/transcripts.js';
import { BUILT_IN_TEXTS } from '../src/prompts/prompts.js';
import { captureLogs, jsonOf, makeBot, storedMessages, WHATSPIE_DEVICE, WHATSPIE_TOKEN } from './helpers/app.js';
import { textFrom } from './helpers/fixtures.js';
import { answerWith, completion, holdAnswers, llmRequests, realLlm, toolCall } from './helpers/llm.js';
import { fakeWhatspieForThisFile } from './helpers/fakes.js';

const api = fakeWhatspieForThisFile();

const HOLDING = { type: 'chat', body: BUILT_IN_TEXTS['holding.md'], simulation: true };
const FALLBACK_TEXT = 'Thank you for your message! We could not answer right away, but a member of our team will get back to you as soon as possible.';

/** The model answers `answer` after `ms`. */
function slowLlm(ms: number, answer: Parameters<typeof completion>[0]) {
  answerWith(async () => {
    await delay(ms);
    return HttpResponse.json(completion(answer));
  });
}

// A window the bot can always ask the model within, however busy the machine (the reply leaves 250 ms before it).
const lateBot = (options: Parameters<typeof makeBot>[0] = {}) => makeBot({ deadlineMs: 1000, whatspieApiUrl: api.url, ...options });

function outboxRows(bot: ReturnType<typeof makeBot>) {
  return bot.db.$client.prepare('select state, attempts, error, whatspie_id as whatspieId from outbox order by id').all() as {
    state: string;
    attempts: number;
    error: string | null;
    whatspieId: string | null;
  }[];
}

describe('late answers through the Whatspie API', () => {
  it('a slow model: the holding reply inside the window, then the answer through POST /messages', async () => {
    const llm = holdAnswers(() => HttpResponse.json(completion({ content: 'Your parcel left our warehouse today.' })));
    const bot = lateBot();
    const reply = await jsonOf(bot.post(textFrom('6281900000101', 'where is my order?')));
    // The window, not the model, decided when the reply left: the model's answer is still held.
    expect(reply).toEqual(HOLDING);
    expect(llm.waiting).toBe(1);
    llm.releaseAll();
    const [sent] = await api.waitForSent(1);
    expect(sent!.authorization).toBe(`Bearer ${WHATSPIE_TOKEN}`);
    expect(sent!.body).toEqual({ device: WHATSPIE_DEVICE, receiver: '6281900000101', type: 'chat', params: { text: 'Your parcel left our warehouse today.' }, simulate_typing: 1 });
    await expect.poll(() => outboxRows(bot)).toEqual([{ state: 'sent', attempts: 1, error: null, whatspieId: expect.stringMatching(/^\d+$/) }]);
    const out = storedMessages(bot.db).filter((m) => m.direction === 'out');
    expect(out.map((m) => m.text)).toEqual([BUILT_IN_TEXTS['holding.md'], 'Your parcel left our warehouse today.']);
    const shown: string[] = [];
    await runTranscripts(['show', '6281900000101'], { out: (t) => shown.push(t), err: (t) => shown.push(t), settings: { DATABASE_PATH: bot.dbPath, HANDOFF_HOURS: 24 }, now: Date.now() });
    expect(shown.join('\n')).toMatch(/bot\s+\[text\] Your parcel left our warehouse today\.\s+\(LATE, through the API, test-model, LLM \d+ ms\)/);
  });

  it('an answer inside the window goes in the webhook response, with no API call', async () => {
    slowLlm(10, { content: 'Quick answer' });
    const bot = lateBot();
    expect((await jsonOf(bot.post(textFrom('6281900000102', 'hi')))).body).toBe('Quick answer');
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(api.requests).toHaveLength(0);
  });

  it('each kind of message: text as chat, an image as image, a document as file; a reaction is dropped and the transcript says so', async () => {
    slowLlm(1400, {
      toolCalls: [
        toolCall('react', { emoji: '👍' }),
        toolCall('send_text', { text: 'Here you go' }),
        toolCall('send_image', { media_id: 'store-map' }),
        toolCall('send_document', { media_id: 'price-list', caption: 'Prices' }),
      ],
    });
    const logs = captureLogs();
    const bot = lateBot({ logger: logs.logger });
    await bot.post(textFrom('6281900000103', 'map and prices please'));
    const sent = await api.waitForSent(3);
    expect(sent.map((r) => [r.body.type, r.body.params])).toEqual([
      ['chat', { text: 'Here you go' }],
      ['image', { image: { url: 'https://example.com/images/store-map.png' }, caption: 'How to find our shop' }],
      ['file', { document: { url: 'https://example.com/files/price-list.pdf' }, fileName: 'price_list.pdf', mimetype: 'application/pdf', caption: 'Prices' }],
    ]);
    expect(logs.text()).toContain("a reaction cannot be sent through Whatspie's API; dropped");
    expect(storedMessages(bot.db).at(-1)!.text).toContain('[reacted with 👍]: not sent, the API cannot send reactions');
  });

  it('the model failing after the window: the fallback through the API', async () => {
    answerWith(async () => {
      await delay(1400);
      return new HttpResponse('overloaded', { status: 503 });
    });
    const bot = lateBot();
    expect(await jsonOf(bot.post(textFrom('6281900000104', 'hello?')))).toEqual(HOLDING);
    const [sent] = await api.waitForSent(1);
    expect(sent!.body.params.text).toBe(FALLBACK_TEXT);
    await expect.poll(() => storedMessages(bot.db).at(-1)).toMatchObject({ fell_back: 1, fallback_reason: 'server_error' });
  });

  it('the model past LATE_ANSWER_SECONDS: the fallback through the API, and the request is given up', async () => {
    const aborted = { count: 0 };
    const llmBaseUrl = await realLlm(async (_request, signal) => {
      signal.addEventListener('abort', () => (aborted.count += 1));
      await delay(10_000);
      return completion({ content: 'far too late' });
    });
    const bot = lateBot({ lateAnswerSeconds: 1, llmBaseUrl });
    expect(await jsonOf(bot.post(textFrom('6281900000105', 'hello?')))).toEqual(HOLDING);
    const [sent] = await api.waitForSent(1);
    expect(sent!.body.params.text).toBe(FALLBACK_TEXT);
    await expect.poll(() => aborted.count).toBe(1);
    await expect.poll(() => storedMessages(bot.db).at(-1)).toMatchObject({ fallback_reason: 'timeout' });
  });

  it('an empty holding.md answers [] while the answer is on its way', async () => {
    slowLlm(1300, { content: 'Done' });
    const bot = lateBot();
    writeFileSync(join(bot.promptsDir, 'holding.md'), '');
    expect(await jsonOf(bot.post(textFrom('6281900000106', 'hi')))).toEqual([]);
    expect((await api.waitForSent(1))[0]!.body.params.text).toBe('Done');
  });
});

describe('a late answer left unfinished when its server stopped', () => {
  let time = Date.UTC(2026, 10, 24, 10);
  const clock = () => time;

  /** A first server that stops while the model works on the late answer to `text` (a crash: nothing is handed on). */
  async function stoppedWhileWorking(customer: string, text: string) {
    const first = lateBot({ now: clock, llmBaseUrl: await realLlm(() => new Promise(() => {})) });
    expect(await jsonOf(first.post(textFrom(customer, text)))).toEqual(HOLDING);
    await expect.poll(() => llmRequests.length).toBe(1);
    await first.close();
    return first;
  }

  const pendingLateAnswers = (bot: ReturnType<typeof makeBot>) => bot.db.$client.prepare('select count(*) from messages where late_pending = 1').pluck().get();

  it('the next server works it again from the stored message: the real answer through the API, once', async () => {
    const customer = '6281900000150';
    const first = await stoppedWhileWorking(customer, 'are you there?');
    time += 5 * 60_000;
    const llmBaseUrl = await realLlm(async (request) => completion({ content: `Yes! You asked: ${request.messages.at(-1)!.content}` }));
    const second = lateBot({ now: clock, dbPath: first.dbPath, promptsDir: first.promptsDir, llmBaseUrl });
    const [sent] = await api.waitForSent(1);
    expect(sent!.body).toMatchObject({ receiver: customer, params: { text: 'Yes! You asked: are you there?' } });
    // Asked as the first time: the question last, without the "one moment" it got meanwhile.
    expect(JSON.stringify(llmRequests[1]!.messages)).not.toContain(BUILT_IN_TEXTS['holding.md']);
    expect(storedMessages(second.db).map((m) => m.text)).toEqual(['are you there?', BUILT_IN_TEXTS['holding.md'], 'Yes! You asked: are you there?']);
    expect(pendingLateAnswers(second)).toBe(0);
    expect(api.requests).toHaveLength(1);
  });

  it('past REWORK_WITHIN_MS (15 minutes) the fallback goes instead, as before', async () => {
    const first = await stoppedWhileWorking('6281900000151', 'are you there?');
    time += 16 * 60_000;
    const second = lateBot({ now: clock, dbPath: first.dbPath, promptsDir: first.promptsDir });
    const [sent] = await api.waitForSent(1);
    expect(sent!.body.params.text).toBe(FALLBACK_TEXT);
    expect(storedMessages(second.db).at(-1)).toMatchObject({ fell_back: 1, fallback_reason: 'interrupted' });
    expect(llmRequests).toHaveLength(1);
  });

  it('a human who took the conversation meanwhile is not talked over: nothing is sent, and the transcript says why', async () => {
    const customer = '6281900000152';
    const first = await stoppedWhileWorking(customer, 'are you there?');
    const out: string[] = [];
    await runTranscripts(['pause', customer], { out: (t) => out.push(t), err: (t) => out.push(t), settings: { DATABASE_PATH: first.dbPath, HANDOFF_HOURS: 24 }, now: time });
    time += 60_000;
    const second = lateBot({ now: clock, dbPath: first.dbPath, promptsDir: first.promptsDir });
    await expect.poll(() => storedMessages(second.db).at(-1)?.text).toBe('(no reply: late answer not sent: a human has the conversation)');
    expect(pendingLateAnswers(second)).toBe(0);
    expect(llmRequests).toHaveLength(1);
    expect(api.requests).toHaveLength(0);
  });

  it('a newer message supersedes the answer being worked again: one answer with both in view, nothing else sent', async () => {
    const customer = '6281900000153';
    const first = await stoppedWhileWorking(customer, 'first question');
    time += 60_000;
    const aborted = { count: 0 };
    const llmBaseUrl = await realLlm(async (request, signal) => {
      const asked = request.messages.filter((m) => m.role === 'user').map((m) => m.content);
      if (asked.length === 1) {
        // The answer worked again: held until it is given up.
        await new Promise((resolve) => signal.addEventListener('abort', resolve));
        aborted.count += 1;
        return completion({ content: 'answer to the first only' });
      }
      return completion({ content: `both: ${asked.join(' + ')}` });
    });
    const second = lateBot({ now: clock, dbPath: first.dbPath, promptsDir: first.promptsDir, llmBaseUrl });
    await expect.poll(() => llmRequests.length).toBe(2);
    expect((await jsonOf(second.post(textFrom(customer, 'second question')))).body).toBe('both: first question + second question');
    await expect.poll(() => aborted.count).toBe(1);
    await expect.poll(() => storedMessages(second.db).map((m) => m.text)).toContain('(no reply: late answer given up: a newer message came, and was answered with this one in view)');
    expect(pendingLateAnswers(second)).toBe(0);
    expect(api.requests).toHaveLength(0);
  });
});

describe('the outbox', () => {
  it('retries 429 and 5xx with backoff, then delivers', async () => {
    // (A connection cut after the request is not retried: test/outbox-unknown-fate.test.ts.)
    api.script([{ status: 429 }, { status: 500 }, { status: 503 }]);
    slowLlm(1200, { content: 'Eventually' });
    const bot = lateBot();
    await bot.post(textFrom('6281900000201', 'hi'));
    const [sent] = await api.waitForSent(1, 20_000);
    expect(sent!.body.params.text).toBe('Eventually');
    expect(api.requests).toHaveLength(4);
    await expect.poll(() => outboxRows(bot)).toEqual([{ state: 'sent', attempts: 4, error: null, whatspieId: expect.any(String) }]);
  }, 30_000);

  it('another 4xx fails at once, with the reason kept', async () => {
    api.script([{ status: 422, body: { message: 'The given data was invalid.', errors: { receiver: ['not on WhatsApp'] } } }]);
    slowLlm(1200, { content: 'Never arrives' });
    const bot = lateBot();
    await bot.post(textFrom('6281900000202', 'hi'));
    await expect.poll(() => outboxRows(bot), { timeout: 5000 }).toEqual([
      { state: 'failed', attempts: 1, error: expect.stringMatching(/^HTTP 422: The given data was invalid\. .*not on WhatsApp/), whatspieId: null },
    ]);
    expect(api.requests).toHaveLength(1);
  });

  it("Whatspie's v2 message_failed marks the sent message failed", async () => {
    slowLlm(1200, { content: 'Sent, then failed' });
    const bot = lateBot();
    await bot.post(textFrom('6281900000203', 'hi'));
    await api.waitForSent(1);
    await expect.poll(() => outboxRows(bot)[0]?.state).toBe('sent');
    const id = outboxRows(bot)[0]!.whatspieId!;
    await bot.post({ type: 'message_failed', data: { message_id: Number(id), status: 'ERROR', reason: 'phone unreachable' } });
    await expect.poll(() => outboxRows(bot)[0]).toMatchObject({ state: 'failed', error: 'Whatspie: phone unreachable' });
  });
});

describe('order and duplicates', () => {
  it('a redelivery while the late answer is pending gets the holding reply again; after delivery, []; never a second LLM call or send', async () => {
    slowLlm(1400, { content: 'The answer' });
    const bot = lateBot();
    const message = textFrom('6281900000301', 'question');
    expect(await jsonOf(bot.post(message))).toEqual(HOLDING);
    expect(await jsonOf(bot.post(message))).toEqual(HOLDING);
    await api.waitForSent(1);
    await expect.poll(() => outboxRows(bot)[0]?.state).toBe('sent');
    expect(await jsonOf(bot.post(message))).toEqual([]);
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(llmRequests).toHaveLength(1);
    expect(api.requests).toHaveLength(1);
  });

  it('a second message during a late answer supersedes it: one answer with both in view, nothing talks over it', async () => {
    let calls = 0;
    const aborted = { count: 0 };
    const llmBaseUrl = await realLlm(async (request, signal) => {
      calls += 1;
      if (calls === 1) {
        // Held until the bot gives it up: the second message always arrives while it is being worked on.
        await new Promise((resolve) => signal.addEventListener('abort', resolve));
        aborted.count += 1;
        return completion({ content: 'answer to the first only' });
      }
      return completion({ content: `both: ${request.messages.filter((m) => m.role === 'user').map((m) => m.content).join(' + ')}` });
    });
    const bot = lateBot({ llmBaseUrl });
    expect(await jsonOf(bot.post(textFrom('6281900000302', 'first question')))).toEqual(HOLDING);
    const second = await jsonOf(bot.post(textFrom('6281900000302', 'second question')));
    expect(second.body).toBe('both: first question + second question');
    await expect.poll(() => aborted.count).toBe(1);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(api.requests).toHaveLength(0);
    expect(storedMessages(bot.db).map((m) => m.text)).toContain('(no reply: late answer given up: a newer message came, and was answered with this one in view)');
  });

  it('a message that gets no answer of its own (over the rate limit) does not give up the late answer', async () => {
    slowLlm(1400, { content: 'The late answer' });
    const bot = lateBot({ rateLimitPerMinute: 1 });
    const customer = '6281900000310';
    expect(await jsonOf(bot.post(textFrom(customer, 'one')))).toEqual(HOLDING);
    await bot.post(textFrom(customer, 'two')); // the rate-limit notice
    expect(await jsonOf(bot.post(textFrom(customer, 'three')))).toEqual([]);
    const [sent] = await api.waitForSent(1);
    expect(sent!.body.params.text).toBe('The late answer');
  });

  it('an answer due while an earlier one still waits for the API goes behind it, in order', async () => {
    api.script([{ status: 503 }, { status: 503 }]);
    let calls = 0;
    answerWith(async () => {
      calls += 1;
      if (calls === 1) await delay(1200);
      return HttpResponse.json(completion({ content: `answer ${calls}` }));
    });
    const bot = lateBot();
    const customer = '6281900000303';
    expect(await jsonOf(bot.post(textFrom(customer, 'one')))).toEqual(HOLDING);
    await expect.poll(() => api.requests.length).toBeGreaterThanOrEqual(1);
    // The first answer is queued and retrying: the second must not overtake it in the webhook response.
    const second = await jsonOf(bot.post(textFrom(customer, 'two')));
    expect(second).toEqual([]);
    const sent = await api.waitForSent(2, 20_000);
    expect(sent.map((r) => r.body.params.text)).toEqual(['answer 1', 'answer 2']);
  }, 30_000);

  it('without the API configured, the deadline is a wall as before: the fallback, no holding reply', async () => {
    slowLlm(1900, { content: 'too late' });
    const bot = makeBot({ deadlineMs: 1000 });
    expect((await jsonOf(bot.post(textFrom('6281900000304', 'hi')))).body).toBe(FALLBACK_TEXT);
  });
});
