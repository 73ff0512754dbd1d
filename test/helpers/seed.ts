// A database with conversations of every kind, written through the real webhook.
import { HttpResponse } from 'msw';
import { makeBot } from './app.js';
import { freshInbound, textFrom } from './fixtures.js';
import { answerWith, completion, toolCall } from './llm.js';

export const ANA = '6281200000001';
export const BUDI = '6281200000002';

/** Messages one minute apart from `start`; returns the bot and the time after the last message. */
export async function seedConversations(start = Date.UTC(2026, 10, 24, 9)) {
  let time = start;
  answerWith((request) => {
    const said = request.messages.at(-1)!.content;
    if (said.includes('price list')) return HttpResponse.json(completion({ content: 'Here you go', toolCalls: [toolCall('send_document', { media_id: 'price-list' })] }));
    if (said.includes('manager')) return HttpResponse.json(completion({ toolCalls: [toolCall('handoff_to_human', { reason: 'refund for a broken bag' })] }));
    if (said.includes('slow')) return new HttpResponse('overloaded', { status: 503 });
    if (said.includes('thank')) return HttpResponse.json(completion({ toolCalls: [toolCall('react', { emoji: '👍' })] }));
    return HttpResponse.json(completion({ content: `Reply to: ${said.slice(0, 40)}` }));
  });
  const bot = makeBot({ now: () => time });
  const ana = { name: 'Ana Wijaya', jid: `${ANA}@s.whatsapp.net` };
  const budi = { name: 'Budi Santoso', jid: `${BUDI}@s.whatsapp.net` };
  time += 60_000;
  await bot.post(textFrom(ANA, 'Can I get the price list?', { from_user: ana }));
  time += 60_000;
  await bot.post(freshInbound('image', { from: ANA, from_user: ana }));
  time += 60_000;
  await bot.post(textFrom(ANA, 'thank you', { from_user: ana }));
  time += 60_000;
  await bot.post(textFrom(BUDI, 'My bag arrived broken, I want a manager', { from_user: budi }));
  time += 60_000;
  await bot.post(freshInbound('audio', { from: BUDI, from_user: budi }));
  time += 60_000;
  await bot.post(textFrom(ANA, 'are you slow today?', { from_user: ana }));
  time += 60_000;
  await bot.post(freshInbound('document', { from: ANA, from_user: ana }));
  time += 60_000;
  await bot.post(freshInbound('contact', { from: ANA, from_user: ana }));
  return { bot, end: time };
}
