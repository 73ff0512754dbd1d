// Group commit for SQLite: the writes asked for during one turn of the event loop share one transaction. Each
// commit appends every page it changed to the WAL; under load many messages change the same few pages (the end of
// the messages table and its indexes), so one commit for all of them writes those pages once instead of once per
// message (profiled: commits were the largest single cost per message). Every caller still waits for the commit
// that holds its write, so "every 200 is stored with its reply" is unchanged.
import { statements } from './statements.js';
import type { Db } from './db.js';

interface Pending {
  work: () => unknown;
  resolve: (value: unknown) => void;
  reject: (error: unknown) => void;
}

export type GroupCommit = <T>(work: () => T) => Promise<T>;

export function groupCommit(db: Db): GroupCommit {
  let pending: Pending[] = [];

  function flush() {
    const batch = pending;
    pending = [];
    const outcomes: { ok: boolean; value: unknown }[] = [];
    try {
      statements(db).transaction(() => {
        for (const item of batch) {
          // One failed write (its own savepoint rolled back) fails its caller only, not the others in the batch.
          try {
            outcomes.push({ ok: true, value: item.work() });
          } catch (error) {
            outcomes.push({ ok: false, value: error });
          }
        }
      });
    } catch (error) {
      // The commit itself failed (a full disk): nothing of the batch is stored, and every caller hears so.
      for (const item of batch) item.reject(error);
      return;
    }
    batch.forEach((item, i) => (outcomes[i]!.ok ? item.resolve(outcomes[i]!.value) : item.reject(outcomes[i]!.value)));
  }

  return <T>(work: () => T) =>
    new Promise<T>((resolve, reject) => {
      pending.push({ work, resolve: resolve as (value: unknown) => void, reject });
      if (pending.length === 1) setImmediate(flush);
    });
}
