// `npm run db -- copy --from data/bot.db --to postgres://…`: everything moves (the webhook secret too), counts are
// checked, the knowledge index is rebuilt; a database with conversations is refused. Tables added later are copied
// without new code: here one made up for the test.
import { join } from 'node:path';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { runDb } from '../src/cli/db.js';
import { silentLogger } from '../src/logger.js';
import { openPostgresStorage } from '../src/store/pg/storage.js';
import { copyPrompts, makeBot, makeBotOn, tempDir } from './helpers/app.js';
import { echoingModel, seedCustomer } from './helpers/data-seed.js';
import { textFrom } from './helpers/fixtures.js';
import { freshPostgresDatabase, postgresUrl } from './helpers/postgres.js';

const ANA = '6281244440001';
const BUDI = '6281244440002';
const AT = Date.UTC(2026, 10, 24, 9);

async function db(argv: string[], settings: { DATABASE_PATH: string; PROMPTS_DIR: string }) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runDb(argv, { out: (t) => out.push(t), err: (t) => err.push(t), settings: { MEDIA_DIR: '/srv/bot/media', ...settings } });
  return { code, out: out.join('\n'), err: err.join('\n') };
}

async function sqliteWithEverything() {
  echoingModel();
  const dbPath = join(tempDir(), 'bot.db');
  const bot = makeBot({ dbPath, now: () => AT });
  await seedCustomer(bot, { phone: ANA, secret: 'ANA', mediaDir: join(tempDir(), 'media'), at: AT });
  await seedCustomer(bot, { phone: BUDI, secret: 'BUDI', mediaDir: join(tempDir(), 'media'), at: AT });
  const budi = (await bot.storage.conversations.contactByPhone(BUDI))!;
  await bot.storage.conversations.startHandoff({ contactId: budi.id, reason: 'refund', at: AT, countsFrom: AT, withinHours: null });
  await bot.storage.settings.init('webhook_secret', 'the-sqlite-secret-0123456789abcdef');
  // A table another part of the program may add later (a console's notes): the copy knows nothing of it.
  bot.db.$client.exec(`CREATE TABLE notes (id integer PRIMARY KEY, contact_id integer NOT NULL REFERENCES contacts(id), body text NOT NULL, pinned integer)`);
  bot.db.$client.prepare('INSERT INTO notes (contact_id, body, pinned) VALUES (?, ?, 1)').run(budi.id, 'called back on Monday');
  const rows = await bot.storage.reports.transcriptRows({});
  await bot.close();
  return { dbPath, rows };
}

async function query(url: string, sql: string) {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query(sql)).rows;
  } finally {
    await client.end();
  }
}

describe.runIf(postgresUrl)('copy from SQLite to PostgreSQL', () => {
  it('copies everything into a database a server started on (no message yet): the SQLite secret wins, counts match, knowledge is indexed', async () => {
    const { dbPath, rows } = await sqliteWithEverything();
    const url = await freshPostgresDatabase();
    // A server started on it once: tables made, its own secret stored, no message.
    const started = await openPostgresStorage({ url, poolSize: 2, deadlineMs: 2000, logger: silentLogger });
    await started.settings.init('webhook_secret', 'a-postgres-secret-0123456789abcdef');
    await started.close();
    await query(url, 'CREATE TABLE notes (id bigserial PRIMARY KEY, contact_id bigint NOT NULL REFERENCES contacts(id), body text NOT NULL, pinned boolean)');

    const prompts = copyPrompts();
    const { code, out, err } = await db(['copy', '--from', dbPath, '--to', url], { DATABASE_PATH: 'unused.db', PROMPTS_DIR: prompts });
    expect(err).toBe('');
    expect(code).toBe(0);
    expect(out).toMatch(/Copied, and the counts match: .*contacts 2, .*messages 10, .*notes 1, .*outbox 2/);
    expect(out).toMatch(/Replaced what a server had stored there before any message \(settings 1\): the SQLite file's webhook secret and settings win/);
    expect(out).toMatch(/Knowledge index rebuilt/);
    expect(out).toMatch(/Kept files were not moved: they stay in MEDIA_DIR \(\/srv\/bot\/media\)/);
    expect(out).not.toContain(new URL(url).password || 'never');

    const moved = await makeBotOn('postgres', { databaseUrl: url, now: () => AT + 60_000 });
    expect(await moved.storage.reports.transcriptRows({})).toEqual(rows);
    expect(await moved.storage.settings.read('webhook_secret')).toBe('the-sqlite-secret-0123456789abcdef');
    expect((await moved.storage.conversations.contactByPhone(BUDI))!.handoff).toMatchObject({ reason: 'refund', at: AT });
    expect(await query(url, 'SELECT body, pinned FROM notes')).toEqual([{ body: 'called back on Monday', pinned: true }]);
    expect(Number((await query(url, 'SELECT count(*) AS n FROM knowledge'))[0].n)).toBeGreaterThan(0);
    // New rows get new ids after the copied ones.
    expect((await moved.post(textFrom('6281244440003', 'hello after the move'))).status).toBe(200);
    expect((await moved.storage.reports.transcriptRows({})).length).toBe(12);
  });

  it('refuses a database that already has conversations, and changes nothing', async () => {
    const { dbPath } = await sqliteWithEverything();
    echoingModel();
    const busy = await makeBotOn('postgres', { now: () => AT });
    await busy.post(textFrom('6281299990000', 'I was here first'));
    const { code, err } = await db(['copy', '--from', dbPath, '--to', busy.databaseUrl!], { DATABASE_PATH: 'unused.db', PROMPTS_DIR: copyPrompts() });
    expect(code).toBe(1);
    expect(err).toMatch(/already has conversations \(1 contacts, 2 messages\).*Nothing was copied/);
    expect((await busy.storage.reports.transcriptRows({})).map((r) => r.phone)).toEqual(['6281299990000', '6281299990000']);
  });
});
