// The tests' PostgreSQL server (started by test/postgres-cluster.ts): a fresh database per caller, so that tests
// never see each other's rows.
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { inject } from 'vitest';

export type Backend = 'sqlite' | 'postgres';

export const postgresUrl: string | null = inject('postgresUrl');

/** The backends this machine can test: both where PostgreSQL is installed, else SQLite alone. */
export const backends: Backend[] = postgresUrl ? ['sqlite', 'postgres'] : ['sqlite'];

/** Opening a PostgreSQL connection on a machine other programs keep busy: the server's 3 s is a webhook's bound, not a test's. */
export const BUSY_MACHINE_CONNECT_MS = 30_000;

/** A new, empty database on the tests' server; its URL. */
export async function freshPostgresDatabase(): Promise<string> {
  if (!postgresUrl) throw new Error('PostgreSQL is not available on this machine');
  const name = `bot_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: postgresUrl });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE ${name}`);
  } finally {
    await admin.end();
  }
  const url = new URL(postgresUrl);
  url.pathname = `/${name}`;
  return url.toString();
}
