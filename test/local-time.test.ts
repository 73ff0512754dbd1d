// The moment the model answers in, as the business's clocks show it (TIME_ZONE), and its opening hours
// (prompts/opening-hours.txt): carried by every request to the model after the conversation's history, from an
// injected clock; a broken hours file stops the start and is ignored on a reload, saying which line.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadPrompts } from '../src/prompts/prompts.js';
import { PromptFileError } from '../src/prompts/watched-file.js';
import { captureLogs, copyPrompts, makeBot, tempDir } from './helpers/app.js';
import { textFrom } from './helpers/fixtures.js';
import { llmRequests, replyWith } from './helpers/llm.js';
import { startServerProcess } from './helpers/server-process.js';

const HOURS = '# Toko test\nMon-Fri 09:00-17:00\nSat 09:00-13:00\nSun closed\n2026-12-25 closed\n';

function promptsWithHours(hours: string | null): string {
  const dir = copyPrompts();
  if (hours !== null) writeFileSync(join(dir, 'opening-hours.txt'), hours);
  return dir;
}

/** The request's messages as role and text. */
const messagesOf = (request: (typeof llmRequests)[number]) => request.messages.map((m) => ({ role: m.role, content: String(m.content) }));

/** The note about the time in a request (knowledge excerpts may follow it, before the new message). */
const noteIn = (request: (typeof llmRequests)[number]) =>
  messagesOf(request).find((m) => m.role === 'system' && m.content.startsWith('Current local date and time:'))?.content;

describe('the model is told the local time and the opening hours', () => {
  it('after the history, in TIME_ZONE, from the injected clock: closed on Saturday night, open on Monday morning', async () => {
    replyWith({ content: 'Sure.' });
    let clock = Date.parse('2026-12-05T16:30:00Z'); // Saturday 23:30 in Jakarta
    const bot = makeBot({ promptsDir: promptsWithHours(HOURS), now: () => clock, timeZone: 'Asia/Jakarta' });
    await bot.post(textFrom('6281100000701', 'hello'));
    clock += 60_000;
    await bot.post(textFrom('6281100000701', 'are you open now?'));

    // The customer's name (test/customer-name.test.ts) left aside: it sits between the system prompt and the history.
    const [first, second] = llmRequests.map(messagesOf).map((messages) => messages.filter((m) => !m.content.startsWith("The customer's WhatsApp profile name")));
    const note = 'Current local date and time: Saturday 5 December 2026, 23:31 (Asia/Jakarta).\nThe business is closed; opens Monday 7 December at 09:00.';
    // System prompt, history (hello, Sure.), then the note, and the new message last.
    const position = second!.findIndex((m) => m.content === note);
    expect(second!.slice(0, 3).map((m) => [m.role, m.content.includes('hello') || m.content === 'Sure.'])).toEqual([['system', false], ['user', true], ['assistant', true]]);
    expect(position).toBe(3);
    expect(second!.at(-1)!.content).toContain('are you open now?');
    // The start of the request (system prompt, history) holds no time: it stays the same from message to message.
    expect(second![0]).toEqual(first![0]);
    expect(second![0]!.content).not.toMatch(/23:3|Saturday 5/);
    // The week's hours close the system prompt, so the model can answer "are you open on Sunday?".
    expect(second![0]!.content).toMatch(
      /\n\n## Opening hours \(local time, Asia\/Jakarta\)\n- Monday: 09:00-17:00\n(.*\n){4}- Saturday: 09:00-13:00\n- Sunday: closed\nDates with other hours:\n- Friday 25 December 2026: closed$/,
    );
    expect(first![1]!.content).toBe('Current local date and time: Saturday 5 December 2026, 23:30 (Asia/Jakarta).\nThe business is closed; opens Monday 7 December at 09:00.');

    clock = Date.parse('2026-12-07T03:00:00Z'); // Monday 10:00 in Jakarta
    await bot.post(textFrom('6281100000701', 'and now?'));
    expect(noteIn(llmRequests[2]!)).toBe('Current local date and time: Monday 7 December 2026, 10:00 (Asia/Jakarta).\nThe business is open; closes today, Monday 7 December at 17:00.');
  });

  it('without opening-hours.txt, only the time is said; TIME_ZONE unset is UTC', async () => {
    replyWith({ content: 'Sure.' });
    const bot = makeBot({ promptsDir: promptsWithHours(null), now: () => Date.parse('2026-12-05T16:30:00Z') });
    await bot.post(textFrom('6281100000702', 'hello'));
    expect(noteIn(llmRequests[0]!)).toBe('Current local date and time: Saturday 5 December 2026, 16:30 (UTC).');
  });

  it('an edit applies at the next message; a broken edit keeps the previous hours and the log says which line', async () => {
    replyWith({ content: 'Sure.' });
    const logs = captureLogs();
    const dir = promptsWithHours(HOURS);
    const clock = Date.parse('2026-12-05T16:30:00Z'); // Saturday 23:30 in Jakarta
    const bot = makeBot({ promptsDir: dir, now: () => clock, timeZone: 'Asia/Jakarta', logger: logs.logger });

    writeFileSync(join(dir, 'opening-hours.txt'), `${HOURS}Sat 20:00-02:00\n`);
    await bot.post(textFrom('6281100000703', 'open?'));
    expect(noteIn(llmRequests[0]!)).toContain('The business is open; closes tomorrow, Sunday 6 December at 02:00.');

    writeFileSync(join(dir, 'opening-hours.txt'), `${HOURS}Sat 20:00-02:00\nSun 10:00 to 14:00\n`);
    await bot.post(textFrom('6281100000703', 'still open?'));
    expect(noteIn(llmRequests[1]!)).toContain('The business is open; closes tomorrow, Sunday 6 December at 02:00.');
    const rejected = logs.records().find((r) => r.msg === 'prompt file rejected; keeping the last good version');
    expect(rejected?.err).toMatch(/opening-hours\.txt line 7: "10:00 to 14:00" is not a time range such as 09:00-17:00/);
  });
});

describe('a broken opening-hours.txt or TIME_ZONE at start', () => {
  it('is refused with the line number when the prompts are loaded', () => {
    const dir = promptsWithHours('Mon-Fri 09:00-17:00\nSat 09:00-13:00\nMinggu 10-14\n');
    expect(() => loadPrompts(dir, captureLogs().logger, 0)).toThrow(PromptFileError);
    expect(() => loadPrompts(dir, captureLogs().logger, 0)).toThrow(/opening-hours\.txt line 3: "10-14" is not a time range/);
  });

  it('the server does not start, and says which line and which setting', async () => {
    const failure = (env: Record<string, string>) =>
      startServerProcess({ DATABASE_PATH: join(tempDir(), 'bot.db'), ...env }).then(
        async (server) => {
          await server.stop();
          return 'started';
        },
        (error: Error) => error.message,
      );
    const [hours, zone] = await Promise.all([
      failure({ PROMPTS_DIR: promptsWithHours('Mon-Fri 09:00-17:00\nSat 9am-1pm\n'), TIME_ZONE: 'Asia/Jakarta' }),
      failure({ PROMPTS_DIR: promptsWithHours(HOURS), TIME_ZONE: 'Asia/Jakata' }),
    ]);
    expect(hours).toMatch(/Cannot start: .*opening-hours\.txt line 2: "9am-1pm" is not a time range/);
    expect(zone).toMatch(/TIME_ZONE \(from the environment\): "Asia\/Jakata" is not a time zone this system knows/);
  });
});
