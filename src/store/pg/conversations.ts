// The conversation store on PostgreSQL: the same contract as ../conversation-store.ts, one statement per call
// wherever one can do it (every call is a round trip to the server).
import type pg from 'pg';
import { handoffOf, readStoredReply, type ConversationStore, type ReplyRecord, type StoredMessage, type UnattendedLateAnswer } from '../conversation-store.js';
import { inboundColumns } from '../queries.js';

/** The columns of a StoredMessage, of the table `messages` or of its alias `m`. */
const storedColumns = (t = '') => `${t}id, ${t}contact_id AS "contactId", ${t}direction, ${t}kind, ${t}text, ${t}media_caption AS "mediaCaption",
  ${t}media_file_name AS "mediaFileName", ${t}transcription, ${t}created_at AS "createdAt"`;
const STORED = storedColumns();

const HANDOFF_COLUMNS = `handoff_at AS "handoffAt", handoff_reason AS "handoffReason", handoff_counts_from AS "handoffCountsFrom", handoff_within_hours AS "handoffWithinHours"`;
type HandoffColumns = Parameters<typeof handoffOf>[0];

const INSERT_INBOUND = `
  WITH c AS (
    INSERT INTO contacts (phone, jid, display_name, first_seen_at, last_seen_at) VALUES ($1, $2, $3, $4, $4)
    ON CONFLICT (phone) DO UPDATE SET last_seen_at = excluded.last_seen_at, jid = excluded.jid,
      display_name = coalesce(excluded.display_name, contacts.display_name)
    RETURNING id)
  INSERT INTO messages (contact_id, direction, wa_message_id, kind, text, media_url, media_caption, media_file_name,
                        raw_payload, sent_at, created_at, claimed_until)
  SELECT c.id, 'in', $5, $6, $7, $8, $9, $10, $11, $12, $4, $13 FROM c
  ON CONFLICT (contact_id, wa_message_id) WHERE wa_message_id IS NOT NULL DO NOTHING
  RETURNING ${STORED}`;

/** Stores a reply (or a message sent through the API) as a transcript row; its id. On the pool or in a transaction. */
export async function insertOutbound(db: pg.Pool | pg.PoolClient, record: ReplyRecord): Promise<number> {
  const { rows } = await db.query(
    `INSERT INTO messages (contact_id, direction, in_reply_to, kind, text, media_url, reply_json, model, llm_latency_ms,
                           fell_back, fallback_reason, prompt_tokens, cached_tokens, completion_tokens, via, late_pending, created_at, tool_calls, operator)
     VALUES ($1, 'out', $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18) RETURNING id`,
    [
      record.contactId, record.inReplyTo, record.kind, record.text, record.mediaUrl ?? null, record.replyJson, record.model,
      record.llmLatencyMs, record.fellBack, record.fallbackReason, record.promptTokens ?? null, record.cachedTokens ?? null, record.completionTokens ?? null,
      record.via ?? null, record.latePending ?? null, record.at, record.toolCalls ?? null, record.operator ?? null,
    ],
  );
  return (rows[0] as { id: number }).id;
}

export function pgConversations(pool: pg.Pool, options: { claimMs: number }): ConversationStore {
  const one = async <T>(text: string, values: unknown[]): Promise<T | undefined> => (await pool.query(text, values)).rows[0] as T | undefined;
  const run = async (text: string, values: unknown[]) => (await pool.query(text, values)).rowCount ?? 0;

  return {
    async saveInbound(message, at) {
      const c = inboundColumns(message);
      const inserted = await one<StoredMessage>(INSERT_INBOUND, [
        message.from, message.jid, message.senderName, at, message.messageId,
        c.kind, c.text, c.mediaUrl, c.mediaCaption, c.mediaFileName, message.raw, message.sentAt * 1000,
        // The instance that stores a message holds the right to answer it (see ContactTurns.claim).
        at + options.claimMs,
      ]);
      if (inserted) return { message: inserted, isNew: true };
      // A redelivery: the row was there already (perhaps committed a moment ago by another instance).
      const existing = await one<StoredMessage>(
        `SELECT ${storedColumns('m.')} FROM messages m JOIN contacts c ON c.id = m.contact_id WHERE c.phone = $1 AND m.wa_message_id = $2`,
        [message.from, message.messageId],
      );
      if (!existing) throw new Error('a message that conflicts with a stored one cannot be found');
      return { message: existing, isNew: false };
    },
    async storedReply(inbound) {
      const row = await one<{ replyJson: string | null }>(
        `SELECT reply_json AS "replyJson" FROM messages WHERE in_reply_to = $1 AND contact_id = $2 AND direction = 'out' ORDER BY id LIMIT 1`,
        [inbound.id, inbound.contactId],
      );
      return readStoredReply(row?.replyJson);
    },
    async saveReply(record) {
      await insertOutbound(pool, record);
    },
    async history({ contactId, current, limit }) {
      if (limit <= 0) return { messages: [], earlier: 0 };
      // One round trip: the window, and how many of the contact's messages are older (counted on its index).
      const { rows } = await pool.query(
        `WITH recent AS (
           SELECT ${STORED} FROM messages WHERE contact_id = $1 AND id <> $2 AND NOT (direction = 'in' AND id > $2) ORDER BY id DESC LIMIT $3)
         SELECT recent.*, (SELECT count(*) FROM messages WHERE contact_id = $1 AND id < (SELECT min(id) FROM recent))::int AS earlier FROM recent ORDER BY id DESC`,
        [contactId, current, limit],
      );
      const messages = (rows as (StoredMessage & { earlier: number })[]).reverse().map(({ earlier: _, ...message }) => message);
      return { messages, earlier: messages.length < limit ? 0 : (rows[0]?.earlier ?? 0) };
    },
    async contactByPhone(phone) {
      const row = await one<{ id: number; phone: string; displayName: string | null } & HandoffColumns>(
        `SELECT id, phone, display_name AS "displayName", ${HANDOFF_COLUMNS} FROM contacts WHERE phone = $1`,
        [phone],
      );
      if (!row) return null;
      return { id: row.id, phone: row.phone, displayName: row.displayName, handoff: handoffOf(row) };
    },
    async contactName(contactId) {
      const row = await one<{ name: string | null }>('SELECT display_name AS name FROM contacts WHERE id = $1', [contactId]);
      return row?.name ?? null;
    },
    async contactPhone(contactId) {
      const row = await one<{ phone: string }>('SELECT phone FROM contacts WHERE id = $1', [contactId]);
      return row?.phone ?? null;
    },
    async handoff(contactId) {
      const row = await one<HandoffColumns>(`SELECT ${HANDOFF_COLUMNS} FROM contacts WHERE id = $1`, [contactId]);
      return row ? handoffOf(row) : null;
    },
    async startHandoff({ contactId, at, reason, countsFrom, withinHours }) {
      await run('UPDATE contacts SET handoff_at = $2, handoff_reason = $3, handoff_counts_from = $4, handoff_within_hours = $5 WHERE id = $1', [contactId, at, reason, countsFrom, withinHours]);
    },
    async endHandoff(contactId) {
      await run('UPDATE contacts SET handoff_at = NULL, handoff_reason = NULL, handoff_counts_from = NULL, handoff_within_hours = NULL WHERE id = $1', [contactId]);
    },
    async settleLateAnswer(inboundId) {
      return (await run('UPDATE messages SET late_pending = false WHERE in_reply_to = $1 AND late_pending', [inboundId])) > 0;
    },
    async supersedeLateAnswers(contactId) {
      const { rows } = await pool.query('UPDATE messages SET late_pending = false WHERE late_pending AND contact_id = $1 RETURNING in_reply_to AS id', [contactId]);
      return (rows as { id: number }[]).map((row) => row.id);
    },
    // Who works on a late answer is the claim on its inbound message (claimed_until), as for a redelivery: the
    // instance answering it holds it; one that stops lets go of it; one that dies loses it when it runs out.
    async holdLateAnswer(inboundId, until) {
      await run('UPDATE messages SET claimed_until = $2 WHERE id = $1', [inboundId, until]);
    },
    async releaseLateAnswers(inboundIds) {
      if (inboundIds.length > 0) await run('UPDATE messages SET claimed_until = NULL WHERE id = ANY($1::bigint[])', [inboundIds]);
    },
    async takeUnattendedLateAnswers({ now, until }) {
      // One UPDATE: a row another instance takes at the same moment is re-read after its lock, and then not taken.
      const { rows } = await pool.query(
        `UPDATE messages i SET claimed_until = $2 FROM messages h
          WHERE h.late_pending AND h.in_reply_to = i.id AND (i.claimed_until IS NULL OR i.claimed_until <= $1)
          RETURNING ${storedColumns('i.')}, h.id AS "holdingId"`,
        [now, until],
      );
      return (rows as (StoredMessage & { holdingId: number })[])
        .map(({ holdingId, ...inbound }): UnattendedLateAnswer => ({ inbound, holdingId }))
        .sort((a, b) => a.inbound.id - b.inbound.id);
    },
    async saveTranscription(messageId, text) {
      await run('UPDATE messages SET transcription = $2 WHERE id = $1', [messageId, text]);
    },
    async saveMediaFile(messageId, file) {
      if ('error' in file) await run('UPDATE messages SET media_error = $2 WHERE id = $1', [messageId, file.error.slice(0, 500)]);
      else {
        await run(
          'UPDATE messages SET media_path = $2, media_bytes = $3, media_type = $4, media_sha256 = $5, media_error = NULL WHERE id = $1',
          [messageId, file.path, file.bytes, file.contentType, file.sha256],
        );
      }
    },
    async saveEvent({ type, whatspieMessageId, summary, payload, at }) {
      await run('INSERT INTO events (type, whatspie_message_id, summary, payload, created_at) VALUES ($1, $2, $3, $4, $5)', [type, whatspieMessageId, summary, payload, at]);
    },
    async recentInboundCount({ contactId, since, upTo, scan }) {
      const row = await one<{ n: number }>(
        `SELECT count(*) AS n FROM (SELECT direction, created_at FROM messages WHERE contact_id = $1 AND id <= $2 ORDER BY id DESC LIMIT $3) recent
          WHERE direction = 'in' AND created_at >= $4`,
        [contactId, upTo, scan, since],
      );
      return row!.n;
    },
    async healthy() {
      try {
        return (await one<{ ok: number }>('SELECT 1 AS ok', []))?.ok === 1;
      } catch {
        return false;
      }
    },
  };
}
