// The hot-path queries, built and prepared once per database connection. Building a drizzle query and preparing it
// anew took more CPU than running it (profiled under load: about a third of the server's time).
import { and, desc, eq, gt, ne, not, sql } from 'drizzle-orm';
import type { Db } from './db.js';
import { contacts, messages } from './schema.js';

const p = (name: string) => sql.placeholder(name);

/** The columns a history turn needs: reading all twenty of twenty rows cost more than the query itself. */
export const historyColumns = {
  id: messages.id,
  direction: messages.direction,
  kind: messages.kind,
  text: messages.text,
  mediaCaption: messages.mediaCaption,
  mediaFileName: messages.mediaFileName,
  transcription: messages.transcription,
  createdAt: messages.createdAt,
};

/** The columns of a message as the agent keeps it (StoredMessage). */
export const storedColumns = { ...historyColumns, contactId: messages.contactId };

function prepareAll(db: Db) {
  // better-sqlite3 prepares BEGIN and COMMIT whenever a transaction wrapper is made: make one, run any work in it.
  const inTransaction = db.$client.transaction((work: () => unknown) => work());
  return {
    transaction: <T>(work: () => T): T => inTransaction(work) as T,
    inboundBySenderAndWaId: db
      .select(storedColumns)
      .from(messages)
      .where(and(eq(messages.contactId, p('contactId')), eq(messages.waMessageId, p('waMessageId'))))
      .prepare(),
    upsertContact: db
      .insert(contacts)
      .values({ phone: p('phone'), jid: p('jid'), displayName: p('displayName'), firstSeenAt: p('at'), lastSeenAt: p('at') })
      .onConflictDoUpdate({
        target: contacts.phone,
        set: { lastSeenAt: sql`excluded.last_seen_at`, jid: sql`excluded.jid`, displayName: sql`coalesce(excluded.display_name, ${contacts.displayName})` },
      })
      .returning({ id: contacts.id })
      .prepare(),
    insertInbound: db
      .insert(messages)
      .values({
        contactId: p('contactId'),
        direction: 'in',
        waMessageId: p('waMessageId'),
        kind: p('kind'),
        text: p('text'),
        mediaUrl: p('mediaUrl'),
        mediaCaption: p('mediaCaption'),
        mediaFileName: p('mediaFileName'),
        rawPayload: p('rawPayload'),
        sentAt: p('sentAt'),
        createdAt: p('createdAt'),
      })
      // What the conversation needs of it, not all thirty columns with the raw payload back (profiled).
      .returning(storedColumns)
      .prepare(),
    insertOutbound: db
      .insert(messages)
      .values({
        contactId: p('contactId'),
        direction: 'out',
        inReplyTo: p('inReplyTo'),
        kind: p('kind'),
        text: p('text'),
        mediaUrl: p('mediaUrl'),
        replyJson: p('replyJson'),
        model: p('model'),
        llmLatencyMs: p('llmLatencyMs'),
        fellBack: p('fellBack'),
        fallbackReason: p('fallbackReason'),
        promptTokens: p('promptTokens'),
        cachedTokens: p('cachedTokens'),
        completionTokens: p('completionTokens'),
        toolCalls: p('toolCalls'),
        via: p('via'),
        operator: p('operator'),
        latePending: p('latePending'),
        createdAt: p('createdAt'),
      })
      .prepare(),
    // A reply comes after its message in the same conversation: the contact index finds it without an index of its own.
    replyTo: db
      .select()
      .from(messages)
      .where(
        and(
          eq(messages.contactId, p('contactId')),
          gt(messages.id, p('inboundId')),
          eq(messages.inReplyTo, p('inboundId')),
          eq(messages.direction, 'out'),
        ),
      )
      .limit(1)
      .prepare(),
    // On every answered message while late answers are on: prepared once, like the rest of the hot path.
    supersedeLateAnswers: db.$client.prepare<[number], { id: number }>(
      'UPDATE messages SET late_pending = 0 WHERE contact_id = ? AND late_pending = 1 RETURNING in_reply_to AS id',
    ),
    recentInboundCount: db.$client.prepare<{ contactId: number; since: number; upTo: number; scan: number }, { n: number }>(
      `SELECT count(*) AS n FROM (SELECT direction, created_at FROM messages WHERE contact_id = @contactId AND id <= @upTo ORDER BY id DESC LIMIT @scan)
        WHERE direction = 'in' AND created_at >= @since`,
    ),
    countOlderMessages: db.$client.prepare<{ contactId: number; before: number }, { n: number }>(
      'SELECT count(*) AS n FROM messages WHERE contact_id = @contactId AND id < @before',
    ),
    contactById: db.select().from(contacts).where(eq(contacts.id, p('id'))).prepare(),
    recentMessages: db
      .select(historyColumns)
      .from(messages)
      .where(
        and(
          eq(messages.contactId, p('contactId')),
          ne(messages.id, p('current')),
          not(and(eq(messages.direction, 'in'), gt(messages.id, p('current')))!),
        ),
      )
      .orderBy(desc(messages.id))
      .limit(p('limit'))
      .prepare(),
  };
}

const cache = new WeakMap<Db, ReturnType<typeof prepareAll>>();

export function statements(db: Db): ReturnType<typeof prepareAll> {
  let prepared = cache.get(db);
  if (!prepared) {
    prepared = prepareAll(db);
    cache.set(db, prepared);
  }
  return prepared;
}
