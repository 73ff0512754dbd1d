import { writeFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { splitSections, unwrapParagraphs } from '../src/knowledge/sections.js';
import { withoutComments } from '../src/prompts/prompt-text.js';
import { runTranscripts } from '../src/cli/transcripts.js';
import { endHandoff } from '../src/store/queries.js';
import { jsonOf, makeBot, storedMessages } from './helpers/app.js';
import { textFrom } from './helpers/fixtures.js';
import { answerWith, completion, llmRequests, replyWith, toolCall } from './helpers/llm.js';
import { HttpResponse } from 'msw';

const knowledgeMessage = () => llmRequests.at(-1)!.messages.find((m) => m.role === 'system' && m.content.startsWith('Excerpts'));

describe('knowledge base', () => {
  it('splits Markdown by heading, keeping the parent heading', () => {
    const sections = splitSections('faq.md', '# FAQ\nintro\n## Shipping\nships fast\n```\n# not a heading\n```\n## Returns\n14 days');
    expect(sections.map((s) => [s.heading, s.body])).toEqual([
      ['FAQ', 'intro'],
      ['Shipping', 'ships fast\n```\n# not a heading\n```'],
      ['Returns', '14 days'],
    ]);
    const nested = splitSections('policies.md', '# Policies\n## Shipping & returns\n### Returns\n14 days\n## Payment\nQRIS');
    expect(nested.map((s) => s.heading)).toEqual(['Shipping & returns › Returns', 'Payment']);
  });

  it('leaves HTML comments out of the sections, except inside code', () => {
    const markdown = '# FAQ\n<!-- An example: replace\nthese answers -->\n## Hours\nOpen <!-- check this --> daily.\n```\n<!-- kept in code -->\n```\n## Payment\nQRIS';
    const sections = splitSections('faq.md', withoutComments(markdown, 'faq.md'));
    expect(sections.map((s) => [s.heading, s.body])).toEqual([
      ['Hours', 'Open  daily.\n```\n<!-- kept in code -->\n```'],
      ['Payment', 'QRIS'],
    ]);
  });

  it('never sends an HTML comment of a knowledge file to a customer', async () => {
    const bot = makeBot({ llm: false });
    const reply = await jsonOf(bot.post(textFrom('6281300000020', 'can I see an example of your answers?')));
    expect(JSON.stringify(reply)).not.toContain('<!--');
    expect(JSON.stringify(reply)).not.toContain('replace these answers');
  });

  it('a title every section shares does not decide which section matches', async () => {
    const bot = makeBot({ llm: false });
    rmSync(join(bot.promptsDir, 'knowledge', 'faq.md'));
    writeFileSync(
      join(bot.promptsDir, 'knowledge', 'faq.md'),
      '# Frequently asked questions\n\n## Gift wrapping\nWe wrap gifts for Rp 10.000.\n\n## Opening hours\nOpen daily from 9 to 5.\n',
    );
    const reply = await jsonOf(bot.post(textFrom('6281300000021', 'What are your frequently asked questions?')));
    // No section is about "frequently asked questions": the fallback, not whichever section ranked first.
    expect(reply.body).toContain('team will get back to you');
    expect((await jsonOf(bot.post(textFrom('6281300000022', 'Do you do gift wrapping?')))).body).toContain('We wrap gifts');
  });

  it('joins hard-wrapped lines of a paragraph for WhatsApp, keeping paragraphs and list items', () => {
    expect(unwrapParagraphs('We are open\nMonday to Friday.\n\nClosed on:\n- Sundays\n- holidays\n1. first')).toBe(
      'We are open Monday to Friday.\n\nClosed on:\n- Sundays\n- holidays\n1. first',
    );
  });

  it('sends the best-matching sections to the LLM, after the history and before the new message', async () => {
    replyWith({ content: 'ok' });
    const bot = makeBot();
    await bot.post(textFrom('6281300000001', 'hi'));
    await bot.post(textFrom('6281300000001', 'Can I return an item I bought last week?'));
    const messages = llmRequests[1]!.messages;
    expect(messages.at(-2)!.role).toBe('system');
    expect(messages.at(-2)!.content).toMatch(/^Excerpts[\s\S]*### Returns and refunds\nUnused items/);
    expect(messages[0]!.content).toBe(llmRequests[0]!.messages[0]!.content);
  });

  it.each([
    ['When are you open on Saturday?', 'Opening hours'],
    ['how long does delivery to Bali take', 'Shipping and delivery'],
    ['bisa bayar pakai QRIS?', 'Payment methods'],
  ])('retrieval picks the right section for %j', async (question, heading) => {
    replyWith({ content: 'ok' });
    await makeBot().post(textFrom('6281300000002', question));
    expect(knowledgeMessage()!.content.split('\n### ')[1]).toContain(heading);
  });

  it('sends no knowledge when nothing matches', async () => {
    replyWith({ content: 'ok' });
    await makeBot().post(textFrom('6281300000003', 'hello there'));
    expect(knowledgeMessage()).toBeUndefined();
  });

  it('re-indexes after a file is edited, added or removed, without a restart', async () => {
    replyWith({ content: 'ok' });
    const bot = makeBot();
    const dir = join(bot.promptsDir, 'knowledge');
    writeFileSync(join(dir, 'parking.md'), '# Parking\nFree parking behind the shop on Jalan Melati.');
    await bot.post(textFrom('6281300000004', 'is there parking?'));
    expect(knowledgeMessage()!.content).toContain('Jalan Melati');
    writeFileSync(join(dir, 'parking.md'), '# Parking\nParking is at the Mawar mall next door.');
    await bot.post(textFrom('6281300000005', 'is there parking?'));
    expect(knowledgeMessage()!.content).toContain('Mawar mall');
    expect(knowledgeMessage()!.content).not.toContain('Jalan Melati');
    rmSync(join(dir, 'parking.md'));
    await bot.post(textFrom('6281300000006', 'is there parking?'));
    expect(knowledgeMessage()).toBeUndefined();
  });

  it('without an LLM, a strong match is answered from the knowledge base', async () => {
    const bot = makeBot({ llm: false });
    const reply = await jsonOf(bot.post(textFrom('6281300000007', 'What are your opening hours?')));
    expect(reply).toEqual({ type: 'chat', body: expect.stringMatching(/^\*Opening hours\*\nWe are open Monday to Friday/), simulation: true });
    expect(reply.body).toContain('(Western Indonesia Time). We are closed on Sundays');
    expect(storedMessages(bot.db)[1]).toMatchObject({ fell_back: 0, model: 'knowledge-base' });
  });

  it('without an LLM, a weak or no match gets the fallback', async () => {
    const bot = makeBot({ llm: false });
    for (const text of ['hello', 'my parcel arrived broken and I am angry']) {
      const reply = await jsonOf(bot.post(textFrom('6281300000008', text)));
      expect(reply.body).toContain('team will get back to you');
    }
  });
});

describe('human handoff', () => {
  const HOUR = 3_600_000;

  function handoffBot() {
    let now = Date.UTC(2026, 10, 24, 9);
    const bot = makeBot({ now: () => now, handoffHours: 24 });
    return { bot, advance: (ms: number) => (now += ms) };
  }

  it('the customer gets handoff.md, then the bot stays silent, storing every message, until resumed', async () => {
    const { bot, advance } = handoffBot();
    const from = '6281300000010';
    answerWith((request) => {
      const said = request.messages.at(-1)!.content;
      return HttpResponse.json(
        completion(said.includes('manager') ? { toolCalls: [toolCall('handoff_to_human', { reason: 'wants a manager about a refund' })] } : { content: `answer to ${said}` }),
      );
    });
    const handedOver = await jsonOf(bot.post(textFrom(from, 'I want to talk to a manager')));
    expect(handedOver).toEqual({ type: 'chat', body: expect.stringContaining('passed your conversation to a member of our team'), simulation: true });
    expect(bot.db.$client.prepare('select handoff_reason from contacts where phone = ?').pluck().get(from)).toBe('wants a manager about a refund');

    for (const text of ['hello?', 'anyone there?', 'please']) {
      advance(HOUR);
      expect(await jsonOf(bot.post(textFrom(from, text)))).toEqual([]);
    }
    expect(llmRequests).toHaveLength(1);
    expect(storedMessages(bot.db).filter((r) => r.direction === 'in')).toHaveLength(4);

    endHandoff(bot.db, { phone: from });
    expect((await jsonOf(bot.post(textFrom(from, 'still there?')))).body).toBe('answer to still there?');
  });

  it('ends by itself after HANDOFF_HOURS, not after one message', async () => {
    const { bot, advance } = handoffBot();
    const from = '6281300000011';
    replyWith({ toolCalls: [toolCall('handoff_to_human', { reason: 'complaint' })] });
    await bot.post(textFrom(from, 'complaint'));
    advance(23 * HOUR);
    expect(await jsonOf(bot.post(textFrom(from, 'hello?')))).toEqual([]);
    advance(2 * HOUR);
    replyWith({ content: 'Hi again!' });
    expect((await jsonOf(bot.post(textFrom(from, 'hello again')))).body).toBe('Hi again!');
  });

  it('an operator can take a conversation over with transcripts pause, while the server runs', async () => {
    const { bot } = handoffBot();
    const from = '6281300000014';
    replyWith({ content: 'Hello!' });
    expect((await jsonOf(bot.post(textFrom(from, 'hi')))).body).toBe('Hello!');
    const out: string[] = [];
    const code = await runTranscripts(['pause', from, 'VIP customer'], { out: (t) => out.push(t), err: (t) => out.push(t), settings: { DATABASE_PATH: bot.dbPath, HANDOFF_HOURS: 24 }, now: Date.UTC(2026, 10, 24, 9) });
    expect(code).toBe(0);
    expect(await jsonOf(bot.post(textFrom(from, 'are you there?')))).toEqual([]);
    expect(llmRequests).toHaveLength(1);
  });

  it('only the contact who was handed over is silenced', async () => {
    const { bot } = handoffBot();
    replyWith({ toolCalls: [toolCall('handoff_to_human', { reason: 'complaint' })] });
    await bot.post(textFrom('6281300000012', 'complaint'));
    replyWith({ content: 'Hello!' });
    expect((await jsonOf(bot.post(textFrom('6281300000013', 'hi')))).body).toBe('Hello!');
  });
});

describe('conversations that end', () => {
  it('after SESSION_IDLE_HOURS of silence the next message starts fresh; the transcript keeps everything', async () => {
    let now = Date.UTC(2026, 10, 1, 9);
    const bot = makeBot({ now: () => now, sessionIdleHours: 24 });
    const from = '6281300000020';
    replyWith({ content: 'ok' });
    await bot.post(textFrom(from, 'order ORD-1 is late'));
    now += 2 * 3_600_000;
    await bot.post(textFrom(from, 'any news?'));
    expect(llmRequests[1]!.messages.map((m) => m.content)).toContain('order ORD-1 is late');
    now += 25 * 3_600_000;
    await bot.post(textFrom(from, 'new question'));
    expect(llmRequests[2]!.messages.filter((m) => m.role !== 'system')).toEqual([{ role: 'user', content: 'new question' }]);
    expect(storedMessages(bot.db)).toHaveLength(6);
  });
});
