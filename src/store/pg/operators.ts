// Accounts, sessions, the sign-in throttle, the audit, notes and labels on PostgreSQL (see ../operators.ts): every
// instance reads the same rows, so a session or a throttle holds across them.
import type pg from 'pg';
import type { AccountStore, Annotations, AuditEntry, ContactLabel, ContactNote, Operator, OperatorAccount, OperatorListing } from '../operators.js';
import { inTransaction } from './connect.js';

export function pgAccounts(pool: pg.Pool): AccountStore {
  const rows = async <T>(text: string, values: unknown[] = []) => (await pool.query(text, values)).rows as T[];
  const endSessionsOf = 'DELETE FROM operator_sessions WHERE operator_id IN (SELECT id FROM operators WHERE name = $1)';
  return {
    async add({ name, passwordHash, at }) {
      const [row] = await rows<Operator>(
        'INSERT INTO operators (name, password_hash, created_at) VALUES ($1, $2, $3) ON CONFLICT (name) DO NOTHING RETURNING id, name',
        [name, passwordHash, at],
      );
      return row ?? null;
    },
    async byName(name) {
      const [row] = await rows<OperatorAccount>('SELECT id, name, password_hash AS "passwordHash", created_at AS "createdAt" FROM operators WHERE name = $1', [name]);
      return row ?? null;
    },
    list: () =>
      rows<OperatorListing>(
        `SELECT o.id, o.name, o.created_at AS "createdAt", max(s.last_seen_at) AS "lastSeenAt", count(s.id_hash)::int AS sessions
           FROM operators o LEFT JOIN operator_sessions s ON s.operator_id = o.id
          GROUP BY o.id ORDER BY o.name`,
      ),
    async count() {
      return (await rows<{ n: number }>('SELECT count(*)::int AS n FROM operators'))[0]!.n;
    },
    remove: (name) =>
      inTransaction(pool, async (client) => {
        await client.query(endSessionsOf, [name]);
        return ((await client.query('DELETE FROM operators WHERE name = $1', [name])).rowCount ?? 0) > 0;
      }),
    setPassword: (name, passwordHash) =>
      inTransaction(pool, async (client) => {
        await client.query(endSessionsOf, [name]);
        return ((await client.query('UPDATE operators SET password_hash = $2 WHERE name = $1', [name, passwordHash])).rowCount ?? 0) > 0;
      }),
    async createSession({ idHash, operatorId, at }) {
      await pool.query('INSERT INTO operator_sessions (id_hash, operator_id, created_at, last_seen_at) VALUES ($1, $2, $3, $3)', [idHash, operatorId, at]);
    },
    async useSession({ idHash, now, idleSince, touchBefore }) {
      const [row] = await rows<Operator & { lastSeenAt: string }>(
        `SELECT o.id, o.name, s.last_seen_at AS "lastSeenAt" FROM operator_sessions s JOIN operators o ON o.id = s.operator_id
          WHERE s.id_hash = $1 AND s.last_seen_at > $2`,
        [idHash, idleSince],
      );
      if (!row) {
        await pool.query('DELETE FROM operator_sessions WHERE id_hash = $1', [idHash]);
        return null;
      }
      if (Number(row.lastSeenAt) < touchBefore) await pool.query('UPDATE operator_sessions SET last_seen_at = greatest(last_seen_at, $2) WHERE id_hash = $1', [idHash, now]);
      return { id: row.id, name: row.name };
    },
    async endSession(idHash) {
      await pool.query('DELETE FROM operator_sessions WHERE id_hash = $1', [idHash]);
    },
    async recordFailure({ keys, at, forgetBefore }) {
      await pool.query('INSERT INTO sign_in_failures (key, at) SELECT k, $2 FROM unnest($1::text[]) AS k', [keys, at]);
      await pool.query('DELETE FROM sign_in_failures WHERE at < $1', [forgetBefore]);
    },
    async failuresSince({ keys, since }) {
      const found = await rows<{ key: string; n: number }>(
        'SELECT key, count(*)::int AS n FROM sign_in_failures WHERE key = ANY($1::text[]) AND at >= $2 GROUP BY key',
        [keys, since],
      );
      return new Map(keys.map((key) => [key, found.find((row) => row.key === key)?.n ?? 0]));
    },
    async clearFailures(key) {
      await pool.query('DELETE FROM sign_in_failures WHERE key = $1', [key]);
    },
    async audit({ at, operator, action, contactId, detail }) {
      await pool.query('INSERT INTO operator_actions (at, operator, action, contact_id, detail) VALUES ($1, $2, $3, $4, $5)', [at, operator, action, contactId, detail]);
    },
    auditTrail: ({ contactId, limit }) =>
      rows<AuditEntry>(
        `SELECT id, at, operator, action, contact_id AS "contactId", detail FROM operator_actions
          WHERE ($1::bigint IS NULL OR contact_id = $1) ORDER BY id DESC LIMIT $2`,
        [contactId ?? null, limit],
      ),
  };
}

const NOTE = 'id, contact_id AS "contactId", operator, text, created_at AS "createdAt"';

export function pgAnnotations(pool: pg.Pool): Annotations {
  const rows = async <T>(text: string, values: unknown[] = []) => (await pool.query(text, values)).rows as T[];
  const changed = async (text: string, values: unknown[]) => ((await pool.query(text, values)).rowCount ?? 0) > 0;
  return {
    async addNote({ contactId, operator, text, at }) {
      return (await rows<ContactNote>(`INSERT INTO contact_notes (contact_id, operator, text, created_at) VALUES ($1, $2, $3, $4) RETURNING ${NOTE}`, [contactId, operator, text, at]))[0]!;
    },
    notes: ({ contactId, since }) => rows<ContactNote>(`SELECT ${NOTE} FROM contact_notes WHERE contact_id = $1 AND created_at >= $2 ORDER BY id`, [contactId, since ?? 0]),
    addLabel: ({ contactId, label, operator, at }) =>
      changed('INSERT INTO contact_labels (contact_id, label, operator, created_at) VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING', [contactId, label, operator, at]),
    removeLabel: ({ contactId, label }) => changed('DELETE FROM contact_labels WHERE contact_id = $1 AND label = $2', [contactId, label]),
    labels: (contactId) => rows<ContactLabel>('SELECT label, operator, created_at AS "createdAt" FROM contact_labels WHERE contact_id = $1 ORDER BY label', [contactId]),
    async labelsOf(contactIds) {
      const byContact = new Map<number, string[]>();
      if (contactIds.length === 0) return byContact;
      const found = await rows<{ contactId: number; label: string }>(
        'SELECT contact_id AS "contactId", label FROM contact_labels WHERE contact_id = ANY($1::bigint[]) ORDER BY label',
        [contactIds],
      );
      for (const { contactId, label } of found) byContact.set(contactId, [...(byContact.get(contactId) ?? []), label]);
      return byContact;
    },
    contactsWithLabel: (label) =>
      rows<{ contactId: number; phone: string }>(
        `SELECT c.id AS "contactId", c.phone FROM contact_labels l JOIN contacts c ON c.id = l.contact_id
          WHERE l.label = $1 ORDER BY l.created_at DESC, c.id`,
        [label],
      ),
    allLabels: () => rows<{ label: string; contacts: number }>('SELECT label, count(*)::int AS contacts FROM contact_labels GROUP BY label ORDER BY label'),
  };
}
