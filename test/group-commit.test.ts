// SQLite's group commit: the writes of one event-loop turn share a transaction, and each caller hears its own outcome.
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openDatabase } from '../src/store/db.js';
import { groupCommit } from '../src/store/group-commit.js';
import { tempDir } from './helpers/app.js';

describe('group commit', () => {
  it('writes asked for together share one transaction; a failing one fails only its caller', async () => {
    const db = openDatabase(join(tempDir(), 'bot.db'));
    const commit = groupCommit(db);
    const insert = db.$client.prepare("insert into contacts (phone, jid, first_seen_at, last_seen_at) values (?, '', 0, 0)");
    const seen: { phone: string; inTransaction: boolean }[] = [];
    const write = (phone: string) => () => {
      seen.push({ phone, inTransaction: db.$client.inTransaction });
      return Number(insert.run(phone).lastInsertRowid);
    };
    const results = await Promise.allSettled([commit(write('6281')), commit(write('6281')), commit(write('6282'))]);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect(String((results[1] as PromiseRejectedResult).reason)).toMatch(/UNIQUE/);
    expect(seen.every((s) => s.inTransaction)).toBe(true);
    expect(db.$client.prepare('select phone from contacts order by id').all()).toEqual([{ phone: '6281' }, { phone: '6282' }]);
    db.$client.close();
  });

  it('a commit that fails rejects every write of its batch, and nothing of it is stored', async () => {
    const db = openDatabase(join(tempDir(), 'bot.db'));
    const commit = groupCommit(db);
    const insert = db.$client.prepare("insert into contacts (phone, jid, first_seen_at, last_seen_at) values (?, '', 0, 0)");
    // A deferred foreign-key violation is only found at COMMIT, as a full disk would be.
    db.$client.pragma('defer_foreign_keys = ON');
    const orphan = db.$client.prepare("insert into messages (contact_id, direction, kind, created_at) values (999, 'in', 'text', 0)");
    const results = await Promise.allSettled([commit(() => insert.run('6283')), commit(() => orphan.run())]);
    expect(results.map((r) => r.status)).toEqual(['rejected', 'rejected']);
    expect(db.$client.prepare('select count(*) n from contacts').get()).toEqual({ n: 0 });
    db.$client.close();
  });
});
