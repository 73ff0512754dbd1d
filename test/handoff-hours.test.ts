// Handoffs say what happens next: during opening hours the customer gets handoff.md, outside them handoff-closed.md
// with the next opening written in the file's language; a handoff made while closed waits HANDOFF_HOURS from the next
// opening, on both backends, and the transcripts tool says when it was handed over and whether the shop was open.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { HttpResponse } from 'msw';
import { describe, expect, it } from 'vitest';
import { runTranscripts } from '../src/cli/transcripts.js';
import { formatTime } from '../src/cli/format.js';
import { formatNextOpening } from '../src/hours/next-opening-text.js';
import { loadPrompts } from '../src/prompts/prompts.js';
import { captureLogs, copyPrompts, jsonOf, makeBot, makeBotOn, type AnyBot } from './helpers/app.js';
import { textFrom } from './helpers/fixtures.js';
import { fakeWhatspieForThisFile } from './helpers/fakes.js';
import { answerWith, completion, holdAnswers, llmRequests, toolCall } from './helpers/llm.js';
import { backends } from './helpers/postgres.js';

const api = fakeWhatspieForThisFile();
const HOUR = 3_600_000;
const WEEKDAYS = '# Toko test: weekdays only\nMon-Fri 09:00-17:00\nSat-Sun closed\n';
const CLOSED_TEXT = 'We are closed right now. A member of our team will reply here from {next_opening}.';

function promptsWith(files: Record<string, string>): string {
  const dir = copyPrompts();
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  return dir;
}

/** The model hands over when asked for a person, and answers anything else. */
function modelHandsOverOnRequest() {
  answerWith((request) => {
    const said = String(request.messages.at(-1)!.content);
    return HttpResponse.json(completion(said.includes('person') ? { toolCalls: [toolCall('handoff_to_human', { reason: 'asked for a person' })] } : { content: `answer to ${said}` }));
  });
}

async function transcripts(bot: AnyBot & { databaseUrl: string | null }, now: number, ...argv: string[]) {
  const out: string[] = [];
  const dbPath = 'dbPath' in bot ? (bot.dbPath as string) : 'unused.db';
  const settings = { DATABASE_PATH: dbPath, DATABASE_URL: bot.databaseUrl ?? undefined, HANDOFF_HOURS: 24 };
  const code = await runTranscripts(argv, { out: (t) => out.push(t), err: (t) => out.push(t), settings, now });
  expect(code).toBe(0);
  return out.join('\n');
}

describe('what the customer is told at a handoff', () => {
  it('at night: handoff-closed.md with the next opening; during opening hours: handoff.md', async () => {
    modelHandsOverOnRequest();
    let clock = Date.parse('2026-11-28T16:00:00Z'); // Saturday 23:00 in Jakarta: closed until Monday
    const promptsDir = promptsWith({ 'opening-hours.txt': WEEKDAYS, 'handoff-closed.md': `<!-- shown outside opening hours -->\n${CLOSED_TEXT}\n` });
    const bot = makeBot({ promptsDir, now: () => clock, timeZone: 'Asia/Jakarta' });

    expect(await jsonOf(bot.post(textFrom('6281700000001', 'I want a person')))).toEqual({
      type: 'chat',
      body: 'We are closed right now. A member of our team will reply here from Monday 30 November at 09:00.',
      simulation: true,
    });

    clock = Date.parse('2026-11-30T03:00:00Z'); // Monday 10:00 in Jakarta: open
    expect(await jsonOf(bot.post(textFrom('6281700000002', 'I want a person')))).toMatchObject({
      body: 'Thank you for your patience. I have passed your conversation to a member of our team, who will reply here as soon as possible (during opening hours).',
    });
  });

  it("in the customer's language: handoff-closed.id.md, its next opening written in Indonesian, for a customer who writes Indonesian", async () => {
    modelHandsOverOnRequest();
    const clock = Date.parse('2026-11-28T16:00:00Z'); // Saturday 23:00 in Jakarta: closed until Monday
    const promptsDir = promptsWith({
      'opening-hours.txt': WEEKDAYS,
      'handoff-closed.md': CLOSED_TEXT,
      'handoff-closed.id.md': 'Mohon maaf kak, kami sedang tutup. Tim kami akan membalas di sini mulai {next_opening}.',
    });
    const bot = makeBot({ promptsDir, now: () => clock, timeZone: 'Asia/Jakarta' });
    expect((await jsonOf(bot.post(textFrom('6281700000011', 'kak tolong sambungkan ke person admin ya, pesanan saya belum sampai juga')))).body).toBe(
      'Mohon maaf kak, kami sedang tutup. Tim kami akan membalas di sini mulai Senin, 30 November pukul 09.00.',
    );
    expect((await jsonOf(bot.post(textFrom('6281700000012', 'could I talk to a real person about my order please')))).body).toBe(
      'We are closed right now. A member of our team will reply here from Monday 30 November at 09:00.',
    );

    // A plain handoff-closed.md written in Indonesian gets its date in Indonesian too, whoever asks.
    const onlyIndonesian = makeBot({
      promptsDir: promptsWith({ 'opening-hours.txt': WEEKDAYS, 'handoff-closed.md': 'Mohon maaf kak, kami sedang tutup. Tim kami akan membalas di sini mulai {next_opening}.' }),
      now: () => clock,
      timeZone: 'Asia/Jakarta',
    });
    expect((await jsonOf(onlyIndonesian.post(textFrom('6281700000013', 'a person please')))).body).toBe(
      'Mohon maaf kak, kami sedang tutup. Tim kami akan membalas di sini mulai Senin, 30 November pukul 09.00.',
    );
  });

  it('the next opening is the right day: after a holiday, across a change of clocks (Europe/Berlin)', async () => {
    modelHandsOverOnRequest();
    // Friday 23 October 2026, 18:00 in Berlin (summer time); Monday 26 October is a holiday of this shop; the clocks
    // go back on Sunday 25 October. The next opening is Tuesday 27 October at 09:00 winter time (08:00 UTC).
    const clock = Date.parse('2026-10-23T16:00:00Z');
    const promptsDir = promptsWith({ 'opening-hours.txt': `${WEEKDAYS}2026-10-26 closed\n`, 'handoff-closed.md': CLOSED_TEXT });
    const bot = makeBot({ promptsDir, now: () => clock, timeZone: 'Europe/Berlin' });
    expect((await jsonOf(bot.post(textFrom('6281700000003', 'a person please')))).body).toBe(
      'We are closed right now. A member of our team will reply here from Tuesday 27 October at 09:00.',
    );
  });

  it('without opening-hours.txt, or without handoff-closed.md, a night-time handoff gets handoff.md', async () => {
    modelHandsOverOnRequest();
    const night = () => Date.parse('2026-11-28T16:00:00Z');
    const noHours = makeBot({ promptsDir: promptsWith({ 'handoff-closed.md': CLOSED_TEXT }), now: night, timeZone: 'Asia/Jakarta' });
    const noClosedText = makeBot({ promptsDir: promptsWith({ 'opening-hours.txt': WEEKDAYS }), now: night, timeZone: 'Asia/Jakarta' });
    for (const bot of [noHours, noClosedText]) {
      expect((await jsonOf(bot.post(textFrom('6281700000004', 'a person please')))).body).toMatch(/^Thank you for your patience\. I have passed your conversation/);
    }
  });

  it('an edit to handoff-closed.md applies at the next handoff; a placeholder it does not know is refused with its line', async () => {
    modelHandsOverOnRequest();
    const logs = captureLogs();
    const promptsDir = promptsWith({ 'opening-hours.txt': WEEKDAYS, 'handoff-closed.md': CLOSED_TEXT });
    const bot = makeBot({ promptsDir, now: () => Date.parse('2026-11-28T16:00:00Z'), timeZone: 'Asia/Jakarta', logger: logs.logger });

    writeFileSync(join(promptsDir, 'handoff-closed.md'), 'Closed now; back {next_opening}.');
    expect((await jsonOf(bot.post(textFrom('6281700000005', 'a person')))).body).toBe('Closed now; back Monday 30 November at 09:00.');

    // "{next opening}" would reach the customer as it is: the previous text stays, and the log says why.
    writeFileSync(join(promptsDir, 'handoff-closed.md'), 'Closed now.\nBack {next opening}.');
    expect((await jsonOf(bot.post(textFrom('6281700000006', 'a person')))).body).toBe('Closed now; back Monday 30 November at 09:00.');
    const rejected = logs.records().find((r) => r.msg === 'prompt file rejected; keeping the last good version');
    expect(rejected?.err).toMatch(/handoff-closed\.md line 2: "\{next opening\}" is not a placeholder the bot fills; write \{next_opening\}/);
    // At start, the same file stops the server (loadPrompts throws what the start prints).
    expect(() => loadPrompts(promptsDir, captureLogs().logger, 0)).toThrow(/handoff-closed\.md line 2: "\{next opening\}"/);
  });
});

describe('a handoff the model decides after the window closed', () => {
  it('at night, goes out through the API as handoff-closed.md, and waits HANDOFF_HOURS from the next opening', async () => {
    const llm = holdAnswers(() => HttpResponse.json(completion({ toolCalls: [toolCall('handoff_to_human', { reason: 'asked for a person' })] })));
    const handedOverAt = Date.parse('2026-11-27T15:00:00Z'); // Friday 22:00 in Jakarta
    let clock = handedOverAt;
    const promptsDir = promptsWith({ 'opening-hours.txt': WEEKDAYS, 'handoff-closed.md': CLOSED_TEXT });
    const bot = makeBot({ promptsDir, now: () => clock, timeZone: 'Asia/Jakarta', deadlineMs: 1000, whatspieApiUrl: api.url, handoffHours: 24 });
    const from = '6281700000020';
    // The window closes with the model still thinking: the holding reply now, the handoff through the API later.
    await bot.post(textFrom(from, 'I want a person'));
    llm.releaseAll();
    const [sent] = await api.waitForSent(1);
    expect(sent!.body).toMatchObject({ receiver: from, params: { text: 'We are closed right now. A member of our team will reply here from Monday 30 November at 09:00.' } });
    clock = handedOverAt + 48 * HOUR; // Sunday 22:00
    expect(await jsonOf(bot.post(textFrom(from, 'hello?')))).toEqual([]);
    expect(llm.waiting).toBe(0);
  });
});

describe('the next opening in the words of the file\'s language', () => {
  const monday9 = Date.parse('2026-11-30T02:00:00Z'); // Monday 30 November, 09:00 in Jakarta

  it('English day first, Indonesian as Indonesian writes it; the time in the business\'s zone', () => {
    expect(formatNextOpening(monday9, 'Asia/Jakarta', 'en')).toBe('Monday 30 November at 09:00');
    expect(formatNextOpening(monday9, 'Asia/Jakarta', 'id')).toBe('Senin, 30 November pukul 09.00');
    expect(formatNextOpening(monday9, 'Asia/Makassar', 'id')).toBe('Senin, 30 November pukul 10.00');
    expect(formatNextOpening(monday9, 'Asia/Jakarta', 'en-US')).toBe('Monday, November 30 at 09:00');
  });

  it('a language tag that is not one is written in English rather than failing the handoff', () => {
    expect(formatNextOpening(monday9, 'Asia/Jakarta', 'not a tag!')).toBe('Monday 30 November at 09:00');
  });
});

describe.each(backends)('HANDOFF_HOURS after a handoff outside opening hours, on %s', (backend) => {
  it('count from the next opening: still waiting past HANDOFF_HOURS after Friday night, the bot answers again HANDOFF_HOURS after Monday 09:00', async () => {
    modelHandsOverOnRequest();
    const handedOverAt = Date.parse('2026-11-27T15:00:00Z'); // Friday 27 November, 22:00 in Jakarta
    const mondayOpening = Date.parse('2026-11-30T02:00:00Z'); // Monday 30 November, 09:00 in Jakarta
    let clock = handedOverAt;
    const promptsDir = promptsWith({ 'opening-hours.txt': WEEKDAYS, 'handoff-closed.md': CLOSED_TEXT });
    const bot = await makeBotOn(backend, { promptsDir, now: () => clock, timeZone: 'Asia/Jakarta', handoffHours: 24 });
    const from = '6281700000010';
    await bot.post(textFrom(from, 'I want a person'));

    clock = handedOverAt + 24 * HOUR + 60_000; // Saturday 22:01: HANDOFF_HOURS after the handoff have passed
    expect(await jsonOf(bot.post(textFrom(from, 'hello? anyone?')))).toEqual([]);
    expect(await transcripts(bot, clock, 'list')).toMatch(new RegExp(`${from}\\s.*WAITING: asked for a person \\(handed over ${formatTime(handedOverAt)}, outside opening hours\\)$`, 'm'));
    const shown = await transcripts(bot, clock, 'show', from);
    expect(shown).toContain(
      `Waiting for a human since ${formatTime(handedOverAt)}, outside opening hours (HANDOFF_HOURS count from the opening at ${formatTime(mondayOpening)}, so the bot answers again from ${formatTime(mondayOpening + 24 * HOUR)} unless resumed): asked for a person`,
    );

    clock = mondayOpening + 24 * HOUR - 60_000; // Tuesday 08:59
    expect(await jsonOf(bot.post(textFrom(from, 'still nobody?')))).toEqual([]);
    clock = mondayOpening + 24 * HOUR + 60_000; // Tuesday 09:01
    expect((await jsonOf(bot.post(textFrom(from, 'hello again')))).body).toBe('answer to hello again');
    expect(llmRequests).toHaveLength(2);
    expect(await transcripts(bot, clock, 'list')).not.toContain('WAITING');
  });

  it('a handoff during opening hours counts from itself, and the transcripts tool says it came during opening hours', async () => {
    modelHandsOverOnRequest();
    const handedOverAt = Date.parse('2026-11-30T03:00:00Z'); // Monday 10:00 in Jakarta
    let clock = handedOverAt;
    const promptsDir = promptsWith({ 'opening-hours.txt': WEEKDAYS, 'handoff-closed.md': CLOSED_TEXT });
    const bot = await makeBotOn(backend, { promptsDir, now: () => clock, timeZone: 'Asia/Jakarta', handoffHours: 24 });
    const from = '6281700000011';
    await bot.post(textFrom(from, 'I want a person'));
    clock += HOUR;
    expect(await transcripts(bot, clock, 'list')).toMatch(new RegExp(`WAITING: asked for a person \\(handed over ${formatTime(handedOverAt)}, during opening hours\\)$`, 'm'));
    expect(await transcripts(bot, clock, 'show', from)).toContain(
      `Waiting for a human since ${formatTime(handedOverAt)}, during opening hours (the bot answers again from ${formatTime(handedOverAt + 24 * HOUR)} unless resumed): asked for a person`,
    );
    clock = handedOverAt + 24 * HOUR + 60_000;
    expect((await jsonOf(bot.post(textFrom(from, 'hello again')))).body).toBe('answer to hello again');
  });
});
