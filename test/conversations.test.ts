import { HttpResponse } from 'msw';
import { describe, expect, it } from 'vitest';
import { makeBot, storedMessages, jsonOf, type TestBot } from './helpers/app.js';
import { textFrom } from './helpers/fixtures.js';
import { answerWith, completion, conversationOf, holdAnswers, llmRequests, replyWith, until } from './helpers/llm.js';

const echoOf = (request: { messages: { content: string }[] }) => HttpResponse.json(completion({ content: `you said: ${request.messages.at(-1)!.content}` }));

/** The LLM echoes the last user message at once. */
const echo = () => answerWith(echoOf);

/** The LLM echoes the last user message once the test releases its answers. */
const heldEcho = () => holdAnswers(echoOf);

/** Posts a message and resolves once the bot has stored it (it is then in its sender's queue), with the reply to come. */
async function postStored(bot: TestBot, from: string, text: string): Promise<{ reply: Promise<Response> }> {
  const stored = () => storedMessages(bot.db).filter((row) => row.direction === 'in').length;
  const before = stored();
  const reply = bot.post(textFrom(from, text));
  await until(() => stored() > before);
  return { reply };
}

describe('duplicate deliveries', () => {
  it('a redelivered message gets the stored reply and no second LLM call', async () => {
    echo();
    const bot = makeBot();
    const message = textFrom('6281100000001', 'Where is my order?');
    const first = await jsonOf(bot.post(message));
    const second = await jsonOf(bot.post(message));
    expect(second).toEqual(first);
    expect(llmRequests).toHaveLength(1);
    expect(storedMessages(bot.db)).toHaveLength(2);
  });

  it('two deliveries at the same moment make one LLM call; the second waits for the first', async () => {
    const llm = heldEcho();
    const bot = makeBot();
    const message = textFrom('6281100000002', 'Hello?');
    const first = bot.post(message);
    // The second delivery arrives while the first one's answer is still being written.
    await llm.arrivals(1);
    const second = bot.post(message);
    llm.releaseAll();
    const [a, b] = await Promise.all([first, second]);
    expect(await jsonOf(b)).toEqual(await jsonOf(a));
    expect(llmRequests).toHaveLength(1);
    expect(storedMessages(bot.db).map((r) => r.direction)).toEqual(['in', 'out']);
  });
});

describe('ordering', () => {
  it("one sender's messages are handled one at a time, each seeing the previous exchange", async () => {
    const llm = heldEcho();
    const bot = makeBot();
    const first = bot.post(textFrom('6281100000003', 'first'));
    await llm.arrivals(1);
    // The second message arrives while the first is with the LLM: it waits its turn.
    const { reply: second } = await postStored(bot, '6281100000003', 'second');
    expect(llm.arrived).toBe(1);
    llm.releaseAll();
    expect((await jsonOf(first)).body).toBe('you said: first');
    expect((await jsonOf(second)).body).toBe('you said: second');
    expect(conversationOf(llmRequests[1]!).slice(1)).toEqual([
      { role: 'user', content: 'first' },
      { role: 'assistant', content: 'you said: first' },
      { role: 'user', content: 'second' },
    ]);
  });

  it('different senders are answered concurrently', async () => {
    const llm = heldEcho();
    const bot = makeBot();
    const replies = ['6281100000004', '6281100000005', '6281100000006'].map((from) => bot.post(textFrom(from, `hi from ${from}`)));
    // All three are with the LLM at once: none waits for another's answer.
    await llm.arrivals(3);
    expect(llm.waiting).toBe(3);
    llm.releaseAll();
    expect((await Promise.all(replies.map(jsonOf))).map((reply) => reply.body)).toEqual(['6281100000004', '6281100000005', '6281100000006'].map((from) => `you said: hi from ${from}`));
  });

  it('a burst of messages gets one answer: messages queued behind a newer one stay silent', async () => {
    const llm = heldEcho();
    const bot = makeBot();
    const from = '6281100000007';
    const replies = [bot.post(textFrom(from, 'hi'))];
    // The rest of the burst arrives, in this order, while the first message is with the LLM.
    await llm.arrivals(1);
    for (const text of ['I ordered', 'a red bag', 'where is it?']) replies.push((await postStored(bot, from, text)).reply);
    llm.releaseAll();
    const bodies = await Promise.all(replies.map(async (r) => jsonOf(r)));
    expect(bodies[0].body).toBe('you said: hi');
    expect(bodies[1]).toEqual([]);
    expect(bodies[2]).toEqual([]);
    expect(bodies[3].body).toBe('you said: where is it?');
    // The answer to the last one saw the whole burst.
    expect(llmRequests).toHaveLength(2);
    const customerSaid = llmRequests[1]!.messages.filter((m) => m.role === 'user').map((m) => m.content);
    expect(customerSaid).toEqual(['hi', 'I ordered', 'a red bag', 'where is it?']);
    const silent = storedMessages(bot.db).filter((r) => r.kind === 'silent');
    expect(silent).toHaveLength(2);
    expect(silent[0]).toMatchObject({ fell_back: 0, reply_json: '[]' });
  });
});

describe('history', () => {
  it("goes to the LLM per sender: one customer never sees another's messages", async () => {
    echo();
    const bot = makeBot();
    await bot.post(textFrom('6281100000010', 'my secret order 111'));
    await bot.post(textFrom('6281100000011', 'hello'));
    const seen = JSON.stringify(llmRequests[1]!.messages);
    expect(seen).not.toContain('111');
  });

  it('sends at most HISTORY_LIMIT earlier messages, oldest first, after the system prompt', async () => {
    echo();
    const bot = makeBot({ historyLimit: 3 });
    for (const text of ['one', 'two', 'three', 'four']) await bot.post(textFrom('6281100000012', text));
    for (const request of llmRequests) {
      expect(request.messages[0]!.role).toBe('system');
      expect(conversationOf(request).length - 2).toBeLessThanOrEqual(3);
    }
    // Six earlier messages: the window starts at a block boundary (every 2 messages) with at most 3 messages.
    expect(conversationOf(llmRequests[3]!).slice(1)).toEqual([
      { role: 'user', content: 'three' },
      { role: 'assistant', content: 'you said: three' },
      { role: 'user', content: 'four' },
    ]);
  });

  it('drops old messages in blocks, so that each request starts like the one before (a prefix providers cache)', async () => {
    echo();
    const bot = makeBot({ historyLimit: 8 });
    for (let i = 0; i < 9; i++) await bot.post(textFrom('6281100000015', `m${i}`));
    const histories = llmRequests.map((request) => conversationOf(request).slice(1, -1).map((m) => m.content));
    // Within the limit, the whole conversation; then half the limit (4 messages, 2 exchanges) goes at once.
    expect(histories[4]).toHaveLength(8);
    expect(histories[4]![0]).toBe('m0');
    expect(histories[5]).toHaveLength(6);
    expect(histories[5]![0]).toBe('m2');
    expect(histories[6]).toHaveLength(8);
    expect(histories[7]![0]).toBe('m4');
    expect(histories[8]![0]).toBe('m4');
    for (const history of histories) expect(history.length).toBeLessThanOrEqual(8);
    // Every request but the block's first repeats the whole previous request up to its new message.
    for (const k of [1, 2, 3, 4, 6, 8]) {
      // (The note about the time comes after the history: it is not part of the start that repeats.)
      const [request, previous] = [conversationOf(llmRequests[k]!), conversationOf(llmRequests[k - 1]!)];
      expect(request.slice(0, previous.length - 1)).toEqual(previous.slice(0, -1));
    }
  });

  it('survives a restart on the same database file', async () => {
    echo();
    const before = makeBot();
    await before.post(textFrom('6281100000013', 'I am Ana, order 42'));
    before.db.$client.close();
    const after = makeBot({ dbPath: before.dbPath, promptsDir: before.promptsDir });
    await after.post(textFrom('6281100000013', 'any news?'));
    expect(llmRequests[1]!.messages.map((m) => m.content)).toContain('I am Ana, order 42');
  });

  it('describes what the bot sent earlier, including media and reactions', async () => {
    replyWith({ content: 'Here it is', toolCalls: [{ name: 'send_document', arguments: '{"media_id":"price-list"}' }, { name: 'react', arguments: '{"emoji":"👍"}' }] });
    const bot = makeBot();
    await bot.post(textFrom('6281100000014', 'price list please'));
    await bot.post(textFrom('6281100000014', 'thanks'));
    expect(conversationOf(llmRequests[1]!).at(-2)).toEqual({
      role: 'assistant',
      content: 'Here it is\n[sent the document "price_list.pdf" with the text "Our current price list"]\n[reacted with 👍]',
    });
  });

  it('keeps the system prompt an unchanging prefix between turns', async () => {
    echo();
    const bot = makeBot();
    await bot.post(textFrom('6281100000015', 'a'));
    await bot.post(textFrom('6281100000016', 'b'));
    expect(llmRequests[0]!.messages[0]).toEqual(llmRequests[1]!.messages[0]);
    expect(JSON.stringify(llmRequests[0]!.tools)).toBe(JSON.stringify(llmRequests[1]!.tools));
  });
});
