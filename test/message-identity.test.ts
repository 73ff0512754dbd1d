// A redelivery is the same sender and the same WhatsApp message id; the same id from someone else is another message.
import { describe, expect, it } from 'vitest';
import { HttpResponse, delay } from 'msw';
import Database from 'better-sqlite3';
import { join } from 'node:path';
import { openDatabase } from '../src/store/db.js';
import { jsonOf, makeBot, storedMessages, tempDir } from './helpers/app.js';
import { answerWith, completion, llmRequests } from './helpers/llm.js';

const message = (from: string, id: string, text: string) => ({ from, message_id: id, timestamp: 1, message: text });

/** Answers each customer with their own words, so a leaked answer is easy to see. */
function echoLlm(ms = 0) {
  answerWith(async (request) => {
    if (ms) await delay(ms);
    return HttpResponse.json(completion({ content: `Answer for: ${request.messages.at(-1)!.content}` }));
  });
}

describe('message ids are scoped to their sender', () => {
  it("a reused message_id from another customer gets that customer's own answer, and is stored", async () => {
    echoLlm();
    const bot = makeBot();
    const first = await jsonOf(bot.post(message('62111000001', 'SAMEID-1', 'Can I have the price list? My order is ORD-999')));
    const second = await jsonOf(bot.post(message('62111000002', 'SAMEID-1', 'hi')));
    expect(first.body).toContain('ORD-999');
    expect(second.body).toBe('Answer for: hi');
    expect(JSON.stringify(second)).not.toContain('ORD-999');
    expect(llmRequests).toHaveLength(2);
    const inbound = storedMessages(bot.db).filter((m) => m.direction === 'in');
    expect(inbound.map((m) => m.text)).toEqual(['Can I have the price list? My order is ORD-999', 'hi']);
  });

  it('the same id from two customers at the same moment: each gets their own answer', async () => {
    echoLlm(100);
    const bot = makeBot();
    const [a, b] = await Promise.all([
      jsonOf(bot.post(message('62111000003', 'SAMEID-2', 'first customer asks about ORD-1'))),
      jsonOf(bot.post(message('62111000004', 'SAMEID-2', 'second customer says hello'))),
    ]);
    expect(a.body).toBe('Answer for: first customer asks about ORD-1');
    expect(b.body).toBe('Answer for: second customer says hello');
    expect(llmRequests).toHaveLength(2);
  });

  it('a true redelivery (same sender, same id), even at the same moment, still gets the one stored answer', async () => {
    echoLlm(100);
    const bot = makeBot();
    const body = message('62111000005', 'SAMEID-3', 'hello');
    const [a, b] = await Promise.all([jsonOf(bot.post(body)), jsonOf(bot.post(body))]);
    const c = await jsonOf(bot.post(body));
    expect(a).toEqual(b);
    expect(c).toEqual(a);
    expect(llmRequests).toHaveLength(1);
  });

  it('an existing database is migrated: ids stored by an older version stay recognised per sender', () => {
    const path = join(tempDir(), 'bot.db');
    openDatabase(path).$client.close();
    const sqlite = new Database(path);
    const indexes = sqlite.prepare("select name, sql from sqlite_master where type = 'index' and tbl_name = 'messages'").all() as { name: string; sql: string }[];
    sqlite.close();
    expect(indexes.map((i) => i.name)).not.toContain('messages_inbound_wa_id');
    expect(indexes.find((i) => i.name === 'messages_contact_wa_id')?.sql).toMatch(/\(`contact_id`,`wa_message_id`\)/);
  });
});
