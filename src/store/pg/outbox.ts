// The durable outbox on PostgreSQL, worked by every instance at once: a claim takes a row with FOR UPDATE SKIP
// LOCKED, so two instances never take the same message, and never a customer's message while an older one of the
// same customer is still on its way. A lease that runs out turns its message `unknown` in one UPDATE: the row lock
// makes a second instance doing the same skip it, so each is reported once.
import type pg from 'pg';
import type { OutgoingMessage } from '../../whatspie/reply.js';
import { rowDelivery, type OutboxEntry, type Outbox } from '../outbox.js';
import { inTransaction } from './connect.js';
import { insertOutbound } from './conversations.js';

const CLAIM = `
  UPDATE outbox o SET state = 'sending', lease_until = $2, attempts = o.attempts + 1
    FROM contacts c
   WHERE c.id = o.contact_id AND o.id = (
     SELECT d.id FROM outbox d
      WHERE d.state = 'pending' AND d.next_attempt_at <= $1
        AND NOT EXISTS (SELECT 1 FROM outbox e WHERE e.contact_id = d.contact_id AND e.id < d.id AND e.state IN ('pending', 'sending'))
      ORDER BY d.id LIMIT 1
      FOR UPDATE OF d SKIP LOCKED)
  RETURNING o.id, c.phone, o.payload, o.attempts, o.created_at AS "createdAt"`;

export function pgOutbox(pool: pg.Pool): Outbox {
  return {
    enqueue({ record, messages, at }) {
      return inTransaction(pool, async (client) => {
        const messageRowId = await insertOutbound(client, { ...record, via: 'api', at });
        await client.query(
          `INSERT INTO outbox (contact_id, message_row_id, in_reply_to, payload, state, attempts, next_attempt_at, created_at)
           SELECT $1, $2, $3, payload, 'pending', 0, $4, $4 FROM unnest($5::text[]) WITH ORDINALITY AS p(payload, n) ORDER BY n`,
          [record.contactId, messageRowId, record.inReplyTo, at, messages.map((m) => JSON.stringify(m))],
        );
        return messageRowId;
      });
    },
    async claimNext({ now, leaseMs }) {
      const { rows } = await pool.query(CLAIM, [now, now + leaseMs]);
      const row = rows[0] as { id: number; phone: string; payload: string; attempts: number; createdAt: number } | undefined;
      if (!row) return null;
      return { id: row.id, phone: row.phone, message: JSON.parse(row.payload) as OutgoingMessage, attempts: row.attempts, createdAt: row.createdAt };
    },
    async lapseLeases({ now, reason }) {
      const { rows } = await pool.query(
        `UPDATE outbox o SET state = 'unknown', lease_until = NULL, error = $2 FROM contacts c
          WHERE c.id = o.contact_id AND o.state = 'sending' AND o.lease_until <= $1
          RETURNING o.id, c.phone, o.attempts`,
        [now, reason],
      );
      return rows as { id: number; phone: string; attempts: number }[];
    },
    async markSent({ id, whatspieId, at }) {
      await pool.query(`UPDATE outbox SET state = 'sent', whatspie_id = $2, sent_at = $3, lease_until = NULL, error = NULL WHERE id = $1`, [id, whatspieId, at]);
    },
    async retryLater({ id, reason, at }) {
      await pool.query(`UPDATE outbox SET state = 'pending', next_attempt_at = $3, lease_until = NULL, error = $2 WHERE id = $1`, [id, reason, at]);
    },
    async markFailed({ id, reason }) {
      await pool.query(`UPDATE outbox SET state = 'failed', lease_until = NULL, error = $2 WHERE id = $1`, [id, reason]);
    },
    async markUnknown({ id, reason }) {
      await pool.query(`UPDATE outbox SET state = 'unknown', lease_until = NULL, error = $2 WHERE id = $1`, [id, reason]);
    },
    async entry(id) {
      const { rows } = await pool.query(
        `SELECT o.id, c.phone, o.payload, o.state, o.error, o.whatspie_id AS "whatspieId", o.attempts
           FROM outbox o JOIN contacts c ON c.id = o.contact_id WHERE o.id = $1`,
        [id],
      );
      const row = rows[0] as (Omit<OutboxEntry, 'message'> & { payload: string }) | undefined;
      if (!row) return null;
      const { payload, ...rest } = row;
      return { ...rest, message: JSON.parse(payload) as OutgoingMessage };
    },
    async requeueUnknown({ id, at }) {
      const result = await pool.query(
        `UPDATE outbox SET state = 'pending', next_attempt_at = $2, created_at = $2, lease_until = NULL, error = NULL WHERE id = $1 AND state = 'unknown'`,
        [id, at],
      );
      return (result.rowCount ?? 0) > 0;
    },
    async failByWhatspieId({ whatspieId, reason }) {
      return ((await pool.query(`UPDATE outbox SET state = 'failed', error = $2 WHERE whatspie_id = $1`, [whatspieId, reason])).rowCount ?? 0) > 0;
    },
    async undelivered(contactId) {
      const { rows } = await pool.query(`SELECT count(*) AS n FROM outbox WHERE contact_id = $1 AND state IN ('pending', 'sending')`, [contactId]);
      return (rows[0] as { n: number }).n;
    },
    async deliveryOf(inReplyTo) {
      const { rows } = await pool.query(
        `SELECT count(*) AS total, count(*) FILTER (WHERE state IN ('pending', 'sending')) AS open, count(*) FILTER (WHERE state = 'failed') AS failed,
                count(*) FILTER (WHERE state = 'unknown') AS unknown
           FROM outbox WHERE in_reply_to = $1`,
        [inReplyTo],
      );
      const row = rows[0] as { total: number; open: number; failed: number; unknown: number };
      if (row.total === 0) return 'none';
      if (row.open > 0) return 'pending';
      if (row.unknown > 0) return 'unknown';
      return row.failed === row.total ? 'failed' : 'sent';
    },
    async deliveryOfRow(messageRowId) {
      const { rows } = await pool.query('SELECT id, state, error, whatspie_id AS "whatspieId" FROM outbox WHERE message_row_id = $1 ORDER BY id', [messageRowId]);
      return rowDelivery(rows as { id: number; state: string; error: string | null; whatspieId: string | null }[]);
    },
    async nextDueAt() {
      const { rows } = await pool.query(
        `SELECT min(CASE state WHEN 'pending' THEN next_attempt_at ELSE lease_until END) AS at FROM outbox WHERE state IN ('pending', 'sending')`,
      );
      return (rows[0] as { at: number | null }).at;
    },
  };
}
