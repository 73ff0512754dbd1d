// A customer asks to be forgotten: `transcripts forget NUMBER` leaves nothing of theirs in any table nor in MEDIA_DIR,
// on both backends, while the server runs; what remains is that a deletion happened, when and by whom.
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runTranscripts } from '../src/cli/transcripts.js';
import { makeBotOn, tempDir, type TestBot } from './helpers/app.js';
import { textFrom } from './helpers/fixtures.js';
import { echoingModel, keptFiles, rowsHolding, seedCustomer } from './helpers/data-seed.js';
import { backends } from './helpers/postgres.js';

const ANA = '6281211110001';
const BUDI = '6281211110002';
const NOW = Date.UTC(2026, 10, 24, 9);

async function transcripts(where: string, argv: string[], ask?: (question: string) => Promise<string>) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runTranscripts([...argv, '--db', where], {
    out: (t) => out.push(t),
    err: (t) => err.push(t),
    settings: { DATABASE_PATH: where, HANDOFF_HOURS: 24 },
    now: NOW,
    ...(ask && { ask }),
  });
  return { code, out: out.join('\n'), err: err.join('\n') };
}

/** Runs statements as they are on either backend. */
async function sql(bot: { databaseUrl: string | null }, statements: string[]) {
  if (!bot.databaseUrl) {
    for (const statement of statements) (bot as unknown as TestBot).db.$client.exec(statement);
    return;
  }
  const pg = (await import('pg')).default;
  const client = new pg.Client({ connectionString: bot.databaseUrl });
  await client.connect();
  try {
    for (const statement of statements) await client.query(statement);
  } finally {
    await client.end();
  }
}

describe.each(backends)('forgetting a customer on %s', (backend) => {
  async function seeded() {
    echoingModel();
    const mediaDir = join(tempDir(), 'media');
    const bot = await makeBotOn(backend, { now: () => NOW });
    const where = bot.databaseUrl ?? (bot as unknown as TestBot).dbPath;
    const ana = await seedCustomer(bot, { phone: ANA, secret: 'MELATI-7731', mediaDir, at: NOW });
    const budi = await seedCustomer(bot, { phone: BUDI, secret: 'KENANGA-5519', mediaDir, at: NOW });
    const scan = (needles: string[]) => rowsHolding(bot.databaseUrl ? { url: bot.databaseUrl } : { sqlite: (bot as unknown as TestBot).db }, needles);
    return { bot, where, ana, budi, mediaDir, scan };
  }

  it('leaves no row holding their number or their words, and no file of theirs, while the server runs; the other customer is whole', async () => {
    const { bot, where, ana, budi, mediaDir, scan } = await seeded();
    // Tables another part of the program may add later (a console's notes on a customer, tool calls of a reply):
    // forget knows nothing of them but what they point at.
    const contactId = (await bot.storage.conversations.contactByPhone(ANA))!.id;
    const [firstMessage] = await bot.storage.reports.transcriptRows({ phone: ANA });
    await sql(bot, [
      'CREATE TABLE notes (id integer PRIMARY KEY, contact_id bigint NOT NULL REFERENCES contacts(id), body text NOT NULL)',
      'CREATE TABLE tool_calls (id integer PRIMARY KEY, message_id bigint NOT NULL, arguments text NOT NULL)',
      `INSERT INTO notes (id, contact_id, body) VALUES (1, ${contactId}, 'prefers ${ana.secret} delivery')`,
      `INSERT INTO tool_calls (id, message_id, arguments) VALUES (1, ${firstMessage!.id}, '{"to":"${ANA}"}')`,
    ]);
    // Before: the scan does find them (so that "nothing found" afterwards means something).
    expect((await scan([ANA, ana.secret])).length).toBeGreaterThan(5);

    const { code, out } = await transcripts(where, ['forget', ANA, '--yes', '--by', 'Sari']);
    expect(code).toBe(0);
    expect(out).toMatch(/Forgotten: 6281211110001: 5 messages, 2 events and 1 kept files deleted\./);

    expect(await scan([ANA, ana.secret])).toEqual([]);
    expect(keptFiles(mediaDir)).toEqual([budi.file.slice(mediaDir.length + 1)]);
    // Budi is untouched, and the server still answers him and Ana (who starts afresh).
    expect((await scan([budi.secret])).length).toBeGreaterThan(3);
    expect((await bot.storage.reports.transcriptRows({ phone: BUDI })).length).toBe(5);
    expect((await bot.post(textFrom(ANA, 'hello again'))).status).toBe(200);
    expect((await bot.storage.reports.transcriptRows({ phone: ANA })).map((r) => r.direction)).toEqual(['in', 'out']);
  });

  it('records that a deletion happened, when and by whom, and nothing of theirs', async () => {
    const { bot, where } = await seeded();
    await transcripts(where, ['forget', ANA, '--yes', '--by', 'Sari']);
    const tables = await bot.storage.data.tables();
    expect(tables.map((t) => t.name)).toContain('deletions');
    const deletion = bot.databaseUrl
      ? (await (async () => {
          const pg = (await import('pg')).default;
          const client = new pg.Client({ connectionString: bot.databaseUrl! });
          await client.connect();
          try {
            return (await client.query('SELECT at::float8 AS at, kind, requested_by AS "by", messages::int AS messages FROM deletions')).rows;
          } finally {
            await client.end();
          }
        })())
      : (bot as unknown as TestBot).db.$client.prepare('SELECT at, kind, requested_by AS by, messages FROM deletions').all();
    expect(deletion).toEqual([{ at: NOW, kind: 'forget', by: 'Sari (transcripts forget)', messages: 5 }]);
  });

  it('asks on a terminal (the number typed again), needs --yes elsewhere, and never guesses the number', async () => {
    const { bot, where } = await seeded();
    const refused = await transcripts(where, ['forget', ANA]);
    expect(refused.code).toBe(1);
    expect(refused.err).toMatch(/add --yes\. Nothing was deleted/);
    const wrongAnswer = await transcripts(where, ['forget', ANA], async () => 'y');
    expect(wrongAnswer.out).toBe('Not confirmed: nothing was deleted.');
    // "628121111000 1" reads as Ana's 6281211110001, or as 628121111000 (another customer) and a stray word.
    expect((await bot.post(textFrom('628121111000', 'hi'))).status).toBe(200);
    const ambiguous = await transcripts(where, ['forget', '628121111000', '1', '--yes']);
    expect(ambiguous.code).toBe(1);
    expect(ambiguous.err).toMatch(/can be read as 628121111000 or 6281211110001|can be read as 6281211110001 or 628121111000/);
    expect((await bot.storage.reports.transcriptRows({ phone: ANA })).length).toBe(5);
    const asked: string[] = [];
    const confirmed = await transcripts(where, ['forget', ANA], async (question) => {
      asked.push(question);
      return ANA;
    });
    expect(asked[0]).toMatch(/Delete everything of 6281211110001, for good\? Type the number again/);
    expect(confirmed.code).toBe(0);
    expect(await bot.storage.conversations.contactByPhone(ANA)).toBeNull();
  });
});
