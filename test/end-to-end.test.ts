// The real server process, over real HTTP, against a fake OpenAI-compatible server.
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { webhookReplySchema } from '../src/whatspie/reply.js';
import { copyPrompts, tempDir } from './helpers/app.js';
import { freshInbound, inboundNames } from './helpers/fixtures.js';
import { startServerProcess, type ServerProcess } from './helpers/server-process.js';
import { startFakeOpenAI, type FakeOpenAI } from './fake-openai.js';

const SECRET = 'e2e-secret-abcdefghijklmnop';

describe('the server process end to end', () => {
  let llm: FakeOpenAI;
  let server: ServerProcess;
  const post = (body: unknown, token = SECRET) =>
    fetch(`${server.url}/webhook?token=${token}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

  beforeAll(async () => {
    llm = await startFakeOpenAI();
    server = await startServerProcess({
      DATABASE_PATH: join(tempDir(), 'bot.db'),
      PROMPTS_DIR: copyPrompts(),
      OPENAI_BASE_URL: llm.url,
      OPENAI_MODEL: 'fake-model',
      WEBHOOK_SECRET: SECRET,
      PUBLIC_URL: 'https://bot.example.com',
    });
  });
  afterAll(async () => {
    server.child.kill('SIGKILL');
    await llm.close();
  });

  it('prints the webhook URL to paste into Whatspie, with a configured secret masked', () => {
    expect(server.output()).toContain('Webhook URL for Whatspie: https://bot.example.com/webhook?token=e2e-…op (token masked');
  });

  it('answers every documented inbound payload with a valid reply', async () => {
    for (const name of inboundNames) {
      const response = await post(freshInbound(name));
      expect(response.status, name).toBe(200);
      expect(webhookReplySchema.safeParse(await response.json()).success, name).toBe(true);
    }
    expect(llm.requests).toBe(inboundNames.length);
  });

  it('sends a document and a reaction through the fake model', async () => {
    const doc = await (await post(freshInbound('text', { message: 'Can I have the price list?' }))).json();
    expect(doc).toMatchObject({ params: { document: { url: 'https://example.com/files/price-list.pdf' }, fileName: 'price_list.pdf' } });
    const thanks = await (await post(freshInbound('text', { message: 'thank you!' }))).json();
    expect(thanks).toEqual([
      { type: 'reaction', body: '🙏' },
      { type: 'chat', body: 'You are welcome!', simulation: true },
    ]);
  });

  it("answers Whatspie's v2 envelope on the same URL: a message like v1, other events with []", async () => {
    const before = llm.requests;
    const message = await post({ type: 'message_incoming', data: freshInbound('text', { message: 'Can I have the price list?' }) });
    expect(await message.json()).toMatchObject({ params: { document: { url: 'https://example.com/files/price-list.pdf' } } });
    const read = await post({ type: 'message_read', data: { message_id: 1, wa_message_id: 'X', read_at: '2026-11-24 10:00:00' } });
    expect(read.status).toBe(200);
    expect(await read.json()).toEqual([]);
    expect(llm.requests).toBe(before + 1);
  });

  it('refuses a wrong token and bad JSON over HTTP', async () => {
    expect((await post(freshInbound(), 'nope-nope-nope-nope')).status).toBe(401);
    const bad = await fetch(`${server.url}/webhook?token=${SECRET}`, { method: 'POST', body: '{oops' });
    expect(bad.status).toBe(400);
    expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
  });

  it('stops cleanly on SIGTERM, and never logged the secret', async () => {
    expect(await server.stop('SIGTERM')).toBe(0);
    expect(server.output()).toContain('"msg":"stopped"');
    expect(server.output()).not.toContain(SECRET);
  });
});

describe('startup', () => {
  it('without an LLM it starts, says truly what it will do, and answers from the knowledge base or with the fallback', async () => {
    const server = await startServerProcess({ DATABASE_PATH: join(tempDir(), 'bot.db'), PROMPTS_DIR: copyPrompts() });
    try {
      expect(server.output()).toMatch(/no LLM configured .*clearly match a section of the knowledge base are answered with it; every other message gets the fallback/);
      const token = server.output().match(/token=([\w-]+)/)![1];
      const post = async (message: string) =>
        (await fetch(`${server.url}/webhook?token=${token}`, { method: 'POST', body: JSON.stringify(freshInbound('text', { message })) })).json();
      expect(await post('Hello, I need help with my order')).toMatchObject({ type: 'chat', body: expect.stringContaining('team will get back to you') });
      expect(await post('What are your opening hours?')).toMatchObject({ type: 'chat', body: expect.stringContaining('Monday to Friday') });
    } finally {
      await server.stop();
    }
  });

  it('a bad setting stops startup with a message naming it', async () => {
    await expect(startServerProcess({ DATABASE_PATH: join(tempDir(), 'bot.db'), REPLY_DEADLINE_MS: 'soon' })).rejects.toThrow(
      /REPLY_DEADLINE_MS/,
    );
  });

  it('a missing prompts folder stops startup with a message naming the file', async () => {
    await expect(startServerProcess({ DATABASE_PATH: join(tempDir(), 'bot.db'), PROMPTS_DIR: join(tempDir(), 'none') })).rejects.toThrow(
      /system\.md is missing/,
    );
  });
});
