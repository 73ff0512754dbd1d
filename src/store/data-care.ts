// Deleting data on purpose, the same on both backends (see steps.ts): forgetting a customer on request, and retention
// (RETENTION_DAYS). Both cover every table that points at a customer or a message (tables.ts), so that a table added
// later is covered without new code here.
import type { Dialect, Row, Steps } from './steps.js';
import { placeholders, quoted } from './steps.js';
import { describeTables, pointersTo, type Table } from './tables.js';

const DAY_MS = 86_400_000;
/** IN lists are cut into pieces of this many values (SQLite takes at most 32 766 parameters per statement). */
const CHUNK = 500;

function* inChunks(values: unknown[], statement: (list: string) => string): Steps<number> {
  let changes = 0;
  for (let i = 0; i < values.length; i += CHUNK) {
    const part = values.slice(i, i + CHUNK);
    const [result] = yield { sql: statement(placeholders(part)), params: part };
    changes += Number(result?.changes ?? 0);
  }
  return changes;
}

/** Deletes the rows of every table that points at these messages (their sends, and whatever later tables keep of them). */
function* deleteMessagesAndWhatPointsAtThem(tables: Table[], ids: number[]): Steps<number> {
  for (const { table, column } of pointersTo(tables, 'messages')) {
    yield* inChunks(ids, (list) => `DELETE FROM ${quoted(table)} WHERE ${quoted(column)} IN ${list}`);
  }
  return yield* inChunks(ids, (list) => `DELETE FROM messages WHERE id IN ${list}`);
}

const paths = (rows: Row[]) => rows.map((row) => row.path).filter((path): path is string => typeof path === 'string' && path !== '');

export interface Forgotten {
  messages: number;
  events: number;
  /** The kept files their messages named: the caller deletes them once the rows are gone. */
  files: string[];
}

/**
 * Deletes a customer: their messages and the replies to them, their sends (queued or not), the events about their
 * messages or naming their number, every row of any table that points at them or their messages, and the contact
 * itself; and records that a deletion happened, when and by whom, nothing of theirs.
 */
export function forgetContact(input: { contactId: number; at: number; by: string }) {
  return function* (dialect: Dialect): Steps<Forgotten | null> {
    const [contact] = yield { sql: 'SELECT phone FROM contacts WHERE id = ?', params: [input.contactId] };
    if (!contact) return null;
    const phone = String(contact.phone);
    const tables = yield* describeTables(dialect);
    const messages = yield { sql: 'SELECT id, wa_message_id AS wa, media_path AS path FROM messages WHERE contact_id = ?', params: [input.contactId] };
    const sends = yield { sql: 'SELECT whatspie_id AS w FROM outbox WHERE contact_id = ? AND whatspie_id IS NOT NULL', params: [input.contactId] };
    const theirIds = [...messages.map((m) => m.wa), ...sends.map((s) => s.w)].filter((id) => id !== null).map(String);
    let events = yield* inChunks(theirIds, (list) => `DELETE FROM events WHERE whatspie_message_id IN ${list}`);
    // An event may carry their number in its payload without naming one of their messages.
    const naming = yield { sql: `SELECT id, payload FROM events WHERE payload LIKE ?`, params: [`%${phone}%`] };
    const digitsAround = new RegExp(`(^|\\D)${phone.replace(/[^\w]/g, '\\$&')}(\\D|$)`);
    const theirs = naming.filter((e) => digitsAround.test(String(e.payload))).map((e) => Number(e.id));
    events += yield* inChunks(theirs, (list) => `DELETE FROM events WHERE id IN ${list}`);
    // Replies are the contact's own rows (contact_id is theirs); other customers' rows never point at them.
    const deleted = yield* deleteMessagesAndWhatPointsAtThem(tables, messages.map((m) => Number(m.id)));
    for (const { table, column } of pointersTo(tables, 'contacts')) {
      yield { sql: `DELETE FROM ${quoted(table)} WHERE ${quoted(column)} = ?`, params: [input.contactId] };
    }
    yield { sql: 'DELETE FROM contacts WHERE id = ?', params: [input.contactId] };
    yield { sql: 'INSERT INTO deletions (at, kind, requested_by, messages) VALUES (?, ?, ?, ?)', params: [input.at, 'forget', input.by, deleted] };
    return { messages: deleted, events, files: paths(messages) };
  };
}

export interface RetentionBatch {
  /** Another instance is running retention right now (PostgreSQL): this batch did nothing. */
  skipped: boolean;
  messages: number;
  events: number;
  contacts: number;
  /** The kept files of the deleted messages: the caller deletes them. */
  files: string[];
}

export interface RetentionInput {
  /** Messages, events and contacts last seen before this moment go. */
  before: number;
  /** A handoff (or pause) whose HANDOFF_HOURS count from after this moment is in force: its conversation is kept whole. */
  handoffActiveAfter: number;
  /** At most this many messages (and as many events, and contacts) per batch. */
  limit: number;
}

/**
 * PostgreSQL: the advisory lock a retention batch takes for its transaction, so that one instance deletes at a time
 * (any number the instances agree on; pg/connect.ts's migration lock is another). Taken inside the batch's own
 * transaction rather than held on a connection of its own for the whole pass: a pool of one connection
 * (DATABASE_POOL_SIZE=1) would otherwise wait for itself.
 */
export const RETENTION_LOCK = 7_305_002;

const HANDOFF_IN_FORCE = '(c.handoff_at IS NOT NULL AND coalesce(c.handoff_counts_from, c.handoff_at) > ?)';

/** The UTC day of a moment, YYYY-MM-DD, and the moment it starts. */
const dayOf = (at: number) => ({ day: new Date(at).toISOString().slice(0, 10), start: Math.floor(at / DAY_MS) * DAY_MS });

/**
 * One small batch of retention, oldest first. A day's totals for `transcripts stats` are written, whole, in the same
 * transaction as the first deletion of that day's messages (the day is in the past: no message joins it later).
 */
export function retentionBatch(input: RetentionInput) {
  return function* (dialect: Dialect): Steps<RetentionBatch> {
    if (dialect === 'postgres') {
      const [lock] = yield { sql: 'SELECT pg_try_advisory_xact_lock(?) AS held', params: [RETENTION_LOCK] };
      if (!lock?.held) return { skipped: true, messages: 0, events: 0, contacts: 0, files: [] };
    }
    const tables = yield* describeTables(dialect);
    const candidates = yield {
      sql: `SELECT m.id, m.media_path AS path, m.created_at AS at FROM messages m JOIN contacts c ON c.id = m.contact_id
             WHERE m.created_at < ? AND m.late_pending IS NOT TRUE AND NOT ${HANDOFF_IN_FORCE}
               AND NOT EXISTS (SELECT 1 FROM outbox o WHERE o.message_row_id = m.id AND o.state IN ('pending', 'sending'))
             ORDER BY m.created_at, m.id LIMIT ?`,
      params: [input.before, input.handoffActiveAfter, input.limit],
    };
    const days = new Map(candidates.map((row) => dayOf(Number(row.at))).map((d) => [d.day, d.start]));
    for (const [day, start] of days) {
      yield {
        sql: `INSERT INTO daily_totals (day, received, model_replies, fallbacks, prompt_tokens, cached_tokens, completion_tokens)
              SELECT ?, count(CASE WHEN direction = 'in' THEN 1 END), count(prompt_tokens), count(CASE WHEN fell_back THEN 1 END),
                     coalesce(sum(prompt_tokens), 0), sum(cached_tokens), coalesce(sum(completion_tokens), 0)
                FROM messages WHERE created_at >= ? AND created_at < ?
              ON CONFLICT (day) DO NOTHING`,
        params: [day, start, start + DAY_MS],
      };
    }
    const messages = yield* deleteMessagesAndWhatPointsAtThem(tables, candidates.map((row) => Number(row.id)));
    const [events] = yield { sql: 'DELETE FROM events WHERE id IN (SELECT id FROM events WHERE created_at < ? ORDER BY id LIMIT ?)', params: [input.before, input.limit] };
    // A contact goes with its last message, unless something else still points at it (a later table's row, a send).
    const stillPointed = pointersTo(tables, 'contacts')
      .map(({ table, column }) => `AND NOT EXISTS (SELECT 1 FROM ${quoted(table)} x WHERE x.${quoted(column)} = c.id)`)
      .join(' ');
    const gone = yield {
      sql: `SELECT c.id FROM contacts c WHERE c.last_seen_at < ? AND NOT ${HANDOFF_IN_FORCE} ${stillPointed} LIMIT ?`,
      params: [input.before, input.handoffActiveAfter, input.limit],
    };
    const contacts = yield* inChunks(gone.map((row) => Number(row.id)), (list) => `DELETE FROM contacts WHERE id IN ${list}`);
    return { skipped: false, messages, events: Number(events?.changes ?? 0), contacts, files: paths(candidates) };
  };
}

/** Records that a retention pass deleted data (counts only). */
export function recordDeletion(input: { at: number; kind: 'forget' | 'retention'; by: string; messages: number }) {
  return function* (): Steps<void> {
    yield { sql: 'INSERT INTO deletions (at, kind, requested_by, messages) VALUES (?, ?, ?, ?)', params: [input.at, input.kind, input.by, input.messages] };
  };
}
