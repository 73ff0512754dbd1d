// The terminal chat against a real server process and the fake OpenAI-compatible server.
import { spawn } from 'node:child_process';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { payloadFor } from '../src/cli/chat.js';
import { openDatabase } from '../src/store/db.js';
import { parseInbound } from '../src/whatspie/inbound.js';
import { copyPrompts, tempDir } from './helpers/app.js';
import { startServerProcess, type ServerProcess } from './helpers/server-process.js';
import { startFakeOpenAI, type FakeOpenAI } from './fake-openai.js';

const root = fileURLToPath(new URL('../', import.meta.url));

/** Runs `npm run chat`'s entry point with the lines as typed input; resolves with everything it printed. */
function chat(args: string[], lines: string[], env: Record<string, string> = {}): Promise<{ code: number | null; output: string }> {
  const child = spawn(process.execPath, ['dist/cli/chat.js', ...args], {
    cwd: root,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...env },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (c: Buffer) => (output += c.toString()));
  child.stderr.on('data', (c: Buffer) => (output += c.toString()));
  child.stdin.end(lines.map((l) => `${l}\n`).join(''));
  return new Promise((resolve) => child.on('exit', (code) => resolve({ code, output })));
}

describe('npm run chat', () => {
  let llm: FakeOpenAI;
  let server: ServerProcess;
  let dbPath: string;

  beforeAll(async () => {
    llm = await startFakeOpenAI();
    dbPath = join(tempDir(), 'bot.db');
    // No WEBHOOK_SECRET: the server generates one, and the chat finds it in the same database.
    // Without the knowledge base the fake model echoes what it was told, which shows how each kind was described.
    const prompts = copyPrompts();
    rmSync(join(prompts, 'knowledge'), { recursive: true });
    server = await startServerProcess({ DATABASE_PATH: dbPath, PROMPTS_DIR: prompts, OPENAI_BASE_URL: llm.url });
  });
  afterAll(async () => {
    await server.stop();
    await llm.close();
  });

  it('posts what is typed and prints the replies readably, with the time they took', async () => {
    const { code, output } = await chat(
      ['--url', server.url, '--as', '+62 811 000 111', '--name', 'Dewi'],
      ['Hello, do you have a price list?', 'thank you', '/image https://example.com/bag.jpg is this in stock?', '/doc https://example.com/po.pdf order.pdf', '/audio 12', '/contact Rina Hartono 628199', '/quit', 'never sent'],
      { DATABASE_PATH: dbPath },
    );
    expect(code).toBe(0);
    expect(output).toContain('as Dewi (62811000111)');
    expect(output).toMatch(/bot \(\d+(\.\d)? m?s\):\n {4}\[document\] price_list\.pdf "Here is our price list\." <https:\/\/example\.com\/files\/price-list\.pdf>/);
    expect(output).toMatch(/ {4}\[reaction\] 🙏\n {4}\[text\] You are welcome!/);
    expect(output).toContain('You said: [The customer sent an image with the caption "is this in stock?"');
    expect(output).toContain('You said: [The customer sent a document named "order.pdf"');
    expect(output).toContain('You said: [The customer sent a voice note of 12 seconds');
    expect(output).toContain('You said: [The customer shared a contact: Rina Hartono (628199)');
    expect(output).not.toContain('never sent');

    const db = openDatabase(dbPath, { readonly: true });
    const stored = db.$client.prepare("select kind from messages m join contacts c on c.id = m.contact_id where c.phone = '62811000111' and direction = 'in' order by m.id").pluck().all();
    db.$client.close();
    expect(stored).toEqual(['text', 'text', 'image', 'document', 'audio', 'contact']);
  });

  it('/as switches to another customer with their own conversation', async () => {
    const { output } = await chat(['--url', server.url, '--token', server.output().match(/token=([\w-]+)/)![1]!], ['/as 628222333444 Joko', 'hi']);
    expect(output).toContain('now chatting as Joko (628222333444)');
    const db = openDatabase(dbPath, { readonly: true });
    expect(db.$client.prepare("select display_name from contacts where phone = '628222333444'").pluck().get()).toBe('Joko');
    db.$client.close();
  });

  it('the bot never sends control characters the model wrote', async () => {
    const token = server.output().match(/token=([\w-]+)/)![1]!;
    const hostile = 'hi \u001b]0;owned\u0007 \u001b[2J there';
    const { output } = await chat(['--url', server.url, '--token', token, '--as', '628333444555'], [hostile]);
    expect(output).toContain('You said: hi ]0;owned [2J there');
  });

  it('escape sequences in what a server sends back are shown, never run by the terminal', async () => {
    const hostile = createServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ type: 'chat', body: 'hi \u001b]0;owned\u0007 \u001b[2J \u001b]52;c;ZXZpbA==\u0007 \u009b31m' }));
    });
    await new Promise<void>((resolve) => hostile.listen(0, '127.0.0.1', resolve));
    try {
      const url = `http://127.0.0.1:${(hostile.address() as AddressInfo).port}`;
      const { output } = await chat(['--url', url, '--token', 'any-token-any-token'], ['hello']);
      expect(output).toContain('[text] hi \\x1b]0;owned\\x07 \\x1b[2J \\x1b]52;c;ZXZpbA==\\x07 \\x9b31m');
      expect(output).not.toMatch(/[\u001b\u0007\u009b]/);
    } finally {
      hostile.close();
    }
  });

  it('/as reads a number as people type it, with the rest as the name', async () => {
    const token = server.output().match(/token=([\w-]+)/)![1]!;
    const { output } = await chat(['--url', server.url, '--token', token], ['/as +62 811-222 Budi Santoso', '/as Budi']);
    expect(output).toContain('now chatting as Budi Santoso (62811222)');
    expect(output).toContain('usage: /as NUMBER [NAME]');
    const local = await chat(['--url', server.url, '--token', token], ['/as 0811 333 444 Sari'], { DEFAULT_COUNTRY_CODE: '62' });
    expect(local.output).toContain('now chatting as Sari (62811333444)');
  });

  it('a local number without DEFAULT_COUNTRY_CODE is refused, and no second contact is created', async () => {
    const token = server.output().match(/token=([\w-]+)/)![1]!;
    const refusal = '0811 333 555 is a local number: type it with its country code (+62 811333555 for Indonesia), or set DEFAULT_COUNTRY_CODE (in .env) to read local numbers';
    const typed = await chat(['--url', server.url, '--token', token, '--as', '62811333555', '--name', 'Sari'], ['hello', '/as 0811 333 555 Sari', 'hello again']);
    expect(typed.output).toContain(`  ${refusal}\n`);
    const started = await chat(['--url', server.url, '--token', token, '--as', '0811 333 555'], ['hello']);
    expect(started).toEqual({ code: 1, output: `Error: --as ${refusal}\n` });
    const db = openDatabase(dbPath, { readonly: true });
    const phones = db.$client.prepare("select phone from contacts where phone like '%811333555'").pluck().all();
    db.$client.close();
    expect(phones).toEqual(['62811333555']);
  });

  it('without --name, a customer who exists keeps their name', async () => {
    const token = server.output().match(/token=([\w-]+)/)![1]!;
    await chat(['--url', server.url, '--token', token, '--as', '628555666777', '--name', 'Rina Hartono'], ['hello']);
    const { output } = await chat(['--url', server.url, '--token', token, '--as', '628555666777'], ['me again', '/as 628555666777', 'and again']);
    expect(output).toContain('as 628555666777, under the name it has.');
    const db = openDatabase(dbPath, { readonly: true });
    expect(db.$client.prepare("select display_name from contacts where phone = '628555666777'").pluck().get()).toBe('Rina Hartono');
    db.$client.close();
  });

  it('a wrong token is shown as the server answered it', async () => {
    const { output } = await chat(['--url', server.url, '--token', 'wrong-token-wrong-token'], ['hi']);
    expect(output).toMatch(/! the server answered 401 .*: wrong \?token=/);
  });

  describe('the time the bot believes it is', () => {
    /** The note about the time in the last request the model received. */
    const lastNote = () =>
      (llm.lastRequest as { messages: { role: string; content: string }[] }).messages.find((m) => m.role === 'system' && m.content.startsWith('Current local date and time:'))?.content;
    let trialEnv: Record<string, string>;
    beforeAll(() => {
      const prompts = copyPrompts();
      writeFileSync(join(prompts, 'opening-hours.txt'), 'Mon-Fri 09:00-17:00\nSat 09:00-13:00\nSun closed\n');
      // What a trial bot is built from: the settings of .env, as the server's (here given one by one).
      trialEnv = { PROMPTS_DIR: prompts, OPENAI_BASE_URL: llm.url, TIME_ZONE: 'Asia/Jakarta', DATABASE_PATH: dbPath };
    });

    it('--at starts the chat at that local time: it prints it, and the model is told it', async () => {
      const { code, output } = await chat(['--at', '2026-12-05 22:00', '--name', 'Dewi'], ['are you open?'], trialEnv);
      expect(code).toBe(0);
      expect(output).toContain("Chatting with a trial bot in this process (a running server's clock cannot be moved)");
      expect(output).toContain("The bot's time: Saturday 5 December 2026, 22:00 (Asia/Jakarta); closed; opens Monday 7 December at 09:00 (set with --at; /at now goes back)");
      expect(output).toMatch(/\n {2}bot \(\d+(\.\d)? m?s\):\n {4}\[text\] /);
      expect(lastNote()).toBe('Current local date and time: Saturday 5 December 2026, 22:00 (Asia/Jakarta).\nThe business is closed; opens Monday 7 December at 09:00.');
    });

    it('/at moves the clock in the chat (a trial bot takes over from the running server), /at now goes back', async () => {
      const token = server.output().match(/token=([\w-]+)/)![1]!;
      const { code, output } = await chat(
        ['--url', server.url, '--token', token, '--as', '628444555666'],
        ['/at 2026-12-07 09:30', 'can I pick it up now?', '/at now'],
        trialEnv,
      );
      expect(code).toBe(0);
      // At the start, the machine's time in TIME_ZONE.
      expect(output).toMatch(/^The bot's time: \w+day \d{1,2} \w+ \d{4}, \d\d:\d\d \(Asia\/Jakarta\); (open|closed);/m);
      expect(output).toContain('  from now on you chat with a trial bot in this process');
      expect(output).toContain("  the bot's time: Monday 7 December 2026, 09:30 (Asia/Jakarta); open; closes today, Monday 7 December at 17:00\n");
      expect(lastNote()).toBe('Current local date and time: Monday 7 December 2026, 09:30 (Asia/Jakarta).\nThe business is open; closes today, Monday 7 December at 17:00.');
      expect(output.split("the bot's time: ").at(-1)).not.toContain('2026, 09:30');
      // The trial's conversation stays out of the server's database.
      const db = openDatabase(dbPath, { readonly: true });
      expect(db.$client.prepare("select count(*) from messages where text like '%pick it up%'").pluck().get()).toBe(0);
      db.$client.close();
    });

    it('a time that cannot be read is refused with one line', async () => {
      const started = await chat(['--at', 'Saturday night'], [], trialEnv);
      expect(started).toEqual({
        code: 1,
        output: 'Error: --at cannot read "Saturday night" as a time: write the local time in Asia/Jakarta as YYYY-MM-DD HH:MM, e.g. 2026-12-05 22:00\n',
      });
      const typed = await chat(['--at', '2026-12-05 22:00'], ['/at 2026-02-30 10:00'], trialEnv);
      expect(typed.output).toContain('  cannot read "2026-02-30 10:00" as a time: write the local time in Asia/Jakarta as YYYY-MM-DD HH:MM, e.g. 2026-12-05 22:00\n');
      expect(typed.output).not.toContain('February');
    });
  });

  it('a server that is not running is a clear message', async () => {
    const { output } = await chat(['--url', 'http://127.0.0.1:9', '--token', 'x'.repeat(20)], ['hi']);
    expect(output).toContain('cannot reach http://127.0.0.1:9');
    expect(output).toContain('Is the server running');
  });
});

describe('chat commands make valid Whatspie payloads', () => {
  it.each([
    ['hello', 'text'],
    ['/image https://x.test/a.jpg nice bag', 'image'],
    ['/doc https://x.test/a.pdf invoice.pdf', 'document'],
    ['/audio 7', 'audio'],
    ['/contact Ana 62811', 'contact'],
  ])('%s', (line, kind) => {
    const payload = payloadFor(line, '628111', 'Tester');
    const parsed = parseInbound(payload);
    expect(parsed.ok && parsed.message.content.kind).toBe(kind);
  });

  it('gives every message a fresh id', () => {
    const a = payloadFor('hi', '1', 'x') as { message_id: string };
    const b = payloadFor('hi', '1', 'x') as { message_id: string };
    expect(a.message_id).not.toBe(b.message_id);
  });

  it.each(['/image', '/doc https://x.test/a.pdf', '/audio soon', '/contact 62811', '/video x'])('%s explains its usage', (line) => {
    expect(typeof payloadFor(line, '1', 'x')).toBe('string');
  });
});
