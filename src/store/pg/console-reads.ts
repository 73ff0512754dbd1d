// What the operators' console reads, on PostgreSQL: the same rows as ../console-reads.ts returns on SQLite.
import type pg from 'pg';
import { inboxRules, type ConsoleDay, type ConsoleReads, type FallbackCount, type HandoffCount, type InboxCounts, type InboxRow, type KeptMedia, type UnansweredRow } from '../console-reads.js';

// The same rules as on SQLite (one text for both, in ../console-reads.ts).
const { WAITING, BOT_HANDED_OVER, NEEDS_REPLY, FILTERS } = inboxRules({ active: '$1', fellBack: 'f.fell_back', all: 'true' });

const DAY = (column: string) => `to_char(to_timestamp(${column} / 1000.0) AT TIME ZONE 'UTC', 'YYYY-MM-DD')`;

export function pgConsoleReads(pool: pg.Pool): ConsoleReads {
  const rows = async <T>(text: string, values: unknown[]) => (await pool.query(text, values)).rows as T[];
  return {
    async inbox(query) {
      const found = await rows<Omit<InboxRow, 'labels'> & { labels: string[] | null }>(
        `WITH page AS (
           SELECT c.id, ${WAITING} AS waiting, (SELECT max(m.id) FROM messages m WHERE m.contact_id = c.id) AS "lastId"
             FROM contacts c
            WHERE ${FILTERS[query.filter]}
              AND ($2::text IS NULL OR EXISTS (SELECT 1 FROM contact_labels l WHERE l.contact_id = c.id AND l.label = $2))
            ORDER BY waiting DESC, "lastId" DESC NULLS LAST
            LIMIT $3)
         SELECT c.phone, c.display_name AS name, c.handoff_at AS "handoffAt", c.handoff_reason AS "handoffReason",
                coalesce(c.handoff_counts_from, c.handoff_at) AS "handoffCountsFrom", c.handoff_within_hours AS "handoffWithinHours",
                (c.handoff_at IS NOT NULL AND ${BOT_HANDED_OVER}) AS "handedOverByBot",
                ${NEEDS_REPLY} AS "needsReply",
                (SELECT a.operator FROM operator_actions a WHERE a.contact_id = c.id ORDER BY a.id DESC LIMIT 1) AS operator,
                m.created_at AS "lastAt", m.direction AS "lastDirection", m.kind AS "lastKind", coalesce(m.text, m.transcription, m.media_file_name) AS "lastText",
                (SELECT array_agg(l.label ORDER BY l.label) FROM contact_labels l WHERE l.contact_id = c.id) AS labels
           FROM page JOIN contacts c ON c.id = page.id LEFT JOIN messages m ON m.id = page."lastId"
          ORDER BY page.waiting DESC, page."lastId" DESC NULLS LAST`,
        [query.handoffActiveAfter, query.label ?? null, query.limit],
      );
      return found.map((row) => ({ ...row, labels: row.labels ?? [] }));
    },
    async inboxCounts({ handoffActiveAfter }) {
      const [row] = await rows<InboxCounts>(
        `SELECT count(*)::int AS "all", count(*) FILTER (WHERE ${FILTERS.waiting})::int AS waiting,
                count(*) FILTER (WHERE ${FILTERS['needs-reply']})::int AS "needs-reply", count(*) FILTER (WHERE ${FILTERS['taken-over']})::int AS "taken-over"
           FROM contacts c`,
        [handoffActiveAfter],
      );
      return row!;
    },
    async labelsInUse() {
      return (await rows<{ label: string }>('SELECT DISTINCT label FROM contact_labels ORDER BY label', [])).map((row) => row.label);
    },
    consoleDays: ({ since }) =>
      rows<ConsoleDay>(
        `SELECT ${DAY('created_at')} AS day, count(*) FILTER (WHERE direction = 'out' AND model = 'knowledge-base')::int AS "knowledgeReplies",
                count(*) FILTER (WHERE direction = 'out' AND via = 'api' AND in_reply_to IS NOT NULL)::int AS "lateReplies",
                count(*) FILTER (WHERE direction = 'out' AND in_reply_to IS NULL)::int AS "operatorReplies"
           FROM messages WHERE created_at >= $1 GROUP BY day ORDER BY day`,
        [since],
      ),
    fallbacksByDay: ({ since }) =>
      rows<FallbackCount>(
        `SELECT ${DAY('created_at')} AS day, coalesce(fallback_reason, 'unknown') AS reason, count(*)::int AS n
           FROM messages WHERE created_at >= $1 AND fell_back GROUP BY day, reason ORDER BY day, reason`,
        [since],
      ),
    handoffsByDay: ({ since }) =>
      rows<HandoffCount>(
        `SELECT ${DAY('c.handoff_at')} AS day, count(*)::int AS n FROM contacts c WHERE c.handoff_at >= $1 AND ${BOT_HANDED_OVER} GROUP BY day ORDER BY day`,
        [since],
      ),
    unanswered: ({ since, limit }) =>
      rows<UnansweredRow>(
        `SELECT * FROM (
           SELECT i.id, c.phone, c.display_name AS name, i.kind, i.text, i.transcription, i.created_at AS "createdAt",
                  coalesce(r.fallback_reason, 'fallback') AS why
             FROM messages r JOIN messages i ON i.id = r.in_reply_to JOIN contacts c ON c.id = i.contact_id
            WHERE r.fell_back AND r.created_at >= $1
           UNION
           SELECT i.id, c.phone, c.display_name, i.kind, i.text, i.transcription, i.created_at, 'handoff: ' || coalesce(c.handoff_reason, '')
             FROM contacts c JOIN messages i ON i.id = (SELECT max(x.id) FROM messages x WHERE x.contact_id = c.id AND x.direction = 'in' AND x.created_at <= c.handoff_at)
            WHERE c.handoff_at >= $1 AND ${BOT_HANDED_OVER}) u
          ORDER BY id DESC LIMIT $2`,
        [since, limit],
      ),
    async mediaFile(messageId) {
      const [row] = await rows<KeptMedia>(
        `SELECT media_path AS path, media_type AS type, media_file_name AS "fileName" FROM messages WHERE id = $1 AND direction = 'in' AND media_path IS NOT NULL`,
        [messageId],
      );
      return row ?? null;
    },
    async changeMark() {
      const [row] = await rows<{ mark: string }>(
        `SELECT concat_ws('.', (SELECT coalesce(max(id), 0) FROM messages), (SELECT count(handoff_at) FROM contacts), (SELECT coalesce(sum(handoff_at), 0) FROM contacts),
                (SELECT coalesce(max(id), 0) FROM operator_actions), (SELECT coalesce(max(id), 0) FROM contact_notes), (SELECT count(*) FROM contact_labels),
                (SELECT coalesce(max(id), 0) FROM outbox WHERE state <> 'sent'), (SELECT count(*) FROM outbox WHERE state <> 'sent')) AS mark`,
        [],
      );
      return row!.mark;
    },
  };
}
