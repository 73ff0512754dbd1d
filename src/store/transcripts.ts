// Read-side queries for reviewing conversations (the transcripts CLI) on SQLite. Plain SQL: reports over the schema.
import type { Db } from './db.js';
import { recentEvents } from './events.js';
import type { ContactSummary, Reports, TranscriptRow, UsageDay } from './storage.js';

/** Every contact with activity since `since`; those waiting for a human first, then the most recent. */
function listContacts(db: Db, input: { since?: number; limit?: number; handoffActiveAfter: number }): ContactSummary[] {
  const rows = db.$client
    .prepare(
      `SELECT c.phone, c.display_name AS name, min(m.created_at) AS firstAt, max(m.created_at) AS lastAt,
              count(m.id) AS messages, coalesce(sum(m.fell_back), 0) AS fallbacks,
              c.handoff_at AS handoffAt, c.handoff_reason AS handoffReason,
              coalesce(c.handoff_counts_from, c.handoff_at) AS handoffCountsFrom, c.handoff_within_hours AS handoffWithinHours
         FROM contacts c LEFT JOIN messages m ON m.contact_id = c.id
        GROUP BY c.id
       HAVING coalesce(max(m.created_at), c.last_seen_at) >= @since
        ORDER BY (c.handoff_at IS NOT NULL AND coalesce(c.handoff_counts_from, c.handoff_at) > @active) DESC, lastAt DESC
        LIMIT @limit`,
    )
    .all({ since: input.since ?? 0, limit: input.limit ?? -1, active: input.handoffActiveAfter }) as (Omit<ContactSummary, 'handoffWithinHours'> & { handoffWithinHours: number | null })[];
  return rows.map((row) => ({ ...row, handoffWithinHours: row.handoffWithinHours === null ? null : row.handoffWithinHours === 1 }));
}

const TRANSCRIPT_COLUMNS = `m.id, m.direction, m.kind, m.text, m.media_url AS mediaUrl, m.media_caption AS mediaCaption,
  m.media_file_name AS mediaFileName, m.reply_json AS replyJson, m.model, m.llm_latency_ms AS llmLatencyMs,
  m.fell_back AS fellBack, m.fallback_reason AS fallbackReason, m.prompt_tokens AS promptTokens, m.cached_tokens AS cachedTokens,
  m.completion_tokens AS completionTokens, m.wa_message_id AS waMessageId, m.created_at AS createdAt,
  c.phone, c.display_name AS name, m.via, m.in_reply_to AS inReplyTo,
  m.media_path AS mediaPath, m.media_bytes AS mediaBytes, m.media_type AS mediaType, m.media_sha256 AS mediaSha256,
  m.media_error AS mediaError, m.transcription, m.tool_calls AS toolCalls, m.operator,
  (SELECT CASE WHEN count(*) = 0 THEN NULL WHEN sum(o.state IN ('pending', 'sending')) > 0 THEN 'pending'
               WHEN sum(o.state = 'unknown') > 0 THEN 'unknown' WHEN sum(o.state = 'failed') > 0 THEN 'failed' ELSE 'sent' END
     FROM outbox o WHERE o.message_row_id = m.id) AS delivery,
  (SELECT o.error FROM outbox o WHERE o.message_row_id = m.id AND o.error IS NOT NULL ORDER BY o.state = 'unknown' DESC, o.id DESC LIMIT 1) AS deliveryError,
  (SELECT group_concat(o.id, ',') FROM (SELECT id FROM outbox WHERE message_row_id = m.id AND state = 'unknown' ORDER BY id) o) AS deliveryUnknownIds`;

function usageByDay(db: Db, input: { since?: number }): UsageDay[] {
  // A day retention has begun to delete is read from its totals, kept whole before its first message went.
  const since = input.since ?? 0;
  return db.$client
    .prepare(
      `SELECT day, received, model_replies AS modelReplies, fallbacks, prompt_tokens AS promptTokens, cached_tokens AS cachedTokens,
              completion_tokens AS completionTokens
         FROM daily_totals WHERE day >= strftime('%Y-%m-%d', @since / 1000, 'unixepoch')
       UNION ALL
       SELECT * FROM (
       SELECT strftime('%Y-%m-%d', created_at / 1000, 'unixepoch') AS day, sum(direction = 'in') AS received,
              count(prompt_tokens) AS modelReplies, coalesce(sum(fell_back), 0) AS fallbacks,
              coalesce(sum(prompt_tokens), 0) AS promptTokens, sum(cached_tokens) AS cachedTokens,
              coalesce(sum(completion_tokens), 0) AS completionTokens
         FROM messages WHERE created_at >= @since GROUP BY day)
        WHERE day NOT IN (SELECT day FROM daily_totals)
        ORDER BY day`,
    )
    .all({ since }) as UsageDay[];
}

/** Messages in the order they happened, optionally for one contact and from a time on. */
function transcriptRows(db: Db, input: { phone?: string; since?: number }): TranscriptRow[] {
  // One contact's rows by the contact's index (a million messages are not walked for 200); SQLite plans an
  // "@phone IS NULL OR …" as a scan, so the two cases are two statements.
  const contact = input.phone === undefined ? '' : 'm.contact_id = (SELECT id FROM contacts WHERE phone = @phone) AND';
  return db.$client
    .prepare(
      `SELECT ${TRANSCRIPT_COLUMNS} FROM messages m JOIN contacts c ON c.id = m.contact_id
        WHERE ${contact} m.created_at >= @since
        ORDER BY m.id`,
    )
    .all({ ...(input.phone !== undefined && { phone: input.phone }), since: input.since ?? 0 }) as TranscriptRow[];
}

/** Messages containing every word (case-insensitive), newest first. */
function searchMessages(db: Db, input: { words: string[]; limit: number }): TranscriptRow[] {
  // A voice note is found by its transcript too.
  const conditions = input.words.map((_, i) => `(m.text LIKE @w${i} ESCAPE '\\' OR m.transcription LIKE @w${i} ESCAPE '\\')`).join(' AND ');
  const params = Object.fromEntries(input.words.map((w, i) => [`w${i}`, `%${w.replace(/[\\%_]/g, '\\$&')}%`]));
  return db.$client
    .prepare(
      `SELECT ${TRANSCRIPT_COLUMNS} FROM messages m JOIN contacts c ON c.id = m.contact_id
        WHERE ${conditions || '1'} ORDER BY m.id DESC LIMIT @limit`,
    )
    .all({ ...params, limit: input.limit }) as TranscriptRow[];
}

export function sqliteReports(db: Db): Reports {
  return {
    listContacts: async (input) => listContacts(db, input),
    transcriptRows: async (input) => transcriptRows(db, input),
    searchMessages: async (input) => searchMessages(db, input),
    recentEvents: async (input) => recentEvents(db, input),
    usageByDay: async (input) => usageByDay(db, input),
  };
}
