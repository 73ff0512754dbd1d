// Customers with every kind of row a customer leaves (messages, the bot's replies, a kept file, a queued send, events
// about their messages), written through the real webhook and the store; and a scan of every table for a text.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { HttpResponse } from 'msw';
import pg from 'pg';
import { textMessages } from '../../src/agent/outgoing.js';
import { replyRecord } from '../../src/agent/reply-record.js';
import { filesUnder } from '../../src/data/kept-files.js';
import type { Db } from '../../src/store/db.js';
import { expect } from 'vitest';
import type { AnyBot } from './app.js';
import { textFrom } from './fixtures.js';
import { answerWith, completion } from './llm.js';

/** The model repeats what it was told, so that the customer's words are in the reply too. */
export function echoingModel(): void {
  answerWith((request) => HttpResponse.json(completion({ content: `You said: ${request.messages.at(-1)!.content.slice(-60)}` })));
}

export interface SeededCustomer {
  phone: string;
  /** A text only this customer wrote. */
  secret: string;
  /** Their kept file, in MEDIA_DIR. */
  file: string;
}

/**
 * One customer: two messages (and the model's replies), a kept image in MEDIA_DIR/<day>/, a queued send, an event
 * about one of their messages and one naming their number. `bot` must run with the echoing model.
 */
export async function seedCustomer(bot: AnyBot, input: { phone: string; secret: string; mediaDir: string; at: number; events?: boolean }): Promise<SeededCustomer> {
  const { storage } = bot;
  const first = textFrom(input.phone, `Hello, my code word is ${input.secret}`, { from_user: { name: `Name ${input.secret}`, jid: `${input.phone}@s.whatsapp.net` } });
  expect((await bot.post(first)).status).toBe(200);
  expect((await bot.post(textFrom(input.phone, `Please send it to Jalan ${input.secret} 12`))).status).toBe(200);
  const contact = (await storage.conversations.contactByPhone(input.phone))!;
  const [inbound] = await storage.reports.transcriptRows({ phone: input.phone });
  const file = join(input.mediaDir, new Date(input.at).toISOString().slice(0, 10), `${inbound!.id}.jpg`);
  mkdirSync(join(file, '..'), { recursive: true });
  writeFileSync(file, `photo of ${input.secret}`);
  await storage.conversations.saveMediaFile(inbound!.id, { path: file, bytes: 10, contentType: 'image/jpeg', sha256: 'ab'.repeat(32) });
  const messages = textMessages(`Operator note to ${input.secret}`, 'model');
  await storage.outbox.enqueue({ record: replyRecord({ contactId: contact.id, inReplyTo: null }, messages, { turn: null, note: 'operator', llmLatencyMs: null, fallback: null }), messages, at: input.at });
  if (input.events !== false) {
    await storage.conversations.saveEvent({ type: 'message_read', whatspieMessageId: String(inbound!.waMessageId), summary: 'read', payload: JSON.stringify({ data: { wa_message_id: inbound!.waMessageId } }), at: input.at });
    await storage.conversations.saveEvent({ type: 'message_failed', whatspieMessageId: null, summary: 'failed', payload: JSON.stringify({ data: { to: `${input.phone}@s.whatsapp.net` } }), at: input.at });
  }
  return { phone: input.phone, secret: input.secret, file };
}

/**
 * Every row of every table whose text holds one of the needles. The tables and columns come from the database's own
 * catalogue, read here and not by the code under test, so that a table added later is scanned too.
 */
export async function rowsHolding(where: { sqlite?: Db; url?: string | null }, needles: string[]): Promise<string[]> {
  const found: string[] = [];
  if (where.sqlite) {
    const db = where.sqlite.$client;
    const columns = db
      .prepare(`SELECT m.name AS tbl, p.name AS col FROM sqlite_master m, pragma_table_info(m.name) p WHERE m.type = 'table'`)
      .all() as { tbl: string; col: string }[];
    expect(columns.length).toBeGreaterThan(20);
    for (const { tbl, col } of columns) {
      for (const needle of needles) {
        const { n } = db.prepare(`SELECT count(*) AS n FROM "${tbl}" WHERE CAST("${col}" AS TEXT) LIKE '%' || ? || '%'`).get(needle) as { n: number };
        if (n > 0) found.push(`${tbl}.${col} holds ${needle} (${n} rows)`);
      }
    }
    return found;
  }
  const client = new pg.Client({ connectionString: where.url! });
  await client.connect();
  try {
    const { rows: columns } = await client.query(
      `SELECT c.table_name AS tbl, c.column_name AS col FROM information_schema.columns c JOIN information_schema.tables t
          ON t.table_schema = c.table_schema AND t.table_name = c.table_name
        WHERE t.table_schema = current_schema() AND t.table_type = 'BASE TABLE'`,
    );
    expect(columns.length).toBeGreaterThan(20);
    for (const { tbl, col } of columns as { tbl: string; col: string }[]) {
      for (const needle of needles) {
        const { rows } = await client.query(`SELECT count(*)::int AS n FROM "${tbl}" WHERE "${col}"::text LIKE '%' || $1 || '%'`, [needle]);
        if (rows[0].n > 0) found.push(`${tbl}.${col} holds ${needle} (${rows[0].n} rows)`);
      }
    }
  } finally {
    await client.end();
  }
  return found;
}

/** The files under MEDIA_DIR. */
export const keptFiles = (mediaDir: string) => filesUnder(mediaDir);
