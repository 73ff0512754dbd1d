// Moving from SQLite to PostgreSQL: every table of the SQLite file (as its catalogue lists them, so that a table added
// later is copied without new code: it needs only to exist on both sides, which each dialect's migrations make sure
// of) is copied row by row into the table of the same name, in one transaction, and the counts are compared after.
// SQLite's full-text knowledge index is not copied: PostgreSQL's is rebuilt from prompts/knowledge.
import Database from 'better-sqlite3';
import type pg from 'pg';
import { silentLogger } from '../logger.js';
import { createKnowledgeBase } from '../knowledge/knowledge-base.js';
import { openDatabase } from '../store/db.js';
import { KNOWLEDGE_VERSION_KEY } from '../store/knowledge.js';
import { connectPostgres } from '../store/pg/connect.js';
import { pgKnowledge } from '../store/pg/knowledge.js';
import { holdServerLock } from '../store/server-lock.js';
import { runOnPostgres, quoted } from '../store/steps.js';
import { describeTables, inDependencyOrder, type Table } from '../store/tables.js';
import { withoutNul } from '../util/nul.js';
import { DataError } from './sqlite-backup.js';

/** Rows per INSERT: one JSON parameter each, so the statement's size, not its parameter count, is the bound. */
const BATCH = 2000;

export interface CopyResult {
  /** Rows copied per table, checked equal on both sides. */
  counts: Record<string, number>;
  /** Knowledge sections indexed on PostgreSQL, or null when the prompts folder has no knowledge/. */
  knowledgeIndexed: boolean;
  /** Rows the target held that the copy replaced (a server started on it stored settings: its webhook secret). */
  replaced: Record<string, number>;
}

/** The SQLite index's version means nothing on PostgreSQL, whose index is built from the files (here, or at start). */
const onlyCopied = (table: string) => (table === 'settings' ? `WHERE key <> '${KNOWLEDGE_VERSION_KEY}'` : '');

function valueFor(value: unknown, type: string): unknown {
  if (value === null || value === undefined) return null;
  if (type === 'boolean') return Boolean(value);
  if (typeof value === 'string') return withoutNul(value);
  if (typeof value === 'bigint') return Number(value);
  return value;
}

export async function copySqliteToPostgres(input: { from: string; to: string; knowledgeDir: string; progress?: (table: string, rows: number) => void }): Promise<CopyResult> {
  let lock;
  try {
    lock = holdServerLock(input.from);
  } catch (error) {
    if (/already running/.test((error as Error).message)) {
      throw new DataError(`a server is running on ${input.from}: stop it first, so that no message arrives there during or after the copy. Nothing was copied.`);
    }
    throw error;
  }
  // Opened as the server opens it: an older file is brought up to this version's tables first.
  const sqlite = openDatabase(input.from);
  const pool = await connectPostgres(input.to, { max: 2, onError: () => {} });
  try {
    const client = await pool.connect();
    try {
      return await copyOn(sqlite.$client, client, pool, input);
    } finally {
      client.release();
    }
  } finally {
    await pool.end();
    sqlite.$client.close();
    lock.release();
  }
}

async function copyOn(sqlite: Database.Database, client: pg.PoolClient, pool: pg.Pool, input: { knowledgeDir: string; progress?: (table: string, rows: number) => void }): Promise<CopyResult> {
  const { rows: held } = await client.query('SELECT (SELECT count(*) FROM contacts) AS contacts, (SELECT count(*) FROM messages) AS messages');
  if (Number(held[0].contacts) > 0 || Number(held[0].messages) > 0) {
    throw new DataError(`the PostgreSQL database already has conversations (${held[0].contacts} contacts, ${held[0].messages} messages): the copy goes only into a database without any, so that nothing is mixed or lost. Nothing was copied.`);
  }
  const sourceTables = sqliteTables(sqlite);
  const targetTables = await runOnPostgres(client, describeTables);
  const plan = inDependencyOrder(sourceTables).map((table) => {
    const target = targetTables.find((t) => t.name === table.name);
    if (!target) throw new DataError(`the table ${table.name} of the SQLite file has no counterpart in PostgreSQL: run the same version of the program on both. Nothing was copied.`);
    const columns = table.columns.map((column) => {
      const there = target.columns.find((c) => c.name === column.name);
      if (!there) throw new DataError(`the column ${table.name}.${column.name} of the SQLite file has no counterpart in PostgreSQL: run the same version of the program on both. Nothing was copied.`);
      return there;
    });
    return { name: table.name, columns };
  });
  const counts: Record<string, number> = {};
  const replaced: Record<string, number> = {};
  await client.query('BEGIN');
  try {
    for (const table of [...plan].reverse()) {
      const { rowCount } = await client.query(`DELETE FROM ${quoted(table.name)}`);
      if (rowCount) replaced[table.name] = rowCount;
    }
    for (const table of plan) {
      const names = table.columns.filter((c) => !c.generated);
      const list = names.map((c) => quoted(c.name)).join(', ');
      const insert = `INSERT INTO ${quoted(table.name)} (${list}) SELECT ${list} FROM json_populate_recordset(NULL::${quoted(table.name)}, $1)`;
      let batch: Record<string, unknown>[] = [];
      let copied = 0;
      const flush = async () => {
        if (batch.length === 0) return;
        await client.query(insert, [JSON.stringify(batch)]);
        copied += batch.length;
        input.progress?.(table.name, copied);
        batch = [];
      };
      for (const row of sqlite.prepare(`SELECT * FROM ${quoted(table.name)} ${onlyCopied(table.name)}`).iterate() as Iterable<Record<string, unknown>>) {
        batch.push(Object.fromEntries(names.map((c) => [c.name, valueFor(row[c.name], c.type)])));
        if (batch.length >= BATCH) await flush();
      }
      await flush();
      counts[table.name] = copied;
    }
    // Ids were copied as they were: each sequence goes on after the highest.
    const { rows: sequences } = await client.query(
      `SELECT table_name AS t, column_name AS c FROM information_schema.columns WHERE table_schema = current_schema() AND column_default LIKE 'nextval(%'`,
    );
    for (const { t, c } of sequences as { t: string; c: string }[]) {
      if (!(t in counts)) continue;
      await client.query(`SELECT setval(pg_get_serial_sequence($1, $2), coalesce((SELECT max(${quoted(c)}) FROM ${quoted(t)}), 0) + 1, false)`, [t, c]);
    }
    await client.query('COMMIT');
  } catch (error) {
    await client.query('ROLLBACK').catch(() => {});
    throw error;
  }
  for (const table of plan) {
    const { rows } = await client.query(`SELECT count(*) AS n FROM ${quoted(table.name)} ${onlyCopied(table.name)}`);
    const there = Number(rows[0].n);
    const here = (sqlite.prepare(`SELECT count(*) AS n FROM ${quoted(table.name)} ${onlyCopied(table.name)}`).get() as { n: number }).n;
    if (there !== here) throw new DataError(`the counts differ after the copy: ${table.name} has ${here} rows in SQLite and ${there} in PostgreSQL`);
  }
  const knowledge = createKnowledgeBase({ index: pgKnowledge(pool), dir: input.knowledgeDir, logger: silentLogger, recheckMs: 0 });
  await knowledge.refresh();
  const { rows: sections } = await client.query('SELECT count(*) AS n FROM knowledge');
  return { counts, replaced, knowledgeIndexed: Number(sections[0].n) > 0 };
}

/** The SQLite file's tables, as tables.ts reads them (run here outside a write transaction: the file is only read). */
function sqliteTables(sqlite: Database.Database): Table[] {
  const work = describeTables('sqlite');
  let next = work.next();
  while (!next.done) next = work.next(sqlite.prepare(next.value.sql).all(...(next.value.params ?? [])) as Record<string, unknown>[]);
  return next.value;
}
