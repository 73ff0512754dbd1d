// An operator answers a customer from our tools: through the same outbox, recorded as the operator's, bot paused.
import { spawn } from 'node:child_process';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { runTranscripts } from '../src/cli/transcripts.js';
import { jsonOf, makeBot, tempDir, WHATSPIE_DEVICE, WHATSPIE_TOKEN } from './helpers/app.js';
import { textFrom } from './helpers/fixtures.js';
import { llmRequests, replyWith } from './helpers/llm.js';
import { fakeWhatspieForThisFile } from './helpers/fakes.js';

const api = fakeWhatspieForThisFile();

async function transcripts(dbPath: string, argv: string[], withApi = true) {
  const out: string[] = [];
  const settings = { DATABASE_PATH: dbPath, HANDOFF_HOURS: 24, ...(withApi && { WHATSPIE_API_TOKEN: WHATSPIE_TOKEN, WHATSPIE_DEVICE, WHATSPIE_API_URL: api.url }) };
  const code = await runTranscripts(argv, { out: (t) => out.push(t), err: (t) => out.push(t), settings, now: Date.now() });
  return { code, out: out.join('\n') };
}

describe('transcripts reply', () => {
  it('sends through the API while the server is not running, records it as the operator, and pauses the bot', async () => {
    replyWith({ content: 'Bot answer' });
    const bot = makeBot();
    const customer = '6281900000401';
    await bot.post(textFrom(customer, 'I want a refund'));
    bot.close();

    const { code, out } = await transcripts(bot.dbPath, ['reply', '+62 819-0000-0401', 'Hi,', 'this', 'is', 'Dewi.', 'Your', '**refund**', 'is', 'on', 'its', 'way.']);
    expect(code).toBe(0);
    expect(out).toMatch(/^Sending to Customer 6281900000401 \(6281900000401\) through Whatspie's API at 127\.0\.0\.1:\d+ \(for up to 20 s\)…\nSent to Customer 6281900000401 \(6281900000401\) \(Whatspie id \d+\)\./);
    expect(api.sent.map((r) => r.body)).toEqual([
      { device: WHATSPIE_DEVICE, receiver: customer, type: 'chat', params: { text: 'Hi, this is Dewi. Your *refund* is on its way.' }, simulate_typing: 1 },
    ]);
    const show = await transcripts(bot.dbPath, ['show', customer]);
    expect(show.out).toMatch(/operator terminal\s+\[text\] Hi, this is Dewi\. Your \*refund\* is on its way\./);
    expect(show.out).toContain('Waiting for a human since');

    const again = makeBot({ dbPath: bot.dbPath, promptsDir: bot.promptsDir });
    expect(await jsonOf(again.post(textFrom(customer, 'thanks!')))).toEqual([]);
    expect(llmRequests).toHaveLength(1);
  });

  it('works while the server runs, whose worker may take the message too: it is sent once', async () => {
    replyWith({ content: 'Bot answer' });
    const bot = makeBot({ whatspieApiUrl: api.url });
    const customer = '6281900000402';
    await bot.post(textFrom(customer, 'hello'));
    const { code } = await transcripts(bot.dbPath, ['reply', customer, 'A person here.']);
    expect(code).toBe(0);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(api.sent.map((r) => r.body.params.text)).toEqual(['A person here.']);
    expect(await jsonOf(bot.post(textFrom(customer, 'ok')))).toEqual([]);
  });

  it('a refusal by Whatspie is reported, with its reason, and exit code 1', async () => {
    replyWith({ content: 'Bot answer' });
    const bot = makeBot();
    await bot.post(textFrom('6281900000403', 'hello'));
    api.script([{ status: 403, body: { message: 'Feature not available in your plan' } }]);
    const { code, out } = await transcripts(bot.dbPath, ['reply', '6281900000403', 'Hello']);
    expect(code).toBe(1);
    expect(out).toContain('NOT sent to');
    expect(out).toContain('HTTP 403: Feature not available in your plan');
    const show = await transcripts(bot.dbPath, ['show', '6281900000403']);
    expect(show.out).toContain('FAILED: HTTP 403: Feature not available in your plan');
  });

  it('says what to set when the API is not configured, and needs a text', async () => {
    replyWith({ content: 'Bot answer' });
    const bot = makeBot();
    await bot.post(textFrom('6281900000404', 'hello'));
    expect((await transcripts(bot.dbPath, ['reply', '6281900000404', 'Hello'], false)).out).toContain('configure WHATSPIE_API_TOKEN and WHATSPIE_DEVICE');
    expect((await transcripts(bot.dbPath, ['reply', '6281900000404'])).out).toContain('what to send?');
  });
});

describe('transcripts reply, pause and resume never guess which customer the words name', () => {
  // The scenario: two customers whose numbers differ by a trailing 1, and a text that starts with "1".
  const SHORT = '62812345678';
  const LONG = '628123456781';
  const TEXT = ['1', 'more', 'day,', 'your', 'parcel', 'ships', 'tomorrow'];

  async function twoCustomers() {
    replyWith({ content: 'Bot answer' });
    const bot = makeBot();
    await bot.post(textFrom(SHORT, 'where is my parcel?', { from_user: { name: 'Ana', jid: `${SHORT}@s.whatsapp.net` } }));
    await bot.post(textFrom(LONG, 'hello', { from_user: { name: 'Budi', jid: `${LONG}@s.whatsapp.net` } }));
    bot.close();
    return bot.dbPath;
  }

  async function run(dbPath: string, argv: string[]) {
    const out: string[] = [];
    const err: string[] = [];
    const settings = { DATABASE_PATH: dbPath, HANDOFF_HOURS: 24, WHATSPIE_API_TOKEN: WHATSPIE_TOKEN, WHATSPIE_DEVICE, WHATSPIE_API_URL: api.url };
    const code = await runTranscripts(argv, { out: (t) => out.push(t), err: (t) => err.push(t), settings, now: Date.now() });
    return { code, out: out.join('\n'), err: err.join('\n') };
  }

  it('a text that starts with a digit, when both readings are customers: one line, nothing sent, nobody paused', async () => {
    const dbPath = await twoCustomers();
    const reply = await run(dbPath, ['reply', SHORT, ...TEXT]);
    expect(reply.code).toBe(1);
    expect(reply.out).toBe('');
    expect(reply.err).toBe(
      `Error: "${SHORT} 1 more day, your parcel shi…" can be read as ${SHORT} or ${LONG}, and each is a customer, so nothing was sent: put -- between the number and the text (reply NUMBER -- TEXT)`,
    );
    const pause = await run(dbPath, ['pause', SHORT, '1', 'day', 'off']);
    expect(pause.code).toBe(1);
    expect(pause.err.split('\n')).toHaveLength(1);
    expect(pause.err).toContain('so nothing was changed: put -- between the number and the reason (pause NUMBER -- REASON)');

    expect(api.requests).toEqual([]);
    const list = await run(dbPath, ['list']);
    expect(list.out).not.toContain('WAITING');
    expect((await run(dbPath, ['show', SHORT])).out).not.toContain('operator');
    expect((await run(dbPath, ['show', LONG])).out).not.toContain('operator');
  });

  it('resume with words that name two customers changes neither', async () => {
    const dbPath = await twoCustomers();
    await run(dbPath, ['pause', LONG]);
    await run(dbPath, ['pause', SHORT]);
    const resume = await run(dbPath, ['resume', SHORT, '1']);
    expect(resume).toMatchObject({ code: 1, out: '' });
    expect(resume.err).toContain('so nothing was changed: write the number alone, in one word (resume NUMBER)');
    expect((await run(dbPath, ['list'])).out.match(/WAITING/g)).toHaveLength(2);
  });

  it('with -- between number and text, the whole text goes to the number before it', async () => {
    const dbPath = await twoCustomers();
    const toShort = await run(dbPath, ['reply', SHORT, '--', ...TEXT]);
    expect(toShort.code).toBe(0);
    expect(toShort.out).toContain(`Sent to Ana (${SHORT})`);
    const toLong = await run(dbPath, ['reply', '+62', '812-345-6781', '--', '2', 'boxes', 'left']);
    expect(toLong.out).toContain(`Sent to Budi (${LONG})`);
    expect(api.sent.map((r) => [r.body.receiver, r.body.params.text])).toEqual([
      [SHORT, '1 more day, your parcel ships tomorrow'],
      [LONG, '2 boxes left'],
    ]);
    expect((await run(dbPath, ['pause', SHORT, '--', '2', 'days', 'off'])).out).toContain(`Paused: the bot stays silent for Ana (${SHORT})`);
    expect((await run(dbPath, ['list'])).out).toMatch(new RegExp(`${SHORT} .*WAITING: 2 days off`));
  });

  it('words that name one customer only are read that way; words that name none are refused', async () => {
    replyWith({ content: 'Bot answer' });
    const bot = makeBot();
    await bot.post(textFrom(SHORT, 'hi'));
    bot.close();
    expect((await run(bot.dbPath, ['reply', SHORT, ...TEXT])).out).toContain(`Sent to Customer ${SHORT} (${SHORT})`);
    expect(api.sent.map((r) => r.body.params.text)).toEqual(['1 more day, your parcel ships tomorrow']);
    const unknown = await run(bot.dbPath, ['reply', '62899', '1', 'hello']);
    expect(unknown.err).toBe('Error: no conversation with 62899 or 628991, so nothing was sent; "npm run transcripts -- list" shows every number');
    expect(api.requests).toHaveLength(1);
  });
});

/** Whatspie's API answering the first send 503 (busy), and holding the second until the test releases it. */
async function busyThenHeldWhatspie() {
  let release!: () => void;
  const released = new Promise<void>((resolve) => (release = resolve));
  let secondArrived!: () => void;
  const second = new Promise<void>((resolve) => (secondArrived = resolve));
  let count = 0;
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      count += 1;
      if (count === 1) return void res.writeHead(503, { 'content-type': 'application/json' }).end('{"message":"busy"}');
      secondArrived();
      void released.then(() => res.writeHead(200, { 'content-type': 'application/json' }).end('{"status":200,"message":"OK","data":{"id":77}}'));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { url, second, release, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

describe('transcripts reply says what it is doing while it does it', () => {
  it('says at once that it is sending, and each try that did not go through, before the outcome', async () => {
    replyWith({ content: 'Bot answer' });
    const bot = makeBot();
    const customer = '6281900000405';
    await bot.post(textFrom(customer, 'hello'));
    bot.close();
    const whatspie = await busyThenHeldWhatspie();
    try {
      const lines: string[] = [];
      const settings = { DATABASE_PATH: bot.dbPath, HANDOFF_HOURS: 24, WHATSPIE_API_TOKEN: WHATSPIE_TOKEN, WHATSPIE_DEVICE, WHATSPIE_API_URL: whatspie.url };
      const done = runTranscripts(['reply', customer, 'On', 'its', 'way'], { out: (t) => lines.push(t), err: (t) => lines.push(t), settings, now: Date.now() });
      await whatspie.second;
      // While Whatspie holds the second try, the operator already reads what is going on.
      expect(lines).toEqual([
        `Sending to Customer ${customer} (${customer}) through Whatspie's API at ${whatspie.url.slice('http://'.length)} (for up to 20 s)…`,
        '  try 1 did not go through: HTTP 503: busy; trying again…',
      ]);
      whatspie.release();
      expect(await done).toBe(0);
      expect(lines.slice(2)).toEqual([
        `Sent to Customer ${customer} (${customer}) (Whatspie id 77).`,
        'The bot stays silent for this customer until "npm run transcripts -- resume" (or HANDOFF_HOURS).',
      ]);
    } finally {
      await whatspie.close();
    }
  });

  it('with Whatspie unreachable, the tool prints at once what it is doing, not after the whole wait', async () => {
    replyWith({ content: 'Bot answer' });
    const bot = makeBot();
    const customer = '6281900000406';
    await bot.post(textFrom(customer, 'hello'));
    bot.close();
    // The compiled tool, as an operator runs it, from a folder without a .env; nothing listens on port 9.
    const child = spawn(process.execPath, [fileURLToPath(new URL('../dist/cli/transcripts.js', import.meta.url)), 'reply', customer, 'Sorry for the wait'], {
      cwd: tempDir(),
      env: { PATH: process.env.PATH ?? '', DATABASE_PATH: bot.dbPath, WHATSPIE_API_TOKEN: WHATSPIE_TOKEN, WHATSPIE_DEVICE, WHATSPIE_API_URL: 'http://127.0.0.1:9' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    let exited = false;
    child.on('exit', () => (exited = true));
    try {
      // No stopwatch (a loaded machine may take seconds to start the tool): the first try's line must come while the
      // tool still waits, that is before the whole 20 s wait has ended with the outcome.
      await new Promise<void>((resolve, reject) => {
        const look = () => {
          if (output.includes('try 1 did not go through')) resolve();
        };
        child.stdout.on('data', (chunk: Buffer) => ((output += chunk.toString()), look()));
        child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
        child.on('exit', () => reject(new Error(`the tool ended before saying what it was doing: ${JSON.stringify(output)}`)));
      });
      expect(exited).toBe(false);
      expect(output).toMatch(new RegExp(`^Sending to Customer ${customer} \\(${customer}\\) through Whatspie's API at 127\\.0\\.0\\.1:9 \\(for up to 20 s\\)…\n  try 1 did not go through: connection failed \\(ECONNREFUSED\\) before the request was sent`));
    } finally {
      child.kill();
    }
  }, 60_000);
});
