// The PostgreSQL storage (DATABASE_URL): several instances on one database, every guarantee kept in the database.
import type { Logger } from '../../logger.js';
import type { Storage } from '../storage.js';
import { describeUrl } from '../database-url.js';
import { connectPostgres } from './connect.js';
import { forgetContact, recordDeletion, retentionBatch } from '../data-care.js';
import { runOnPostgres, type Dialect, type Steps } from '../steps.js';
import { describeTables } from '../tables.js';
import { pgConsoleReads } from './console-reads.js';
import { pgConversations } from './conversations.js';
import { pgKnowledge } from './knowledge.js';
import { pgOutbox } from './outbox.js';
import { pgReports } from './reports.js';
import { pgAccounts, pgAnnotations } from './operators.js';
import { pgTurns } from './turns.js';

export interface PostgresOptions {
  url: string;
  poolSize: number;
  /** REPLY_DEADLINE_MS: a message not answered within it (and a little more) no longer holds its customer's next one. */
  deadlineMs: number;
  logger: Logger;
  now?: () => number;
  /** See PoolOptions.connectTimeoutMs (the server: DATABASE_CONNECT_TIMEOUT_MS). */
  connectTimeoutMs?: number;
}

export async function openPostgresStorage(options: PostgresOptions): Promise<Storage> {
  const pool = await connectPostgres(options.url, {
    max: options.poolSize,
    ...(options.connectTimeoutMs && { connectTimeoutMs: options.connectTimeoutMs }),
    onError: (error) => options.logger.warn({ err: error.message }, 'a PostgreSQL connection failed; the pool opens another'),
  });
  const windowMs = options.deadlineMs + 1000;
  const run = async <T>(steps: (dialect: Dialect) => Steps<T>) => {
    const client = await pool.connect();
    try {
      return await runOnPostgres(client, steps);
    } finally {
      client.release();
    }
  };
  return {
    backend: 'postgres',
    location: describeUrl(options.url),
    conversations: pgConversations(pool, { claimMs: windowMs }),
    outbox: pgOutbox(pool),
    knowledge: pgKnowledge(pool),
    reports: pgReports(pool),
    console: pgConsoleReads(pool),
    settings: {
      async read(key) {
        const { rows } = await pool.query('SELECT value FROM settings WHERE key = $1', [key]);
        return (rows[0] as { value: string } | undefined)?.value;
      },
      async init(key, value) {
        await pool.query('INSERT INTO settings (key, value) VALUES ($1, $2) ON CONFLICT (key) DO NOTHING', [key, value]);
        const { rows } = await pool.query('SELECT value FROM settings WHERE key = $1', [key]);
        return (rows[0] as { value: string }).value;
      },
    },
    turns: pgTurns(pool, { staleMs: windowMs, claimMs: windowMs, pollMs: 20, now: options.now ?? Date.now }),
    data: {
      forgetContact: (input) => run(forgetContact(input)),
      retentionBatch: (input) => run(retentionBatch(input)),
      recordRetention: ({ at, messages }) => run(recordDeletion({ at, kind: 'retention', by: 'retention', messages })),
      tables: () => run(describeTables),
    },
    accounts: pgAccounts(pool),
    annotations: pgAnnotations(pool),
    close: () => pool.end(),
  };
}
