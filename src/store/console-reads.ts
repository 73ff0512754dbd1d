// What the operators' console reads (src/console/): the inbox with its filters, the day-by-day figures beyond what
// `transcripts stats` counts, the customer messages the bot could not answer, and a mark that changes whenever
// anything the console shows does (its live updates poll it). SQLite here; ./pg/console-reads.ts returns the same rows.
import type { Db } from './db.js';

export type InboxFilter = 'all' | 'waiting' | 'needs-reply' | 'taken-over';

export interface InboxRow {
  phone: string;
  name: string | null;
  handoffAt: number | null;
  handoffReason: string | null;
  handoffCountsFrom: number | null;
  handoffWithinHours: boolean | null;
  /** The bot itself handed over (a reply of its own follows the handoff); false: an operator took the conversation. */
  handedOverByBot: boolean;
  /** The operator who last took it over or replied, when an operator did. */
  operator: string | null;
  /** A fallback or the bot's handoff that no operator has answered since. */
  needsReply: boolean;
  lastAt: number | null;
  lastDirection: 'in' | 'out' | null;
  lastKind: string | null;
  lastText: string | null;
  labels: string[];
}

export interface InboxQuery {
  filter: InboxFilter;
  label?: string;
  /** Handoffs whose HANDOFF_HOURS counted from at or before this have expired (agent/handoff-rule.ts). */
  handoffActiveAfter: number;
  limit: number;
}

export type InboxCounts = Record<InboxFilter, number>;

/** The console's extra figures for one day (UTC); received, model replies, fallbacks and tokens come from usageByDay. */
export interface ConsoleDay {
  day: string;
  knowledgeReplies: number;
  lateReplies: number;
  operatorReplies: number;
}

export interface FallbackCount {
  day: string;
  reason: string;
  n: number;
}

export interface HandoffCount {
  day: string;
  n: number;
}

/** A customer's message that ended in a fallback or a handoff by the bot. */
export interface UnansweredRow {
  id: number;
  phone: string;
  name: string | null;
  kind: string;
  text: string | null;
  transcription: string | null;
  createdAt: number;
  /** The fallback's reason, or "handoff: " and the handoff's reason. */
  why: string;
}

export interface KeptMedia {
  path: string;
  type: string | null;
  fileName: string | null;
}

export interface ConsoleReads {
  inbox(query: InboxQuery): Promise<InboxRow[]>;
  /** How many conversations each filter shows. */
  inboxCounts(input: { handoffActiveAfter: number }): Promise<InboxCounts>;
  /** Every label in use, alphabetically. */
  labelsInUse(): Promise<string[]>;
  consoleDays(input: { since: number }): Promise<ConsoleDay[]>;
  fallbacksByDay(input: { since: number }): Promise<FallbackCount[]>;
  /** Handoffs by the bot, by the day they began; only the conversations' current handoffs are kept. */
  handoffsByDay(input: { since: number }): Promise<HandoffCount[]>;
  unanswered(input: { since: number; limit: number }): Promise<UnansweredRow[]>;
  /** An inbound message's kept file (MEDIA_DIR), or null when it has none. */
  mediaFile(messageId: number): Promise<KeptMedia | null>;
  /** Changes whenever a message, a handoff, a note or a label does; cheap enough to ask every second. */
  changeMark(): Promise<string>;
}

/**
 * The inbox's rules as SQL, written once for both dialects: `active` is the parameter holding the handoff cutoff, and
 * the dialects differ only in how a flag is true (SQLite's 1, whose partial index messages_fallbacks it uses).
 */
export function inboxRules(dialect: { active: string; fellBack: string; all: string }) {
  // An operator's message answers no customer message (in_reply_to is null); the bot's always answers one.
  // The last operator reply of contact c, as a message id (0: none).
  const LAST_OPERATOR_REPLY = `coalesce((SELECT max(o.id) FROM messages o WHERE o.contact_id = c.id AND o.direction = 'out' AND o.in_reply_to IS NULL), 0)`;
  // The bot handed over: a reply of its own (not a silence) came at or after the handoff. An operator's takeover has none.
  const BOT_HANDED_OVER = `EXISTS (SELECT 1 FROM messages h WHERE h.contact_id = c.id AND h.direction = 'out' AND h.in_reply_to IS NOT NULL
  AND h.kind <> 'silent' AND h.created_at >= c.handoff_at)`;
  const WAITING = `(c.handoff_at IS NOT NULL AND coalesce(c.handoff_counts_from, c.handoff_at) > ${dialect.active})`;
  const NEEDS_REPLY = `(EXISTS (SELECT 1 FROM messages f WHERE f.contact_id = c.id AND ${dialect.fellBack}
    AND NOT EXISTS (SELECT 1 FROM messages o WHERE o.contact_id = c.id AND o.id > f.id AND o.direction = 'out' AND o.in_reply_to IS NULL))
  OR (${WAITING} AND ${BOT_HANDED_OVER} AND c.handoff_at > coalesce((SELECT o.created_at FROM messages o WHERE o.id = ${LAST_OPERATOR_REPLY}), 0)))`;
  const FILTERS: Record<InboxFilter, string> = {
    all: dialect.all,
    waiting: WAITING,
    'needs-reply': NEEDS_REPLY,
    'taken-over': `(${WAITING} AND NOT ${BOT_HANDED_OVER})`,
  };
  return { WAITING, BOT_HANDED_OVER, NEEDS_REPLY, FILTERS };
}

const { WAITING, BOT_HANDED_OVER, NEEDS_REPLY, FILTERS } = inboxRules({ active: '@active', fellBack: 'f.fell_back = 1', all: '1' });

type RawInboxRow = Omit<InboxRow, 'labels' | 'handedOverByBot' | 'needsReply' | 'handoffWithinHours'> & {
  labels: string | null;
  handedOverByBot: number;
  needsReply: number;
  handoffWithinHours: number | null;
};

function inbox(db: Db, query: InboxQuery): InboxRow[] {
  // The page's contacts first (waiting ones, then by their last message: one index lookup per contact), then their
  // details for those rows only, so that 10 000 contacts cost 10 000 lookups and not a scan of every message.
  const rows = db.$client
    .prepare(
      `WITH page AS (
         SELECT c.id, ${WAITING} AS waiting, (SELECT max(m.id) FROM messages m WHERE m.contact_id = c.id) AS lastId
           FROM contacts c
          WHERE ${FILTERS[query.filter]}
            AND (@label IS NULL OR EXISTS (SELECT 1 FROM contact_labels l WHERE l.contact_id = c.id AND l.label = @label))
          ORDER BY waiting DESC, lastId DESC NULLS LAST
          LIMIT @limit)
       SELECT c.phone, c.display_name AS name, c.handoff_at AS handoffAt, c.handoff_reason AS handoffReason,
              coalesce(c.handoff_counts_from, c.handoff_at) AS handoffCountsFrom, c.handoff_within_hours AS handoffWithinHours,
              CASE WHEN c.handoff_at IS NULL THEN 0 ELSE ${BOT_HANDED_OVER} END AS handedOverByBot,
              ${NEEDS_REPLY} AS needsReply,
              (SELECT a.operator FROM operator_actions a WHERE a.contact_id = c.id ORDER BY a.id DESC LIMIT 1) AS operator,
              m.created_at AS lastAt, m.direction AS lastDirection, m.kind AS lastKind, coalesce(m.text, m.transcription, m.media_file_name) AS lastText,
              (SELECT group_concat(label, char(31)) FROM (SELECT l.label FROM contact_labels l WHERE l.contact_id = c.id ORDER BY l.label)) AS labels
         FROM page JOIN contacts c ON c.id = page.id LEFT JOIN messages m ON m.id = page.lastId
        ORDER BY page.waiting DESC, page.lastId DESC NULLS LAST`,
    )
    .all({ active: query.handoffActiveAfter, label: query.label ?? null, limit: query.limit }) as RawInboxRow[];
  return rows.map((row) => ({
    ...row,
    handoffWithinHours: row.handoffWithinHours === null ? null : row.handoffWithinHours === 1,
    handedOverByBot: row.handedOverByBot === 1,
    needsReply: row.needsReply === 1,
    labels: row.labels ? row.labels.split('\u001f') : [],
  }));
}

function inboxCounts(db: Db, input: { handoffActiveAfter: number }): InboxCounts {
  const row = db.$client
    .prepare(
      `SELECT count(*) AS "all", coalesce(sum(${FILTERS.waiting}), 0) AS waiting, coalesce(sum(${FILTERS['needs-reply']}), 0) AS "needs-reply",
              coalesce(sum(${FILTERS['taken-over']}), 0) AS "taken-over"
         FROM contacts c`,
    )
    .get({ active: input.handoffActiveAfter }) as InboxCounts;
  return row;
}

const DAY = `strftime('%Y-%m-%d', created_at / 1000, 'unixepoch')`;

function consoleDays(db: Db, input: { since: number }): ConsoleDay[] {
  return db.$client
    .prepare(
      `SELECT ${DAY} AS day, coalesce(sum(direction = 'out' AND model = 'knowledge-base'), 0) AS knowledgeReplies,
              coalesce(sum(direction = 'out' AND via = 'api' AND in_reply_to IS NOT NULL), 0) AS lateReplies,
              coalesce(sum(direction = 'out' AND in_reply_to IS NULL), 0) AS operatorReplies
         FROM messages WHERE created_at >= @since GROUP BY day ORDER BY day`,
    )
    .all(input) as ConsoleDay[];
}

function fallbacksByDay(db: Db, input: { since: number }): FallbackCount[] {
  return db.$client
    .prepare(
      `SELECT ${DAY} AS day, coalesce(fallback_reason, 'unknown') AS reason, count(*) AS n
         FROM messages WHERE created_at >= @since AND fell_back = 1 GROUP BY day, reason ORDER BY day, reason`,
    )
    .all(input) as FallbackCount[];
}

function handoffsByDay(db: Db, input: { since: number }): HandoffCount[] {
  return db.$client
    .prepare(
      `SELECT strftime('%Y-%m-%d', c.handoff_at / 1000, 'unixepoch') AS day, count(*) AS n
         FROM contacts c WHERE c.handoff_at >= @since AND ${BOT_HANDED_OVER} GROUP BY day ORDER BY day`,
    )
    .all(input) as HandoffCount[];
}

function unanswered(db: Db, input: { since: number; limit: number }): UnansweredRow[] {
  return db.$client
    .prepare(
      `SELECT * FROM (
         SELECT i.id, c.phone, c.display_name AS name, i.kind, i.text, i.transcription, i.created_at AS createdAt,
                coalesce(r.fallback_reason, 'fallback') AS why
           FROM messages r JOIN messages i ON i.id = r.in_reply_to JOIN contacts c ON c.id = i.contact_id
          WHERE r.fell_back = 1 AND r.created_at >= @since
         UNION
         SELECT i.id, c.phone, c.display_name, i.kind, i.text, i.transcription, i.created_at, 'handoff: ' || coalesce(c.handoff_reason, '')
           FROM contacts c JOIN messages i ON i.id = (SELECT max(x.id) FROM messages x WHERE x.contact_id = c.id AND x.direction = 'in' AND x.created_at <= c.handoff_at)
          WHERE c.handoff_at >= @since AND ${BOT_HANDED_OVER})
        ORDER BY id DESC LIMIT @limit`,
    )
    .all(input) as UnansweredRow[];
}

function changeMark(db: Db): string {
  const row = db.$client
    .prepare(
      `SELECT (SELECT coalesce(max(id), 0) FROM messages) || '.' || (SELECT count(handoff_at) || '.' || total(handoff_at) FROM contacts)
              || '.' || (SELECT coalesce(max(id), 0) FROM operator_actions) || '.' || (SELECT coalesce(max(id), 0) FROM contact_notes)
              || '.' || (SELECT count(*) FROM contact_labels) || '.' || (SELECT coalesce(max(id), 0) || '.' || count(*) FROM outbox WHERE state <> 'sent') AS mark`,
    )
    .get() as { mark: string };
  return row.mark;
}

export function sqliteConsoleReads(db: Db): ConsoleReads {
  return {
    inbox: async (query) => inbox(db, query),
    inboxCounts: async (input) => inboxCounts(db, input),
    labelsInUse: async () => (db.$client.prepare('SELECT DISTINCT label FROM contact_labels ORDER BY label').pluck().all() as string[]),
    consoleDays: async (input) => consoleDays(db, input),
    fallbacksByDay: async (input) => fallbacksByDay(db, input),
    handoffsByDay: async (input) => handoffsByDay(db, input),
    unanswered: async (input) => unanswered(db, input),
    changeMark: async () => changeMark(db),
    mediaFile: async (messageId) =>
      (db.$client
        .prepare(`SELECT media_path AS path, media_type AS type, media_file_name AS fileName FROM messages WHERE id = ? AND direction = 'in' AND media_path IS NOT NULL`)
        .get(messageId) as KeptMedia | undefined) ?? null,
  };
}
