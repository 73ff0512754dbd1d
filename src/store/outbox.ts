// The durable outbox: what must still reach a customer through Whatspie's REST API. Spoken in our own types and
// async, so that another backend can implement it; this one is SQLite, where each statement below is atomic.
import type { Statement } from 'better-sqlite3';
import type { OutgoingMessage } from '../whatspie/reply.js';
import type { Db } from './db.js';
import { storeOutbound, type OutboundRecord } from './queries.js';

export interface OutboxItem {
  id: number;
  /** The customer's number, the receiver. */
  phone: string;
  message: OutgoingMessage;
  /** Attempts made so far, this one included. */
  attempts: number;
  createdAt: number;
}

/**
 * Where the messages answering one customer message are: none queued, some still on their way, or all settled; and
 * when settled, `unknown` when any of them may or may not have reached Whatspie (see OutboxState).
 */
export type DeliveryState = 'none' | 'pending' | 'sent' | 'failed' | 'unknown';

/**
 * One outbox row's state: pending → sending → sent | failed | unknown. `unknown`: the request was sent (or the process
 * sending it stopped mid-send) and no answer came back, so it may or may not have gone out. Whatspie has no
 * idempotency key, so such a message is never sent again by itself; only an operator's resend queues it again.
 */
export type OutboxState = 'pending' | 'sending' | 'sent' | 'failed' | 'unknown';

/** One outbox row as an operator looks it up by its id. */
export interface OutboxEntry {
  id: number;
  phone: string;
  message: OutgoingMessage;
  state: OutboxState;
  error: string | null;
  whatspieId: string | null;
  attempts: number;
}

export interface Outbox {
  /** Records the transcript row and one outbox row per message, in one transaction; returns the transcript row's id. */
  enqueue(input: { record: Omit<OutboundRecord, 'at' | 'via'>; messages: OutgoingMessage[]; at: number }): Promise<number>;
  /**
   * Takes the oldest due message whose customer has nothing older still pending or being sent (so one customer's
   * messages go out in order; one whose fate is unknown does not hold the later ones back), and leases it.
   */
  claimNext(input: { now: number; leaseMs: number }): Promise<OutboxItem | null>;
  /**
   * Messages whose lease ran out while being sent (the process sending them stopped): they may have reached Whatspie,
   * so they become `unknown` with `reason`, never pending again. Returns them, each once, for the log.
   */
  lapseLeases(input: { now: number; reason: string }): Promise<{ id: number; phone: string; attempts: number }[]>;
  markSent(input: { id: number; whatspieId: string | null; at: number }): Promise<void>;
  retryLater(input: { id: number; reason: string; at: number }): Promise<void>;
  markFailed(input: { id: number; reason: string }): Promise<void>;
  /** The request was sent and no answer came back (see OutboxState). */
  markUnknown(input: { id: number; reason: string }): Promise<void>;
  /** One message by its id, or null. */
  entry(id: number): Promise<OutboxEntry | null>;
  /**
   * An operator's resend: a message in the `unknown` state is pending again, due `at`, its retry window starting
   * anew. True when it was requeued; false when it is in any other state (or requeued by someone else just now).
   */
  requeueUnknown(input: { id: number; at: number }): Promise<boolean>;
  /** Whatspie's v2 message_failed for a message we sent; false when no message has that id. */
  failByWhatspieId(input: { whatspieId: string; reason: string }): Promise<boolean>;
  /** How many messages to this contact are still pending or being sent. */
  undelivered(contactId: number): Promise<number>;
  /** The delivery of everything queued in reply to one customer message. */
  deliveryOf(inReplyTo: number): Promise<DeliveryState>;
  /** The delivery of the messages of one transcript row (an operator's reply, a late answer); `unknownIds`: its outbox ids in state unknown. */
  deliveryOfRow(messageRowId: number): Promise<{ state: DeliveryState; error: string | null; whatspieIds: string[]; unknownIds: number[] }>;
  /** When the next pending message falls due, or null when none is pending. */
  nextDueAt(): Promise<number | null>;
}

type Row = { id: number; phone: string; payload: string; attempts: number; createdAt: number };

/** The delivery of one transcript row's messages: still on its way, else unknown, else failed, else sent; with the reason that goes with it. */
export function rowDelivery(rows: { state: string; error: string | null; whatspieId: string | null; id: number }[]) {
  const state: DeliveryState =
    rows.length === 0
      ? 'none'
      : rows.some((r) => r.state === 'pending' || r.state === 'sending')
        ? 'pending'
        : rows.some((r) => r.state === 'unknown')
          ? 'unknown'
          : rows.some((r) => r.state === 'failed')
            ? 'failed'
            : 'sent';
  const error = (rows.find((r) => r.state === state && r.error) ?? rows.find((r) => r.error))?.error ?? null;
  return {
    state,
    error,
    whatspieIds: rows.flatMap((r) => (r.whatspieId ? [r.whatspieId] : [])),
    unknownIds: rows.flatMap((r) => (r.state === 'unknown' ? [r.id] : [])),
  };
}

const prepared = new WeakMap<Db, Record<string, Statement>>();

function statements(db: Db) {
  let s = prepared.get(db);
  if (!s) {
    const sql = db.$client;
    s = {
      insert: sql.prepare(
        `INSERT INTO outbox (contact_id, message_row_id, in_reply_to, payload, state, attempts, next_attempt_at, created_at)
         VALUES (@contactId, @messageRowId, @inReplyTo, @payload, 'pending', 0, @at, @at)`,
      ),
      lastRow: sql.prepare('SELECT last_insert_rowid() AS id'),
      claim: sql.prepare(
        `UPDATE outbox SET state = 'sending', lease_until = @leaseUntil, attempts = attempts + 1
          WHERE id = (
            SELECT o.id FROM outbox o
             WHERE o.state = 'pending' AND o.next_attempt_at <= @now
               AND NOT EXISTS (SELECT 1 FROM outbox e WHERE e.contact_id = o.contact_id AND e.id < o.id AND e.state IN ('pending', 'sending'))
             ORDER BY o.id LIMIT 1)
          RETURNING id, contact_id AS contactId, payload, attempts, created_at AS createdAt`,
      ),
      phone: sql.prepare('SELECT phone FROM contacts WHERE id = ?'),
      lapse: sql.prepare(
        `UPDATE outbox SET state = 'unknown', lease_until = NULL, error = @reason WHERE state = 'sending' AND lease_until <= @now
          RETURNING id, (SELECT phone FROM contacts c WHERE c.id = outbox.contact_id) AS phone, attempts`,
      ),
      unknown: sql.prepare(`UPDATE outbox SET state = 'unknown', lease_until = NULL, error = @reason WHERE id = @id`),
      entry: sql.prepare(
        `SELECT o.id, c.phone, o.payload, o.state, o.error, o.whatspie_id AS whatspieId, o.attempts
           FROM outbox o JOIN contacts c ON c.id = o.contact_id WHERE o.id = ?`,
      ),
      requeue: sql.prepare(
        `UPDATE outbox SET state = 'pending', next_attempt_at = @at, created_at = @at, lease_until = NULL, error = NULL WHERE id = @id AND state = 'unknown'`,
      ),
      sent: sql.prepare(`UPDATE outbox SET state = 'sent', whatspie_id = @whatspieId, sent_at = @at, lease_until = NULL, error = NULL WHERE id = @id`),
      retry: sql.prepare(`UPDATE outbox SET state = 'pending', next_attempt_at = @at, lease_until = NULL, error = @reason WHERE id = @id`),
      failed: sql.prepare(`UPDATE outbox SET state = 'failed', lease_until = NULL, error = @reason WHERE id = @id`),
      failByWhatspieId: sql.prepare(`UPDATE outbox SET state = 'failed', error = @reason WHERE whatspie_id = @whatspieId`),
      undelivered: sql.prepare(`SELECT count(*) AS n FROM outbox WHERE contact_id = ? AND state IN ('pending', 'sending')`),
      deliveryOf: sql.prepare(
        `SELECT count(*) AS total, sum(state IN ('pending', 'sending')) AS open, sum(state = 'failed') AS failed, sum(state = 'unknown') AS unknown
           FROM outbox WHERE in_reply_to = ?`,
      ),
      ofRow: sql.prepare('SELECT id, state, error, whatspie_id AS whatspieId FROM outbox WHERE message_row_id = ? ORDER BY id'),
      nextDue: sql.prepare(`SELECT min(CASE state WHEN 'pending' THEN next_attempt_at ELSE lease_until END) AS at FROM outbox WHERE state IN ('pending', 'sending')`),
    };
    prepared.set(db, s);
  }
  return s;
}

export function sqliteOutbox(db: Db): Outbox {
  const q = statements(db);
  return {
    async enqueue({ record, messages, at }) {
      return db.$client.transaction(() => {
        storeOutbound(db, { ...record, via: 'api', at });
        const messageRowId = (q.lastRow!.get() as { id: number }).id;
        for (const message of messages) {
          q.insert!.run({ contactId: record.contactId, messageRowId, inReplyTo: record.inReplyTo, payload: JSON.stringify(message), at });
        }
        return messageRowId;
      })();
    },
    async claimNext({ now, leaseMs }) {
      const row = q.claim!.get({ now, leaseUntil: now + leaseMs }) as (Omit<Row, 'phone'> & { contactId: number }) | undefined;
      if (!row) return null;
      const phone = (q.phone!.get(row.contactId) as { phone: string }).phone;
      return { id: row.id, phone, message: JSON.parse(row.payload) as OutgoingMessage, attempts: row.attempts, createdAt: row.createdAt };
    },
    async lapseLeases(input) {
      return q.lapse!.all(input) as { id: number; phone: string; attempts: number }[];
    },
    async markSent(input) {
      q.sent!.run(input);
    },
    async retryLater(input) {
      q.retry!.run(input);
    },
    async markFailed(input) {
      q.failed!.run(input);
    },
    async markUnknown(input) {
      q.unknown!.run(input);
    },
    async entry(id) {
      const row = q.entry!.get(id) as (Omit<OutboxEntry, 'message'> & { payload: string }) | undefined;
      if (!row) return null;
      const { payload, ...rest } = row;
      return { ...rest, message: JSON.parse(payload) as OutgoingMessage };
    },
    async requeueUnknown(input) {
      return q.requeue!.run(input).changes > 0;
    },
    async failByWhatspieId(input) {
      return q.failByWhatspieId!.run(input).changes > 0;
    },
    async undelivered(contactId) {
      return (q.undelivered!.get(contactId) as { n: number }).n;
    },
    async deliveryOf(inReplyTo) {
      const row = q.deliveryOf!.get(inReplyTo) as { total: number; open: number | null; failed: number | null; unknown: number | null };
      if (row.total === 0) return 'none';
      if ((row.open ?? 0) > 0) return 'pending';
      if ((row.unknown ?? 0) > 0) return 'unknown';
      return (row.failed ?? 0) === row.total ? 'failed' : 'sent';
    },
    async deliveryOfRow(messageRowId) {
      return rowDelivery(q.ofRow!.all(messageRowId) as { id: number; state: string; error: string | null; whatspieId: string | null }[]);
    },
    async nextDueAt() {
      return (q.nextDue!.get() as { at: number | null }).at;
    },
  };
}
