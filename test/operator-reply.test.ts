// An operator answers a customer from our tools: through the same outbox, recorded as the operator's, bot paused.
import { describe, expect, it } from 'vitest';
import { runTranscripts } from '../src/cli/transcripts.js';
import { jsonOf, makeBot, WHATSPIE_DEVICE, WHATSPIE_TOKEN } from './helpers/app.js';
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
    expect(out).toMatch(/^Sent to Customer 6281900000401 \(6281900000401\) \(Whatspie id \d+\)\./);
    expect(api.sent.map((r) => r.body)).toEqual([
      { device: WHATSPIE_DEVICE, receiver: customer, type: 'chat', params: { text: 'Hi, this is Dewi. Your *refund* is on its way.' }, simulate_typing: 1 },
    ]);
    const show = await transcripts(bot.dbPath, ['show', customer]);
    expect(show.out).toMatch(/operator\s+\[text\] Hi, this is Dewi\. Your \*refund\* is on its way\./);
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
    expect((await transcripts(bot.dbPath, ['reply', '6281900000404', 'Hello'], false)).out).toContain('set WHATSPIE_API_TOKEN and WHATSPIE_DEVICE');
    expect((await transcripts(bot.dbPath, ['reply', '6281900000404'])).out).toContain('what to send?');
  });
});
