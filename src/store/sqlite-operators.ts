// Accounts, sessions, the sign-in throttle, the audit, notes and labels on SQLite (see operators.ts).
import type { Db } from './db.js';
import type { AccountStore, Annotations, AuditEntry, ContactLabel, ContactNote, Operator, OperatorAccount, OperatorListing } from './operators.js';

export function sqliteAccounts(db: Db): AccountStore {
  const sql = db.$client;
  return {
    async add({ name, passwordHash, at }) {
      const row = sql
        .prepare('INSERT INTO operators (name, password_hash, created_at) VALUES (?, ?, ?) ON CONFLICT (name) DO NOTHING RETURNING id, name')
        .get(name, passwordHash, at) as Operator | undefined;
      return row ?? null;
    },
    async byName(name) {
      const row = sql
        .prepare('SELECT id, name, password_hash AS passwordHash, created_at AS createdAt FROM operators WHERE name = ?')
        .get(name) as OperatorAccount | undefined;
      return row ?? null;
    },
    async list() {
      return sql
        .prepare(
          `SELECT o.id, o.name, o.created_at AS createdAt, max(s.last_seen_at) AS lastSeenAt, count(s.id_hash) AS sessions
             FROM operators o LEFT JOIN operator_sessions s ON s.operator_id = o.id
            GROUP BY o.id ORDER BY o.name`,
        )
        .all() as OperatorListing[];
    },
    async count() {
      return (sql.prepare('SELECT count(*) AS n FROM operators').get() as { n: number }).n;
    },
    async remove(name) {
      return sql.transaction(() => {
        sql.prepare('DELETE FROM operator_sessions WHERE operator_id IN (SELECT id FROM operators WHERE name = ?)').run(name);
        return sql.prepare('DELETE FROM operators WHERE name = ?').run(name).changes > 0;
      })();
    },
    async setPassword(name, passwordHash) {
      return sql.transaction(() => {
        sql.prepare('DELETE FROM operator_sessions WHERE operator_id IN (SELECT id FROM operators WHERE name = ?)').run(name);
        return sql.prepare('UPDATE operators SET password_hash = ? WHERE name = ?').run(passwordHash, name).changes > 0;
      })();
    },
    async createSession({ idHash, operatorId, at }) {
      sql.prepare('INSERT INTO operator_sessions (id_hash, operator_id, created_at, last_seen_at) VALUES (?, ?, ?, ?)').run(idHash, operatorId, at, at);
    },
    async useSession({ idHash, now, idleSince, touchBefore }) {
      const row = sql
        .prepare(
          `SELECT o.id, o.name, s.last_seen_at AS lastSeenAt FROM operator_sessions s JOIN operators o ON o.id = s.operator_id
            WHERE s.id_hash = ? AND s.last_seen_at > ?`,
        )
        .get(idHash, idleSince) as { id: number; name: string; lastSeenAt: number } | undefined;
      if (!row) {
        sql.prepare('DELETE FROM operator_sessions WHERE id_hash = ?').run(idHash);
        return null;
      }
      if (row.lastSeenAt < touchBefore) sql.prepare('UPDATE operator_sessions SET last_seen_at = max(last_seen_at, ?) WHERE id_hash = ?').run(now, idHash);
      return { id: row.id, name: row.name };
    },
    async endSession(idHash) {
      sql.prepare('DELETE FROM operator_sessions WHERE id_hash = ?').run(idHash);
    },
    async recordFailure({ keys, at, forgetBefore }) {
      sql.transaction(() => {
        const insert = sql.prepare('INSERT INTO sign_in_failures (key, at) VALUES (?, ?)');
        for (const key of keys) insert.run(key, at);
        sql.prepare('DELETE FROM sign_in_failures WHERE at < ?').run(forgetBefore);
      })();
    },
    async failuresSince({ keys, since }) {
      const count = sql.prepare('SELECT count(*) AS n FROM sign_in_failures WHERE key = ? AND at >= ?');
      return new Map(keys.map((key) => [key, (count.get(key, since) as { n: number }).n]));
    },
    async clearFailures(key) {
      sql.prepare('DELETE FROM sign_in_failures WHERE key = ?').run(key);
    },
    async audit({ at, operator, action, contactId, detail }) {
      sql.prepare('INSERT INTO operator_actions (at, operator, action, contact_id, detail) VALUES (?, ?, ?, ?, ?)').run(at, operator, action, contactId, detail);
    },
    async auditTrail({ contactId, limit }) {
      return sql
        .prepare(
          `SELECT id, at, operator, action, contact_id AS contactId, detail FROM operator_actions
            WHERE (@contactId IS NULL OR contact_id = @contactId) ORDER BY id DESC LIMIT @limit`,
        )
        .all({ contactId: contactId ?? null, limit }) as AuditEntry[];
    },
  };
}

export function sqliteAnnotations(db: Db): Annotations {
  const sql = db.$client;
  return {
    async addNote({ contactId, operator, text, at }) {
      return sql
        .prepare(
          `INSERT INTO contact_notes (contact_id, operator, text, created_at) VALUES (?, ?, ?, ?)
           RETURNING id, contact_id AS contactId, operator, text, created_at AS createdAt`,
        )
        .get(contactId, operator, text, at) as ContactNote;
    },
    async notes({ contactId, since }) {
      return sql
        .prepare(
          `SELECT id, contact_id AS contactId, operator, text, created_at AS createdAt FROM contact_notes
            WHERE contact_id = ? AND created_at >= ? ORDER BY id`,
        )
        .all(contactId, since ?? 0) as ContactNote[];
    },
    async addLabel({ contactId, label, operator, at }) {
      return sql.prepare('INSERT INTO contact_labels (contact_id, label, operator, created_at) VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING').run(contactId, label, operator, at).changes > 0;
    },
    async removeLabel({ contactId, label }) {
      return sql.prepare('DELETE FROM contact_labels WHERE contact_id = ? AND label = ?').run(contactId, label).changes > 0;
    },
    async labels(contactId) {
      return sql.prepare('SELECT label, operator, created_at AS createdAt FROM contact_labels WHERE contact_id = ? ORDER BY label').all(contactId) as ContactLabel[];
    },
    async labelsOf(contactIds) {
      const byContact = new Map<number, string[]>();
      if (contactIds.length === 0) return byContact;
      const rows = sql
        .prepare('SELECT contact_id AS contactId, label FROM contact_labels WHERE contact_id IN (SELECT value FROM json_each(?)) ORDER BY label')
        .all(JSON.stringify(contactIds)) as { contactId: number; label: string }[];
      for (const { contactId, label } of rows) byContact.set(contactId, [...(byContact.get(contactId) ?? []), label]);
      return byContact;
    },
    async contactsWithLabel(label) {
      return sql
        .prepare(
          `SELECT c.id AS contactId, c.phone FROM contact_labels l JOIN contacts c ON c.id = l.contact_id
            WHERE l.label = ? ORDER BY l.created_at DESC, c.id`,
        )
        .all(label) as { contactId: number; phone: string }[];
    },
    async allLabels() {
      return sql.prepare('SELECT label, count(*) AS contacts FROM contact_labels GROUP BY label ORDER BY label').all() as { label: string; contacts: number }[];
    },
  };
}
