import { request as httpRequest } from 'node:http';
import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import { describe, expect, it } from 'vitest';
import { webhookReplySchema } from '../src/whatspie/reply.js';
import { makeBot, SECRET, storedMessages, jsonOf } from './helpers/app.js';
import { freshInbound, inboundNames } from './helpers/fixtures.js';
import { llmRequests, replyWith, toolCall } from './helpers/llm.js';

describe('authentication', () => {
  it.each([
    ['a missing token', undefined],
    ['a wrong token', 'wrong-secret-0123456789'],
    ['an empty token', ''],
  ])('%s gets 401, stores nothing and calls no LLM', async (_label, token) => {
    replyWith({ content: 'hello' });
    const bot = makeBot();
    const response =
      token === undefined
        ? await bot.app.request('/webhook', { method: 'POST', body: JSON.stringify(freshInbound()) })
        : await bot.post(freshInbound(), token);
    expect(response.status).toBe(401);
    expect(await jsonOf(response)).toEqual({ error: { code: 'unauthorized', message: expect.any(String) } });
    expect(storedMessages(bot.db)).toEqual([]);
    expect(llmRequests).toHaveLength(0);
  });
});

describe('bad input', () => {
  it('malformed JSON gets 400 invalid_json', async () => {
    const bot = makeBot();
    const response = await bot.post('{"from": "62", ');
    expect(response.status).toBe(400);
    expect((await jsonOf(response)).error.code).toBe('invalid_json');
  });

  it.each([['[]'], ['"text"'], ['null'], ['42']])('a body that is not an object (%s) gets 400', async (body) => {
    const bot = makeBot();
    const response = await bot.post(body);
    expect(response.status).toBe(400);
    expect((await jsonOf(response)).error).toMatchObject({ code: 'invalid_payload', message: expect.stringContaining('object') });
  });

  it('a bad envelope gets 400 naming the field, and nothing is stored', async () => {
    const bot = makeBot();
    const response = await bot.post({ ...freshInbound(), timestamp: 'yesterday' });
    expect(response.status).toBe(400);
    expect((await jsonOf(response)).error.message).toContain('timestamp');
    expect(storedMessages(bot.db)).toEqual([]);
  });

  it('a body over 1 MiB gets 413', async () => {
    const bot = makeBot();
    const response = await bot.post({ ...freshInbound(), message: 'x'.repeat(1024 * 1024 + 10) });
    expect(response.status).toBe(413);
    expect((await jsonOf(response)).error.code).toBe('payload_too_large');
  });

  it('over real HTTP, a body over 1 MiB gets 413 whether it states its length or comes in chunks', async () => {
    replyWith({ content: 'Hello!' });
    const bot = makeBot();
    const server = serve({ fetch: bot.app.fetch, port: 0, hostname: '127.0.0.1' });
    await new Promise((resolve) => server.once('listening', resolve));
    const port = (server.address() as AddressInfo).port;
    const post = (body: string, chunked: boolean) =>
      new Promise<{ status: number; body: string }>((resolve, reject) => {
        const request = httpRequest({ host: '127.0.0.1', port, method: 'POST', path: `/webhook?token=${SECRET}`, headers: { 'content-type': 'application/json', ...(chunked ? {} : { 'content-length': String(Buffer.byteLength(body)) }) } }, (response) => {
          let text = '';
          response.on('data', (chunk: Buffer) => (text += chunk.toString()));
          response.on('end', () => resolve({ status: response.statusCode!, body: text }));
        });
        request.on('error', reject);
        if (chunked) for (let i = 0; i < body.length; i += 65_536) request.write(body.slice(i, i + 65_536));
        else request.write(body);
        request.end();
      });
    try {
      const big = JSON.stringify({ ...freshInbound(), message: 'x'.repeat(1024 * 1024 + 10) });
      for (const chunked of [false, true]) {
        const answer = await post(big, chunked);
        expect(answer.status).toBe(413);
        expect(JSON.parse(answer.body).error.code).toBe('payload_too_large');
      }
      for (const chunked of [false, true]) expect((await post(JSON.stringify(freshInbound()), chunked)).status).toBe(200);
    } finally {
      server.close();
    }
  });

  it('unknown routes get a JSON 404', async () => {
    const response = await makeBot().app.request('/nope');
    expect(response.status).toBe(404);
    expect((await jsonOf(response)).error.code).toBe('not_found');
  });
});

describe('every documented inbound message', () => {
  it.each(inboundNames)('a %s message gets 200 and a valid reply, and is stored', async (name) => {
    replyWith({ toolCalls: [toolCall('send_text', { text: 'Thanks, let me check.' })] });
    const bot = makeBot();
    const payload = freshInbound(name);
    const response = await bot.post(payload);
    expect(response.status).toBe(200);
    const reply = await jsonOf(response);
    expect(webhookReplySchema.safeParse(reply).success).toBe(true);
    expect(reply).toEqual({ type: 'chat', body: 'Thanks, let me check.', simulation: true });
    const rows = storedMessages(bot.db);
    expect(rows.map((r) => [r.direction, r.wa_message_id])).toEqual([
      ['in', payload.message_id],
      ['out', null],
    ]);
    expect(JSON.parse(rows[1]!.reply_json!)).toEqual(reply);
  });

  it.each([
    ['text', 'Hello, I need help with my order'],
    ['image', 'an image with the caption "Check out this product!"'],
    ['document', 'a document named "contract_agreement.pdf" with the caption "Please review this document"'],
    ['audio', 'a voice note of 15 seconds'],
    ['contact', 'a contact: Tech Support (+62 858-4625-5569)'],
  ] as const)('the model reads a %s message in words', async (name, words) => {
    replyWith({ content: 'ok' });
    await makeBot().post(freshInbound(name));
    expect(llmRequests[0]!.messages.at(-1)).toEqual({ role: 'user', content: expect.stringContaining(words) });
  });

  it('a type the docs do not list is answered and described by its type', async () => {
    replyWith({ content: 'I cannot open stickers, but how can I help?' });
    const bot = makeBot();
    const response = await bot.post({ ...freshInbound('image'), type: 'stickerMessage' });
    expect(response.status).toBe(200);
    expect((await jsonOf(response)).body).toContain('stickers');
    expect(llmRequests[0]!.messages.at(-1)!.content).toContain('"stickerMessage"');
    expect(storedMessages(bot.db)[0]!.kind).toBe('unknown:stickerMessage');
  });
});

describe('without any LLM configured', () => {
  it('every message gets the fallback text', async () => {
    const bot = makeBot({ llm: false });
    const response = await bot.post(freshInbound());
    expect(await jsonOf(response)).toEqual({ type: 'chat', body: expect.stringContaining('team will get back to you'), simulation: true });
    expect(storedMessages(bot.db)[1]).toMatchObject({ fell_back: 1, fallback_reason: 'llm_not_configured' });
  });
});

describe('health', () => {
  it('answers 200 while the database answers, 503 once it is closed', async () => {
    const bot = makeBot();
    expect((await bot.app.request('/healthz')).status).toBe(200);
    bot.db.$client.close();
    const response = await bot.app.request('/healthz');
    expect(response.status).toBe(503);
    expect((await jsonOf(response)).error.code).toBe('unavailable');
  });
});
