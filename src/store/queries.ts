// Every query the program runs, as named functions. Nothing outside src/store builds SQL.
import { eq, sql } from 'drizzle-orm';
import { describeSharedContact, type InboundMessage } from '../whatspie/inbound.js';
import type { Db } from './db.js';
import { contacts, messages, settings } from './schema.js';
import { historyColumns, statements, storedColumns } from './statements.js';

export type MessageRow = typeof messages.$inferSelect;
/** A message as the conversation history needs it. */
export type HistoryRow = Pick<MessageRow, keyof typeof historyColumns>;
/** A message as the agent keeps it. */
export type StoredRow = Pick<MessageRow, keyof typeof storedColumns>;

export function upsertContact(db: Db, input: { phone: string; jid: string; displayName: string | null; at: number }): number {
  return statements(db).upsertContact.get(input)!.id;
}

export function inboundColumns(message: InboundMessage) {
  const none = { text: null, mediaUrl: null, mediaCaption: null, mediaFileName: null };
  const c = message.content;
  switch (c.kind) {
    case 'text':
      return { ...none, kind: 'text', text: c.text };
    case 'image':
      return { ...none, kind: 'image', text: c.caption, mediaUrl: c.url, mediaCaption: c.caption };
    case 'document':
      return { kind: 'document', text: c.caption, mediaUrl: c.url, mediaCaption: c.caption, mediaFileName: c.fileName };
    case 'audio':
      return { ...none, kind: 'audio', text: c.seconds === null ? null : `${c.seconds}`, mediaUrl: c.url };
    case 'contact':
      return { ...none, kind: 'contact', text: c.contacts.map(describeSharedContact).join('; ') || null };
    case 'unknown':
      return { ...none, kind: `unknown:${c.type}`, mediaUrl: c.url };
  }
}

/**
 * Stores an inbound message once; a redelivery (the same sender and the same WhatsApp id) returns the first row.
 * The same id from another sender is another message.
 */
export function storeInbound(db: Db, input: { message: InboundMessage; at: number }): { row: StoredRow; isNew: boolean } {
  const { message, at } = input;
  const q = statements(db);
  return q.transaction(() => {
    const contactId = upsertContact(db, { phone: message.from, jid: message.jid, displayName: message.senderName, at });
    const existing = q.inboundBySenderAndWaId.get({ contactId, waMessageId: message.messageId });
    if (existing) return { row: existing, isNew: false };
    const row = q.insertInbound.get({
      contactId,
      waMessageId: message.messageId,
      rawPayload: message.raw,
      sentAt: message.sentAt * 1000,
      createdAt: at,
      ...inboundColumns(message),
    })!;
    return { row, isNew: true };
  });
}

export type ContactRow = typeof contacts.$inferSelect;

export function findContact(db: Db, id: number): ContactRow | undefined {
  return statements(db).contactById.get({ id });
}

export function findContactByPhone(db: Db, phone: string): ContactRow | undefined {
  return db.select().from(contacts).where(eq(contacts.phone, phone)).get();
}

/** Marks the conversation as waiting for a human, from `at`; HANDOFF_HOURS count from `countsFrom`. */
export function startHandoff(db: Db, input: { contactId: number; at: number; reason: string; countsFrom: number; withinHours: boolean | null }): void {
  db.update(contacts)
    .set({ handoffAt: input.at, handoffReason: input.reason, handoffCountsFrom: input.countsFrom, handoffWithinHours: input.withinHours })
    .where(eq(contacts.id, input.contactId))
    .run();
}

/** Lets the bot answer the contact again; false when no such contact exists. */
export function endHandoff(db: Db, input: { contactId: number } | { phone: string }): boolean {
  const where = 'phone' in input ? eq(contacts.phone, input.phone) : eq(contacts.id, input.contactId);
  return db.update(contacts).set({ handoffAt: null, handoffReason: null, handoffCountsFrom: null, handoffWithinHours: null }).where(where).run().changes > 0;
}

/** The reply stored for an inbound message, if one was sent. */
export function findReplyTo(db: Db, inbound: { id: number; contactId: number }): MessageRow | undefined {
  return statements(db).replyTo.get({ inboundId: inbound.id, contactId: inbound.contactId });
}

export interface OutboundRecord {
  contactId: number;
  /** The customer's message this answers; null for an operator's message. */
  inReplyTo: number | null;
  kind: string;
  text: string | null;
  mediaUrl?: string | null;
  replyJson: string;
  model: string | null;
  llmLatencyMs: number | null;
  fellBack: boolean;
  fallbackReason: string | null;
  promptTokens?: number | null;
  cachedTokens?: number | null;
  completionTokens?: number | null;
  /** The operators' tools called for this reply (agent: ToolCallRecord[]), as JSON. */
  toolCalls?: string | null;
  /** 'api' when it goes out through Whatspie's REST API rather than in the webhook's answer. */
  via?: 'api' | null;
  /** The operator who wrote it (an account name, or "terminal"); null or absent for the bot. */
  operator?: string | null;
  /** A holding reply whose late answer is still being worked on. */
  latePending?: boolean | null;
  at: number;
}

export function storeOutbound(db: Db, record: OutboundRecord): void {
  const { at, ...rest } = record;
  statements(db).insertOutbound.run({ mediaUrl: null, promptTokens: null, cachedTokens: null, completionTokens: null, toolCalls: null, via: null, operator: null, latePending: null, ...rest, createdAt: at });
}

/**
 * Settles the late answer to an inbound message; true for the one caller that settles it (the answer, or the sweep
 * for answers whose process died), so that the customer never gets both.
 */
export function settleLateAnswer(db: Db, inboundId: number): boolean {
  return db.$client.prepare('UPDATE messages SET late_pending = 0 WHERE in_reply_to = ? AND late_pending = 1').run(inboundId).changes > 0;
}

/** Settles every late answer to the contact still being worked on; the inbound messages they answered. */
export function supersedeLateAnswers(db: Db, contactId: number): number[] {
  return statements(db).supersedeLateAnswers.all(contactId).map((row) => row.id);
}

/** The late answers still owed (their holding reply is pending): the inbound messages, oldest first, and the holding rows. */
export function pendingLateAnswers(db: Db): { inbound: StoredRow; holdingId: number }[] {
  const rows = db.$client
    .prepare(
      `SELECT i.id, i.contact_id AS contactId, i.direction, i.kind, i.text, i.media_caption AS mediaCaption, i.media_file_name AS mediaFileName,
              i.transcription, i.created_at AS createdAt, h.id AS holdingId
         FROM messages h JOIN messages i ON i.id = h.in_reply_to
        WHERE h.late_pending = 1 ORDER BY i.id`,
    )
    .all() as (StoredRow & { holdingId: number })[];
  return rows.map(({ holdingId, ...inbound }) => ({ inbound, holdingId }));
}

/**
 * The last `limit` messages of a contact as they happened, oldest first, leaving out the inbound message
 * `current` and any that arrived after it (those are answered in their own turn).
 */
export function recentMessages(db: Db, input: { contactId: number; current: number; limit: number }): { rows: HistoryRow[]; earlier: number } {
  if (input.limit <= 0) return { rows: [], earlier: 0 };
  const q = statements(db);
  const rows = q.recentMessages.all(input).reverse();
  // Walks the contact's index entries only (no table rows), and only when the window is full.
  const earlier = rows.length < input.limit ? 0 : q.countOlderMessages.get({ contactId: input.contactId, before: rows[0]!.id })!.n;
  return { rows, earlier };
}

/** SQLite's plan for the history read, to show that it walks an index rather than the table. */
export function explainRecentMessages(db: Db, input: { contactId: number; current: number; limit: number }): string[] {
  const query = statements(db).recentMessages.getQuery();
  const params = query.params.map((param) => (typeof param === 'object' && param !== null && 'name' in param ? input[param.name as keyof typeof input] : param));
  const plan = db.$client.prepare(`EXPLAIN QUERY PLAN ${query.sql}`).all(...params) as { detail: string }[];
  return plan.map((row) => row.detail);
}

export function recentInboundCount(db: Db, input: { contactId: number; since: number; upTo: number; scan: number }): number {
  return statements(db).recentInboundCount.get(input)!.n;
}

export function readSetting(db: Db, key: string): string | undefined {
  return db.select().from(settings).where(eq(settings.key, key)).get()?.value;
}

/** Writes the value only if the key is still unset, and returns whichever value won. */
export function initSetting(db: Db, key: string, value: string): string {
  db.insert(settings).values({ key, value }).onConflictDoNothing().run();
  return readSetting(db, key) ?? value;
}

export function databaseAnswers(db: Db): boolean {
  try {
    return db.get<{ ok: number }>(sql`select 1 as ok`).ok === 1;
  } catch {
    return false;
  }
}
