// The tables the database holds, read from its own catalogue rather than written down here: backups, the copy to
// PostgreSQL, forgetting a customer and retention then cover every table, those added later included, without new
// code. A table that holds a customer's data is found by what it points at: a foreign key to `contacts` or
// `messages`, or, without one, a column named contact_id or message_id / message_row_id.
import type { Dialect, Steps } from './steps.js';

export interface Column {
  name: string;
  /** As the database names it, lower case: text, integer, boolean, bigint… */
  type: string;
  /** Computed by the database (PostgreSQL's GENERATED ALWAYS): never written. */
  generated: boolean;
}

export interface Table {
  name: string;
  columns: Column[];
  /** Column → the table it points at. */
  references: Map<string, string>;
}

/** Drizzle's own bookkeeping, and SQLite's full-text index (virtual, rebuilt from prompts/knowledge by the server). */
const SQLITE_SKIPPED = `m.name NOT LIKE 'sqlite\\_%' ESCAPE '\\' AND m.name NOT LIKE '\\_\\_drizzle%' ESCAPE '\\'
  AND m.name NOT IN (SELECT v.name FROM sqlite_master v WHERE v.sql LIKE 'CREATE VIRTUAL TABLE%')
  AND NOT EXISTS (SELECT 1 FROM sqlite_master v WHERE v.sql LIKE 'CREATE VIRTUAL TABLE%' AND m.name LIKE v.name || '\\_%' ESCAPE '\\')`;

export function* describeTables(dialect: Dialect): Steps<Table[]> {
  const tables = new Map<string, Table>();
  const table = (name: string) => tables.get(name) ?? tables.set(name, { name, columns: [], references: new Map() }).get(name)!;
  if (dialect === 'sqlite') {
    const columns = yield {
      sql: `SELECT m.name AS tbl, p.name AS col, lower(p.type) AS type FROM sqlite_master m, pragma_table_info(m.name) p
             WHERE m.type = 'table' AND ${SQLITE_SKIPPED} ORDER BY m.name, p.cid`,
    };
    for (const c of columns) table(String(c.tbl)).columns.push({ name: String(c.col), type: String(c.type), generated: false });
    const keys = yield {
      sql: `SELECT m.name AS tbl, f."from" AS col, f."table" AS ref FROM sqlite_master m, pragma_foreign_key_list(m.name) f
             WHERE m.type = 'table' AND ${SQLITE_SKIPPED}`,
    };
    for (const k of keys) tables.get(String(k.tbl))?.references.set(String(k.col), String(k.ref));
  } else {
    const columns = yield {
      sql: `SELECT c.table_name AS tbl, c.column_name AS col, c.data_type AS type, c.is_generated = 'ALWAYS' AS generated
              FROM information_schema.columns c JOIN information_schema.tables t ON t.table_schema = c.table_schema AND t.table_name = c.table_name
             WHERE t.table_schema = current_schema() AND t.table_type = 'BASE TABLE' ORDER BY c.table_name, c.ordinal_position`,
    };
    for (const c of columns) table(String(c.tbl)).columns.push({ name: String(c.col), type: String(c.type).toLowerCase(), generated: Boolean(c.generated) });
    const keys = yield {
      sql: `SELECT cl.relname AS tbl, a.attname AS col, rf.relname AS ref FROM pg_constraint co
              JOIN pg_class cl ON cl.oid = co.conrelid JOIN pg_class rf ON rf.oid = co.confrelid
              JOIN pg_attribute a ON a.attrelid = co.conrelid AND a.attnum = co.conkey[1]
             WHERE co.contype = 'f' AND cl.relnamespace = current_schema()::regnamespace`,
    };
    for (const k of keys) tables.get(String(k.tbl))?.references.set(String(k.col), String(k.ref));
  }
  return [...tables.values()];
}

const BY_NAME: Record<string, string> = { contact_id: 'contacts', message_id: 'messages', message_row_id: 'messages' };

/** The columns of other tables that point at rows of `target` ('contacts' or 'messages'). */
export function pointersTo(tables: Table[], target: 'contacts' | 'messages'): { table: string; column: string }[] {
  const found: { table: string; column: string }[] = [];
  for (const t of tables) {
    if (t.name === target) continue;
    for (const column of t.columns) {
      const points = t.references.get(column.name) ?? BY_NAME[column.name];
      if (points === target) found.push({ table: t.name, column: column.name });
    }
  }
  return found;
}

/** The tables in an order where each comes after the tables it points at (for copying rows). */
export function inDependencyOrder(tables: Table[]): Table[] {
  const done = new Set<string>();
  const ordered: Table[] = [];
  const visit = (t: Table, path: Set<string>) => {
    if (done.has(t.name) || path.has(t.name)) return;
    path.add(t.name);
    for (const ref of t.references.values()) {
      const target = tables.find((other) => other.name === ref);
      if (target && target !== t) visit(target, path);
    }
    done.add(t.name);
    ordered.push(t);
  };
  for (const t of [...tables].sort((a, b) => a.name.localeCompare(b.name))) visit(t, new Set());
  return ordered;
}
