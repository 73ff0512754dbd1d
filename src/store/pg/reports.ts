// Read-side reports for the transcripts tool on PostgreSQL: the same rows as ../transcripts.ts returns on SQLite.
import type pg from 'pg';
import type { ContactSummary, EventRow, Reports, TranscriptRow, UsageDay } from '../storage.js';

const TRANSCRIPT_COLUMNS = `m.id, m.direction, m.kind, m.text, m.media_url AS "mediaUrl", m.media_caption AS "mediaCaption",
  m.media_file_name AS "mediaFileName", m.reply_json AS "replyJson", m.model, m.llm_latency_ms AS "llmLatencyMs",
  m.fell_back::int AS "fellBack", m.fallback_reason AS "fallbackReason", m.prompt_tokens AS "promptTokens", m.cached_tokens AS "cachedTokens",
  m.completion_tokens AS "completionTokens", m.wa_message_id AS "waMessageId", m.created_at AS "createdAt",
  c.phone, c.display_name AS name, m.via, m.in_reply_to AS "inReplyTo",
  m.media_path AS "mediaPath", m.media_bytes AS "mediaBytes", m.media_type AS "mediaType", m.media_sha256 AS "mediaSha256",
  m.media_error AS "mediaError", m.transcription, m.tool_calls AS "toolCalls", m.operator,
  (SELECT CASE WHEN count(*) = 0 THEN NULL WHEN count(*) FILTER (WHERE o.state IN ('pending', 'sending')) > 0 THEN 'pending'
               WHEN count(*) FILTER (WHERE o.state = 'unknown') > 0 THEN 'unknown'
               WHEN count(*) FILTER (WHERE o.state = 'failed') > 0 THEN 'failed' ELSE 'sent' END
     FROM outbox o WHERE o.message_row_id = m.id) AS delivery,
  (SELECT o.error FROM outbox o WHERE o.message_row_id = m.id AND o.error IS NOT NULL ORDER BY o.state = 'unknown' DESC, o.id DESC LIMIT 1) AS "deliveryError",
  (SELECT string_agg(o.id::text, ',' ORDER BY o.id) FROM outbox o WHERE o.message_row_id = m.id AND o.state = 'unknown') AS "deliveryUnknownIds"`;

export function pgReports(pool: pg.Pool): Reports {
  const rows = async <T>(text: string, values: unknown[]) => (await pool.query(text, values)).rows as T[];
  return {
    listContacts: ({ since, limit, handoffActiveAfter }) =>
      rows<ContactSummary>(
        `SELECT c.phone, c.display_name AS name, min(m.created_at) AS "firstAt", max(m.created_at) AS "lastAt",
                count(m.id) AS messages, count(*) FILTER (WHERE m.fell_back) AS fallbacks,
                c.handoff_at AS "handoffAt", c.handoff_reason AS "handoffReason",
                coalesce(c.handoff_counts_from, c.handoff_at) AS "handoffCountsFrom", c.handoff_within_hours AS "handoffWithinHours"
           FROM contacts c LEFT JOIN messages m ON m.contact_id = c.id
          GROUP BY c.id
         HAVING coalesce(max(m.created_at), c.last_seen_at) >= $1
          ORDER BY (c.handoff_at IS NOT NULL AND coalesce(c.handoff_counts_from, c.handoff_at) > $3) DESC, "lastAt" DESC NULLS LAST
          LIMIT $2`,
        [since ?? 0, limit ?? null, handoffActiveAfter],
      ),
    usageByDay: ({ since }) =>
      // A day retention has begun to delete is read from its totals, kept whole before its first message went.
      rows<UsageDay>(
        `SELECT day, received, model_replies AS "modelReplies", fallbacks, prompt_tokens AS "promptTokens",
                cached_tokens AS "cachedTokens", completion_tokens AS "completionTokens"
           FROM daily_totals WHERE day >= to_char(to_timestamp($1 / 1000.0) AT TIME ZONE 'UTC', 'YYYY-MM-DD')
         UNION ALL
         SELECT * FROM (
         SELECT to_char(to_timestamp(created_at / 1000.0) AT TIME ZONE 'UTC', 'YYYY-MM-DD') AS day,
                count(*) FILTER (WHERE direction = 'in') AS received, count(prompt_tokens) AS "modelReplies",
                count(*) FILTER (WHERE fell_back) AS fallbacks, coalesce(sum(prompt_tokens), 0)::bigint AS "promptTokens",
                sum(cached_tokens)::bigint AS "cachedTokens", coalesce(sum(completion_tokens), 0)::bigint AS "completionTokens"
           FROM messages WHERE created_at >= $1 GROUP BY 1) live
          WHERE day NOT IN (SELECT day FROM daily_totals)
          ORDER BY day`,
        [since ?? 0],
      ),
    transcriptRows: ({ phone, since }) =>
      rows<TranscriptRow>(
        `SELECT ${TRANSCRIPT_COLUMNS} FROM messages m JOIN contacts c ON c.id = m.contact_id
          WHERE ($1::text IS NULL OR m.contact_id = (SELECT id FROM contacts WHERE phone = $1)) AND m.created_at >= $2 ORDER BY m.id`,
        [phone ?? null, since ?? 0],
      ),
    searchMessages: ({ words, limit }) => {
      const conditions = words.map((_, i) => `(m.text ILIKE $${i + 2} ESCAPE '\\' OR m.transcription ILIKE $${i + 2} ESCAPE '\\')`).join(' AND ');
      return rows<TranscriptRow>(
        `SELECT ${TRANSCRIPT_COLUMNS} FROM messages m JOIN contacts c ON c.id = m.contact_id
          WHERE ${conditions || 'true'} ORDER BY m.id DESC LIMIT $1`,
        [limit, ...words.map((w) => `%${w.replace(/[\\%_]/g, '\\$&')}%`)],
      );
    },
    recentEvents: ({ since, limit }) =>
      rows<EventRow>(
        `SELECT id, type, whatspie_message_id AS "whatspieMessageId", summary, payload, created_at AS "createdAt"
           FROM events WHERE created_at >= $1 ORDER BY id DESC LIMIT $2`,
        [since ?? 0, limit],
      ),
  };
}
