// Turns across instances, kept in the database so that no sticky routing is needed. A customer's messages are
// answered in the order they were stored (the id order): a message waits until every older message of the same
// customer has its reply, or until that message's webhook window has closed without one (its instance died, or
// gave up). The same rule, seen from the older message, finds a burst: a newer message of the customer is stored
// and waiting. No queue in memory: ids are given by the database, so two messages of one instance may be stored in
// the other order than they arrived at it, and a local queue would then hold the older behind the newer.
import { setTimeout as sleep } from 'node:timers/promises';
import type pg from 'pg';
import type { ContactTurns } from '../storage.js';

const OPEN = (compare: '<' | '>') => `EXISTS (
  SELECT 1 FROM messages i
   WHERE i.contact_id = $1 AND i.direction = 'in' AND i.id ${compare} $2 AND i.created_at > $3
     AND NOT EXISTS (SELECT 1 FROM messages r WHERE r.in_reply_to = i.id))`;

export interface TurnOptions {
  /** A message stored longer ago than this without a reply holds nobody back (its window closed). */
  staleMs: number;
  /** How long a claim on a message lasts (see ContactTurns.claim). */
  claimMs: number;
  /** How often a waiting message looks again. */
  pollMs: number;
  now: () => number;
}

export function pgTurns(pool: pg.Pool, options: TurnOptions): ContactTurns {

  async function look(contactId: number, inboundId: number): Promise<{ older: boolean; newer: boolean }> {
    const { rows } = await pool.query(`SELECT ${OPEN('<')} AS older, ${OPEN('>')} AS newer`, [contactId, inboundId, options.now() - options.staleMs]);
    return rows[0] as { older: boolean; newer: boolean };
  }

  return {
    async claim(inboundId, now) {
      const { rowCount } = await pool.query(
        'UPDATE messages SET claimed_until = $3 WHERE id = $1 AND (claimed_until IS NULL OR claimed_until <= $2)',
        [inboundId, now, now + options.claimMs],
      );
      return (rowCount ?? 0) > 0;
    },
    async run(inbound, deadlineAt, task) {
      let seen = await look(inbound.contactId, inbound.id);
      while (seen.older && options.now() < deadlineAt) {
        await sleep(options.pollMs);
        seen = await look(inbound.contactId, inbound.id);
      }
      return task(seen.newer);
    },
  };
}
