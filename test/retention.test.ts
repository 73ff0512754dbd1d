// RETENTION_DAYS: old messages, events and kept files go, a small batch at a time, by one instance at a time; a
// conversation waiting for a human keeps everything; `transcripts stats` keeps the totals of the days deleted.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { describe, expect, it, vi } from 'vitest';
import { retentionPass, scheduleRetention } from '../src/data/retention.js';
import { loadConfig } from '../src/config.js';
import { silentLogger } from '../src/logger.js';
import { makeBotOn, tempDir } from './helpers/app.js';
import { echoingModel, keptFiles, seedCustomer } from './helpers/data-seed.js';
import { textFrom } from './helpers/fixtures.js';
import { backends } from './helpers/postgres.js';

const DAY = 86_400_000;
const T0 = Date.UTC(2026, 9, 1, 9);
const NOW = T0 + 40 * DAY;
const OLD = '6281222220001';
const WAITING = '6281222220002';
const RECENT = '6281222220003';

async function seeded(backend: (typeof backends)[number]) {
  echoingModel();
  let time = T0;
  const mediaDir = join(tempDir(), 'media');
  const bot = await makeBotOn(backend, { now: () => time });
  const old = await seedCustomer(bot, { phone: OLD, secret: 'OLD', mediaDir, at: T0 });
  const waiting = await seedCustomer(bot, { phone: WAITING, secret: 'WAITING', mediaDir, at: T0 });
  time = NOW - 3_600_000;
  // An operator took WAITING's conversation over an hour ago: in force for HANDOFF_HOURS (24).
  const contact = (await bot.storage.conversations.contactByPhone(WAITING))!;
  await bot.storage.conversations.startHandoff({ contactId: contact.id, reason: 'taken over', at: time, countsFrom: time, withinHours: null });
  time = NOW;
  expect((await bot.post(textFrom(RECENT, 'a question from today'))).status).toBe(200);
  return { bot, old, waiting, mediaDir };
}

const phonesOf = async (bot: Awaited<ReturnType<typeof seeded>>['bot']) => (await bot.storage.reports.transcriptRows({})).map((r) => `${r.phone} ${r.direction} ${r.kind}`);

describe.each(backends)('retention on %s', (backend) => {
  it('deletes what is older than RETENTION_DAYS, in batches, but not a conversation waiting for a human nor a send under way; stats keep the days', async () => {
    const { bot, old, waiting, mediaDir } = await seeded(backend);
    const statsBefore = await bot.storage.reports.usageByDay({ since: 0 });
    expect(statsBefore.map((d) => d.day)).toEqual(['2026-10-01', '2026-11-10']);
    expect((await bot.storage.reports.recentEvents({ limit: 50 })).length).toBe(4);

    const done = await retentionPass({ storage: bot.storage, days: 30, handoffHours: 24, logger: silentLogger, now: () => NOW, batchSize: 2 });
    expect(done).toMatchObject({ skipped: false, messages: 4, events: 4, files: 1 });

    // OLD: its messages and file are gone; the operator's message whose send is still queued stays (with its contact).
    const rows = await phonesOf(bot);
    expect(rows.filter((r) => r.startsWith(OLD))).toEqual([`${OLD} out text`]);
    expect(existsSync(old.file)).toBe(false);
    // WAITING: the whole conversation and its file; RECENT: today's messages.
    expect(rows.filter((r) => r.startsWith(WAITING))).toHaveLength(5);
    expect(existsSync(waiting.file)).toBe(true);
    expect(keptFiles(mediaDir)).toEqual([waiting.file.slice(mediaDir.length + 1)]);
    expect(rows.filter((r) => r.startsWith(RECENT))).toHaveLength(2);
    expect(await bot.storage.reports.recentEvents({ limit: 50 })).toEqual([]);
    // transcripts stats: the deleted day still counts what it had.
    expect(await bot.storage.reports.usageByDay({ since: 0 })).toEqual(statsBefore);

    // Once the handoff has run out (HANDOFF_HOURS later), its old messages go too; the stats do not change.
    const later = await retentionPass({ storage: bot.storage, days: 30, handoffHours: 24, logger: silentLogger, now: () => NOW + 2 * DAY });
    expect(later.messages).toBe(4);
    expect(existsSync(waiting.file)).toBe(false);
    expect(await bot.storage.reports.usageByDay({ since: 0 })).toEqual(statsBefore);
  });

  it.runIf(backend === 'postgres')('runs on one instance at a time: a pass finds another holding the lock and leaves the work to it', async () => {
    const { bot } = await seeded(backend);
    const other = new pg.Client({ connectionString: (bot as { databaseUrl: string }).databaseUrl });
    await other.connect();
    try {
      const { RETENTION_LOCK } = await import('../src/store/data-care.js');
      await other.query('SELECT pg_advisory_lock($1)', [RETENTION_LOCK]);
      const skipped = await retentionPass({ storage: bot.storage, days: 30, handoffHours: 24, logger: silentLogger, now: () => NOW });
      expect(skipped).toMatchObject({ skipped: true, messages: 0 });
      expect((await phonesOf(bot)).filter((r) => r.startsWith(OLD))).toHaveLength(5);
      await other.query('SELECT pg_advisory_unlock($1)', [RETENTION_LOCK]);
      expect((await retentionPass({ storage: bot.storage, days: 30, handoffHours: 24, logger: silentLogger, now: () => NOW })).messages).toBe(4);
    } finally {
      await other.end();
    }
  });

  it('the server runs its first pass within a minute of the start, then every hour', async () => {
    const { bot } = await seeded(backend);
    // The schedule's timers, fired by hand: what matters is how long each wait is and what the pass then does.
    const waits: { ms: number; run: () => void }[] = [];
    let now = NOW;
    const schedule = scheduleRetention({
      storage: bot.storage, days: 30, handoffHours: 24, logger: silentLogger, now: () => now,
      timer: (ms, run) => {
        waits.push({ ms, run });
        return () => {};
      },
    });
    expect(waits).toHaveLength(1);
    expect(waits[0]!.ms).toBeLessThanOrEqual(60_000);
    waits[0]!.run();
    await vi.waitFor(() => expect(waits).toHaveLength(2), { timeout: 10_000, interval: 20 });
    expect((await phonesOf(bot)).filter((r) => r.startsWith(OLD))).toHaveLength(1);
    expect(waits[1]!.ms).toBeLessThanOrEqual(3_600_000);
    now += 2 * DAY;
    waits[1]!.run();
    await vi.waitFor(() => expect(waits).toHaveLength(3), { timeout: 10_000, interval: 20 });
    expect((await phonesOf(bot)).filter((r) => r.startsWith(WAITING))).toHaveLength(1);
    await schedule.stop();
  });
});

describe('RETENTION_DAYS', () => {
  it('is validated with an error naming it; unset keeps everything', () => {
    expect(() => loadConfig({ env: { RETENTION_DAYS: '30d' }, envFile: null, only: ['RETENTION_DAYS'] })).toThrow(/RETENTION_DAYS \(from the environment\): must be a whole number of days/);
    expect(() => loadConfig({ env: { RETENTION_DAYS: '0' }, envFile: null, only: ['RETENTION_DAYS'] })).toThrow(/RETENTION_DAYS .*at least 1 day/);
    expect(loadConfig({ env: { RETENTION_DAYS: '365' }, envFile: null, only: ['RETENTION_DAYS'] }).config.RETENTION_DAYS).toBe(365);
    expect(loadConfig({ env: {}, envFile: null, only: ['RETENTION_DAYS'] }).config.RETENTION_DAYS).toBeUndefined();
  });
});
