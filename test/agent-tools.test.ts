import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { MAX_REPLIES, webhookReplySchema } from '../src/whatspie/reply.js';
import { makeBot, storedMessages, jsonOf } from './helpers/app.js';
import { freshInbound, replyFixture } from './helpers/fixtures.js';
import { llmRequests, replyWith, toolCall } from './helpers/llm.js';

async function replyTo(calls: Parameters<typeof replyWith>[0], bot = makeBot()) {
  replyWith(calls);
  const response = await bot.post(freshInbound());
  expect(response.status).toBe(200);
  const reply = await jsonOf(response);
  expect(webhookReplySchema.safeParse(reply).success).toBe(true);
  return reply;
}

const FALLBACK = { type: 'chat', body: expect.stringContaining('team will get back to you'), simulation: true };

describe('each tool becomes the documented reply', () => {
  it('send_text gives a chat message with typing simulation', async () => {
    expect(await replyTo({ toolCalls: [toolCall('send_text', { text: 'Hi there' })] })).toEqual({
      type: 'chat',
      body: 'Hi there',
      simulation: true,
    });
  });

  it('send_image sends the catalog url and caption, never one the model wrote', async () => {
    expect(await replyTo({ toolCalls: [toolCall('send_image', { media_id: 'store-map', caption: 'Here we are' })] })).toEqual({
      type: 'chat',
      body: 'Here we are',
      params: { image: { url: 'https://example.com/images/store-map.png' }, caption: 'Here we are' },
    });
  });

  it('send_image without a caption (or with null) uses the catalog caption', async () => {
    const expected = {
      type: 'chat',
      body: 'Our 2026 collection',
      params: { image: { url: 'https://example.com/images/catalog-2026.jpg' }, caption: 'Our 2026 collection' },
    };
    expect(await replyTo({ toolCalls: [toolCall('send_image', { media_id: 'catalog-cover' })] })).toEqual(expected);
    expect(await replyTo({ toolCalls: [toolCall('send_image', { media_id: 'catalog-cover', caption: null })] })).toEqual(expected);
  });

  it('send_document gives the documented document reply', async () => {
    const reply = await replyTo({ toolCalls: [toolCall('send_document', { media_id: 'price-list', caption: 'Please find the requested document attached:' })] });
    expect(reply).toEqual({
      type: 'chat',
      body: 'Please find the requested document attached:',
      params: { document: { url: 'https://example.com/files/price-list.pdf' }, fileName: 'price_list.pdf', mimeType: 'application/pdf' },
    });
    expect(Object.keys(reply.params)).toEqual(Object.keys((replyFixture('document') as { params: object }).params));
  });

  it('react gives a reaction', async () => {
    expect(await replyTo({ toolCalls: [toolCall('react', { emoji: '👍' })] })).toEqual(replyFixture('reaction'));
  });

  it('plain content with no tool call becomes a text reply', async () => {
    expect(await replyTo({ content: 'Our shop opens at 9.' })).toEqual({ type: 'chat', body: 'Our shop opens at 9.', simulation: true });
  });

  it('text longer than one WhatsApp message is split into several', async () => {
    const paragraph = 'word '.repeat(600).trim();
    const reply = await replyTo({ toolCalls: [toolCall('send_text', { text: `${paragraph}\n\n${paragraph}` })] });
    expect(reply).toHaveLength(2);
    expect(reply.every((r: { body: string }) => r.body === paragraph)).toBe(true);
  });
});

describe('several tool calls', () => {
  it('become an array in the order the model gave them, after any plain content', async () => {
    const reply = await replyTo({
      content: 'Sure!',
      toolCalls: [toolCall('react', { emoji: '❤️' }), toolCall('send_document', { media_id: 'price-list' }), toolCall('send_text', { text: 'Anything else?' })],
    });
    expect(reply.map((r: { type: string; body: string }) => [r.type, r.body])).toEqual([
      ['chat', 'Sure!'],
      ['reaction', '❤️'],
      ['chat', 'Our current price list'],
      ['chat', 'Anything else?'],
    ]);
  });

  it(`are capped at ${MAX_REPLIES} messages`, async () => {
    const calls = Array.from({ length: 9 }, (_, i) => toolCall('send_text', { text: `message ${i}` }));
    const reply = await replyTo({ toolCalls: calls });
    expect(reply).toHaveLength(MAX_REPLIES);
    expect(reply[0].body).toBe('message 0');
  });
});

describe('tool calls that cannot be trusted', () => {
  it('an unknown tool is dropped and the valid calls still go out', async () => {
    const reply = await replyTo({ toolCalls: [toolCall('transfer_money', { amount: 100 }), toolCall('send_text', { text: 'Done' })] });
    expect(reply).toEqual({ type: 'chat', body: 'Done', simulation: true });
  });

  it.each([
    ['arguments that are not JSON', toolCall('send_text', '{"text": ')],
    ['a missing required argument', toolCall('send_text', {})],
    ['a wrong type', toolCall('send_text', { text: 42 })],
    ['a reaction that is a word', toolCall('react', { emoji: 'thumbs up' })],
    ['a media id not in the catalog', toolCall('send_image', { media_id: 'https://evil.test/x.png' })],
    ['a document id given to the image tool', toolCall('send_image', { media_id: 'price-list' })],
    ['an unknown tool', toolCall('delete_account', {})],
  ])('with only %s, the customer gets the fallback and the reason is stored', async (_label, call) => {
    const bot = makeBot();
    expect(await replyTo({ toolCalls: [call] }, bot)).toEqual(FALLBACK);
    expect(storedMessages(bot.db)[1]).toMatchObject({ fell_back: 1, fallback_reason: 'no_valid_reply' });
  });
});

describe('the tools offered', () => {
  it('have the documented names, and media ids are an enum of the catalog', async () => {
    await replyTo({ content: 'ok' });
    const tools = llmRequests[0]!.tools!;
    expect(tools.map((t) => t.function.name)).toEqual(['send_text', 'send_image', 'send_document', 'react', 'handoff_to_human']);
    const image = tools.find((t) => t.function.name === 'send_image')!.function.parameters;
    expect(image.properties.media_id.enum).toEqual(['catalog-cover', 'store-map']);
    expect(image.required).toEqual(['media_id']);
    const document = tools.find((t) => t.function.name === 'send_document')!.function.parameters;
    expect(document.properties.media_id.enum).toEqual(['price-list']);
  });

  it('leave out the image and document tools when the catalog has no such files', async () => {
    const bot = makeBot();
    writeFileSync(join(bot.promptsDir, 'media.json'), '[]');
    await replyTo({ content: 'ok' }, bot);
    expect(llmRequests[0]!.tools!.map((t) => t.function.name)).toEqual(['send_text', 'react', 'handoff_to_human']);
  });
});
