import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { runTranscripts } from '../src/cli/transcripts.js';
import { openDatabase } from '../src/store/db.js';
import { tempDir } from './helpers/app.js';
import { ANA, BUDI, seedConversations } from './helpers/seed.js';

let dbPath = '';
let end = 0;

beforeAll(async () => {
  const seeded = await seedConversations();
  dbPath = seeded.bot.dbPath;
  end = seeded.end;
  seeded.bot.db.$client.close();
});

async function run(...argv: string[]) {
  return runWith({}, ...argv);
}

async function runWith(settings: { DEFAULT_COUNTRY_CODE?: string; DATABASE_PATH?: string }, ...argv: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runTranscripts(argv, { out: (t) => out.push(t), err: (t) => err.push(t), settings: { DATABASE_PATH: dbPath, HANDOFF_HOURS: 24, ...settings }, now: end });
  return { code, out: out.join('\n'), err: err.join('\n') };
}

describe('transcripts list', () => {
  it('shows every contact, the one waiting for a human first, with counts and fallbacks', async () => {
    const { code, out } = (await run('list'));
    expect(code).toBe(0);
    const [header, first, second] = out.split('\n');
    expect(header).toMatch(/NAME\s+NUMBER\s+FIRST\s+LAST\s+MESSAGES\s+FALLBACKS\s+HUMAN/);
    expect(first).toMatch(new RegExp(`Budi Santoso\\s+${BUDI}\\s+.*\\s4\\s+0\\s+WAITING: refund for a broken bag`));
    expect(second).toMatch(new RegExp(`Ana Wijaya\\s+${ANA}\\s+2026-11-24 \\d\\d:01\\s+2026-11-24 \\d\\d:08\\s+12\\s+1$`));
  });

  it('--limit and --since narrow the list', async () => {
    expect((await run('list', '--limit', '1')).out.split('\n')).toHaveLength(2);
    expect((await run('list', '--since', new Date(end + 60_000).toISOString())).out).toBe('No conversations yet.');
    expect((await run('list', '--since', '1h')).out).toContain(ANA);
  });
});

describe('transcripts show', () => {
  it('prints the conversation as a chat, media labelled, replies typed, fallbacks with their reason', async () => {
    const { code, out } = (await run('show', '+62 812-0000-0001'));
    expect(code).toBe(0);
    expect(out).toContain(`Conversation with Ana Wijaya (${ANA}), 12 messages`);
    const lines = out.split('\n').slice(2);
    expect(lines[0]).toMatch(/^2026-11-24 \d\d:01  Ana Wijaya  Can I get the price list\?$/);
    expect(lines[1]).toMatch(/bot\s+\[text\] Here you go$/);
    expect(lines[2]).toMatch(/^\s+\[document\] price_list\.pdf "Our current price list" <https:\/\/example\.com\/files\/price-list\.pdf>\s+\(test-model, LLM \d+ ms\)$/);
    expect(out).toMatch(/Ana Wijaya  \[image\] "Check out this product!" <https:\/\/whatspie.*\.jpeg>/);
    expect(out).toMatch(/bot\s+\[reaction\] 👍/);
    expect(out).toMatch(/\[text\] Thank you for your message!.*\(FALLBACK: server_error/);
    expect(out).toMatch(/\[document\] contract_agreement\.pdf "Please review this document"/);
    expect(out).toContain('[shared contact] Tech Support (+62 858-4625-5569)');
  });

  it('shows a voice note with its length, and that the contact waits for a human', async () => {
    const { out } = (await run('show', BUDI));
    expect(out).toContain('Waiting for a human since 2026-11-24');
    expect(out).toContain('[voice note, 15 s]');
    expect(out).toContain('(no reply: waiting for a human)');
  });

  it('an unknown number is a clear error', async () => {
    const { code, err } = (await run('show', '6280000000000'));
    expect(code).toBe(1);
    expect(err).toContain('no conversation with 6280000000000');
  });
});

describe('transcripts search', () => {
  it('finds messages containing every word, with contact and time', async () => {
    const { out } = (await run('search', 'PRICE', 'list'));
    expect(out.split('\n')).toHaveLength(3);
    expect(out).toMatch(new RegExp(`${ANA}\\s+Ana Wijaya\\s+customer\\s+Can I get the price list\\?`));
    expect((await run('search', 'unicorn')).out).toBe('No message contains: unicorn');
  });

  it('treats % and _ literally', async () => {
    expect((await run('search', '%')).out).toBe('No message contains: %');
  });
});

describe('transcripts export', () => {
  it('writes JSON Lines by default, one object per message, oldest first', async () => {
    const lines = (await run('export', '--contact', BUDI)).out.split('\n').map((l) => JSON.parse(l));
    expect(lines.map((l) => [l.direction, l.kind])).toEqual([
      ['in', 'text'],
      ['out', 'text'],
      ['in', 'audio'],
      ['out', 'silent'],
    ]);
    expect(lines[0]).toMatchObject({ number: BUDI, name: 'Budi Santoso', text: 'My bag arrived broken, I want a manager' });
    expect(JSON.parse(lines[1].reply_json)).toMatchObject({ type: 'chat' });
  });

  it('--contact takes a number typed in parts and in local form, as every other command does', async () => {
    const lines = (await runWith({ DEFAULT_COUNTRY_CODE: '62' }, 'export', '--contact', '0812', '0000', '0002')).out.split('\n').map((l) => JSON.parse(l));
    expect(lines.map((l) => l.number)).toEqual([BUDI, BUDI, BUDI, BUDI]);
    expect((await run('export', '--contact', '+62', '812-0000-0002', '--format', 'csv')).out.split('\n')).toHaveLength(5);
    // Stray words are refused rather than silently ignored: an export of everything is not what was asked for.
    expect((await run('export', '0812', '0000', '0002'))).toMatchObject({ code: 1, err: expect.stringContaining('export takes no words; for one contact: --contact 0812 0000 0002') });
  });

  it('writes CSV to a file, quoting commas and quotes', async () => {
    const file = join(tempDir(), 'out.csv');
    const { out } = (await run('export', '--format', 'csv', '--out', file));
    expect(out).toBe(`Wrote 16 messages to ${file}`);
    const csv = readFileSync(file, 'utf8').trim().split('\n');
    expect(csv[0]!.startsWith('time,number,name,direction,kind,text')).toBe(true);
    // Cells with line breaks are quoted, so records are the lines that start with a time.
    expect(csv.filter((l) => /^2026-11-24T/.test(l))).toHaveLength(16);
    expect(csv.find((l) => l.includes('broken'))).toContain('"My bag arrived broken, I want a manager"');
  });

  it('--since leaves out older messages; a bad --format is an error', async () => {
    expect((await run('export', '--since', new Date(end).toISOString())).out.split('\n')).toHaveLength(2);
    expect((await run('export', '--format', 'xml'))).toMatchObject({ code: 1, err: expect.stringContaining('--format must be jsonl or csv') });
  });
});

describe('transcripts pause', () => {
  it('an operator takes a conversation over: the contact waits for a human with the reason', async () => {
    expect((await run('pause', ANA, 'calling', 'her', 'back')).out).toContain(`Paused: the bot stays silent for Ana Wijaya (${ANA})`);
    expect((await run('list')).out).toMatch(new RegExp(`${ANA}.*WAITING: calling her back`));
    expect((await run('resume', ANA)).out).toContain('Resumed');
    expect((await run('pause', '6280000000000'))).toMatchObject({ code: 1, err: expect.stringContaining('no conversation with 6280000000000') });
  });
});

describe('transcripts resume', () => {
  it('ends a handoff, and list no longer shows the contact waiting', async () => {
    expect((await run('resume', BUDI)).out).toContain(`Resumed: the bot answers Budi Santoso (${BUDI}) again.`);
    expect((await run('list')).out).not.toContain('WAITING');
    expect((await run('resume', BUDI)).out).toContain('was not waiting');
  });
});

describe('every command', () => {
  it.each(['list', 'show', 'search', 'export', 'pause', 'resume'])('%s has --help', async (command) => {
    const { code, out } = (await run(command, '--help'));
    expect(code).toBe(0);
    expect(out).toMatch(new RegExp(`^Usage: npm run transcripts -- ${command}`));
  });

  it('a missing database is a clear error, and is not created', async () => {
    const missing = join(tempDir(), 'nope.db');
    const { code, err } = (await run('list', '--db', missing));
    expect(code).toBe(1);
    expect(err).toContain(`no database at ${missing}`);
    expect(existsSync(missing)).toBe(false);
  });

  it('takes its options before the command as well as after it', async () => {
    const elsewhere = { DATABASE_PATH: join(tempDir(), 'not-this-one.db') };
    const before = await runWith(elsewhere, '--db', dbPath, 'list', '--limit', '1');
    expect(before).toMatchObject({ code: 0, err: '' });
    expect(before.out).toMatch(/^NAME\s+NUMBER/);
    expect(before.out.split('\n')).toHaveLength(2);
    expect((await runWith(elsewhere, '--db', dbPath, '--since', '1h', 'show', ANA)).out).toContain(`Conversation with Ana Wijaya (${ANA})`);
    expect((await run('--help', 'list')).out).toMatch(/^Usage: npm run transcripts -- list/);
    expect((await run('--colour', 'list'))).toMatchObject({ code: 1, err: expect.stringContaining("Unknown option '--colour'") });
  });

  it('a number in local form without DEFAULT_COUNTRY_CODE is refused with how to write it, in every command', async () => {
    const refusal = 'Error: 0812 0000 0001 is a local number: type it with its country code (+62 81200000001 for Indonesia), or set DEFAULT_COUNTRY_CODE (in .env) to read local numbers';
    for (const argv of [['show', '0812', '0000', '0001'], ['pause', '0812', '0000', '0001', 'calling', 'back'], ['export', '--contact', '0812', '0000', '0001']]) {
      expect(await run(...argv)).toEqual({ code: 1, out: '', err: refusal });
    }
    expect((await run('list')).out).not.toContain('WAITING: calling back');
  });

  it('an unknown command or option prints the usage', async () => {
    expect((await run('delete'))).toMatchObject({ code: 1, err: expect.stringContaining('Unknown command "delete"') });
    expect((await run('list', '--colour'))).toMatchObject({ code: 1, err: expect.stringContaining('--colour') });
  });

  it('reads a database that the server is writing at the same time', async () => {
    const writer = openDatabase(dbPath);
    writer.$client.exec('BEGIN IMMEDIATE');
    writer.$client.prepare("UPDATE contacts SET display_name = 'Ana W.' WHERE phone = ?").run(ANA);
    // Uncommitted: the reader sees the last committed state without waiting or failing.
    expect((await run('list')).out).toContain('Ana Wijaya');
    writer.$client.exec('COMMIT');
    expect((await run('list')).out).toContain('Ana W.');
    writer.$client.close();
  });
});
