// The webhook over HTTP, once per backend (SQLite always; PostgreSQL where its server programs are installed): the
// behaviour a customer and an operator notice must not depend on the database.
import { delay, HttpResponse } from 'msw';
import { describe, expect, it } from 'vitest';
import { runTranscripts } from '../src/cli/transcripts.js';
import { jsonOf, makeBotOn, type AnyBot, SECRET, WHATSPIE_DEVICE, WHATSPIE_TOKEN } from './helpers/app.js';
import { fakeWhatspieForThisFile } from './helpers/fakes.js';
import { textFrom } from './helpers/fixtures.js';
import { answerWith, completion, holdAnswers, llmRequests, replyWith, until } from './helpers/llm.js';
import { backends } from './helpers/postgres.js';

const whatspie = fakeWhatspieForThisFile();

/** The LLM echoes the last user message, after `ms`. */
function echo(ms = 0) {
  answerWith(async (request) => {
    await delay(ms);
    return HttpResponse.json(completion({ content: `you said: ${request.messages.at(-1)!.content}` }));
  });
}

/** The transcripts tool against the bot's database, as an operator runs it. */
async function transcripts(bot: AnyBot & { databaseUrl: string | null }, dbPath: string | null, ...argv: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const settings = { DATABASE_PATH: dbPath ?? 'unused.db', DATABASE_URL: bot.databaseUrl ?? undefined, HANDOFF_HOURS: 24, WHATSPIE_API_TOKEN: WHATSPIE_TOKEN, WHATSPIE_DEVICE, WHATSPIE_API_URL: whatspie.url };
  const code = await runTranscripts(argv, { out: (t) => out.push(t), err: (t) => err.push(t), settings, now: Date.now() });
  return { code, out: out.join('\n'), err: err.join('\n') };
}

const dbPathOf = (bot: object) => ('dbPath' in bot ? (bot.dbPath as string) : null);

describe.runIf(backends.includes('postgres'))('two instances in one process, on one PostgreSQL database', () => {
  it('a message answered on one instance gives up a late answer still being worked on by the other', async () => {
    answerWith(async (request) => {
      const text = request.messages.at(-1)!.content;
      if (text === 'slow question') await delay(1900);
      return HttpResponse.json(completion({ content: `you said: ${text}` }));
    });
    const options = { whatspieApiUrl: whatspie.url, deadlineMs: 1000, lateAnswerSeconds: 10 };
    const a = await makeBotOn('postgres', options);
    const b = await makeBotOn('postgres', { ...options, databaseUrl: a.databaseUrl! });
    const from = '6281500000099';
    expect(await jsonOf(a.post(textFrom(from, 'slow question')))).toMatchObject({ body: expect.stringContaining('moment') });
    expect(await jsonOf(b.post(textFrom(from, 'never mind')))).toMatchObject({ body: 'you said: never mind' });
    const givenUp = '(no reply: late answer given up: a newer message came, and was answered with this one in view)';
    await until(async () => (await a.storage.reports.transcriptRows({ phone: from })).some((r) => r.text === givenUp));
    expect(whatspie.sent).toEqual([]);
  });
});

describe.each(backends)('the webhook on %s', (backend) => {
  it('answers, stores the message with its reply, and says the database is healthy', async () => {
    replyWith({ content: 'Hello! How can I help?' });
    const bot = await makeBotOn(backend);
    expect(await jsonOf(bot.post(textFrom('6281500000001', 'hi')))).toEqual({ type: 'chat', body: 'Hello! How can I help?', simulation: true });
    const rows = await bot.storage.reports.transcriptRows({ phone: '6281500000001' });
    expect(rows.map((r) => [r.direction, r.text])).toEqual([['in', 'hi'], ['out', 'Hello! How can I help?']]);
    expect(await jsonOf(bot.app.request('/healthz'))).toEqual({ status: 'ok' });
  });

  it('a redelivery, also at the same moment, gets the same answer from one LLM call', async () => {
    echo(150);
    const bot = await makeBotOn(backend);
    const message = textFrom('6281500000002', 'Where is my order?');
    const [a, b] = await Promise.all([jsonOf(bot.post(message)), jsonOf(bot.post(message))]);
    const c = await jsonOf(bot.post(message));
    expect(b).toEqual(a);
    expect(c).toEqual(a);
    expect(llmRequests).toHaveLength(1);
    expect(await bot.storage.reports.transcriptRows({ phone: '6281500000002' })).toHaveLength(2);
  });

  it('a burst gets one answer, from the newest message, with the others in view', async () => {
    const llm = holdAnswers((request) => HttpResponse.json(completion({ content: `you said: ${request.messages.at(-1)!.content}` })));
    const bot = await makeBotOn(backend);
    const from = '6281500000003';
    const inbound = async () => (await bot.storage.reports.transcriptRows({ phone: from })).filter((row) => row.direction === 'in').length;
    const first = bot.post(textFrom(from, 'hello'));
    // The rest of the burst arrives, in this order, while the first message is with the LLM.
    await llm.arrivals(1);
    const second = bot.post(textFrom(from, 'my order'));
    await until(async () => (await inbound()) === 2);
    const third = bot.post(textFrom(from, 'is late'));
    await until(async () => (await inbound()) === 3);
    llm.releaseAll();
    const rest = [second, third];
    const answers = await Promise.all([first, ...rest].map(jsonOf));
    expect(answers[0]).toMatchObject({ body: 'you said: hello' });
    expect(answers[1]).toEqual([]);
    expect(answers[2]).toMatchObject({ body: 'you said: is late' });
    const last = llmRequests.at(-1)!.messages.map((m) => m.content);
    expect(last).toEqual(expect.arrayContaining(['hello', 'my order', 'is late']));
    expect(llmRequests).toHaveLength(2);
  });

  it('rate limit from the database: one notice over the limit, then silence', async () => {
    replyWith({ content: 'answer' });
    const bot = await makeBotOn(backend, { rateLimitPerMinute: 2 });
    const bodies = [];
    for (let i = 0; i < 4; i++) bodies.push(await jsonOf(bot.post(textFrom('6281500000004', `m${i}`))));
    expect(bodies.map((b) => (Array.isArray(b) ? '[]' : b.body.slice(0, 17)))).toEqual(['answer', 'answer', 'You are sending m', '[]']);
    expect(llmRequests).toHaveLength(2);
  });

  it('a handoff silences the bot; the operator resumes it with the transcripts tool; pause and reply work too', async () => {
    replyWith({ toolCalls: [{ name: 'handoff_to_human', arguments: '{"reason":"wants a person"}' }] });
    const bot = await makeBotOn(backend, { whatspieApiUrl: whatspie.url });
    const from = '6281500000005';
    expect(await jsonOf(bot.post(textFrom(from, 'a person please')))).toMatchObject({ type: 'chat' });
    replyWith({ content: 'bot again' });
    expect(await jsonOf(bot.post(textFrom(from, 'hello?')))).toEqual([]);
    const path = dbPathOf(bot);
    const list = await transcripts(bot, path, 'list');
    expect(list.out).toContain('WAITING: wants a person');
    expect((await transcripts(bot, path, 'resume', from)).out).toContain('Resumed');
    expect(await jsonOf(bot.post(textFrom(from, 'back')))).toMatchObject({ body: 'bot again' });

    expect((await transcripts(bot, path, 'pause', from, 'on the phone')).code).toBe(0);
    expect(await jsonOf(bot.post(textFrom(from, 'still there?')))).toEqual([]);
    const sent = await transcripts(bot, path, 'reply', from, 'Your parcel left today.');
    expect(sent.out).toContain('Sent to');
    expect(whatspie.sent.map((m) => m.body)).toContainEqual(expect.objectContaining({ receiver: from }));
    const shown = await transcripts(bot, path, 'show', from);
    expect(shown.out).toContain('Your parcel left today.');
    expect((await transcripts(bot, path, 'search', 'PARCEL')).out).toContain(from);
    const exported = await transcripts(bot, path, 'export', '--format', 'csv');
    expect(exported.out.split('\n')[0]).toMatch(/^time,number,/);
  });

  it('a NUL character in a message, a sender name or a v2 event is kept as U+FFFD, answered, and is no database error', async () => {
    echo();
    const bot = await makeBotOn(backend, { metricsEnabled: true });
    const from = '6281500000007';
    const sender = { from_user: { name: 'Bu\u0000di', jid: `${from}@s.whatsapp.net` } };
    const v1 = textFrom(from, 'hello\u0000world', sender);
    expect(await jsonOf(bot.post(v1))).toEqual({ type: 'chat', body: 'you said: hello\uFFFDworld', simulation: true });
    const v2 = { type: 'message_incoming', data: { ...textFrom(from, 'second\u0000line', sender), message_id: 'V2\u0000ID' } };
    expect(await jsonOf(bot.post(v2))).toEqual({ type: 'chat', body: 'you said: second\uFFFDline', simulation: true });
    const failed = { type: 'message_failed', data: { message_id: 'x\u0000y', status: 'ERROR', reason: 'not\u0000registered' } };
    expect((await bot.post(failed)).status).toBe(200);

    const rows = await bot.storage.reports.transcriptRows({ phone: from });
    expect(rows.map((r) => [r.direction, r.text])).toEqual([
      ['in', 'hello\uFFFDworld'], ['out', 'you said: hello\uFFFDworld'], ['in', 'second\uFFFDline'], ['out', 'you said: second\uFFFDline'],
    ]);
    expect(rows[2]!.waMessageId).toBe('V2\uFFFDID');
    expect(rows[0]!.name).toBe('Bu\uFFFDdi');
    expect((await bot.storage.reports.recentEvents({ limit: 5 })).map((e) => e.summary)).toEqual(['message x\uFFFDy failed: not\uFFFDregistered']);
    // A redelivery of the same message is still found by its (replaced) id.
    expect(await jsonOf(bot.post(v2))).toEqual({ type: 'chat', body: 'you said: second\uFFFDline', simulation: true });
    const metrics = await (await bot.app.request('/metrics', { headers: { authorization: `Bearer ${SECRET}` } })).text();
    expect(metrics).not.toContain('internal_error');
    expect(metrics).toContain('whatsbot_webhook_requests_total{outcome="duplicate"} 1');
  });

  it("a model's handoff reason holding NUL is kept, and the customer is handed over", async () => {
    replyWith({ toolCalls: [{ name: 'handoff_to_human', arguments: JSON.stringify({ reason: 'wants\u0000a person' }) }] });
    const bot = await makeBotOn(backend);
    const from = '6281500000008';
    expect(await jsonOf(bot.post(textFrom(from, 'a person please')))).toMatchObject({ type: 'chat' });
    const contact = await bot.storage.conversations.contactByPhone(from);
    expect(contact?.handoff?.reason?.replaceAll('\0', '\uFFFD')).toBe('wants\uFFFDa person');
    const rows = await bot.storage.reports.transcriptRows({ phone: from });
    expect(rows.filter((r) => r.fellBack)).toEqual([]);
  });

  it('answers from the knowledge base without an LLM', async () => {
    const bot = await makeBotOn(backend, { llm: false });
    const answer = await jsonOf(bot.post(textFrom('6281500000006', 'What are your opening hours?')));
    expect(answer).toMatchObject({ body: expect.stringContaining('Monday to Friday') });
  });
});
