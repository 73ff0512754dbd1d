// Markdown becomes WhatsApp formatting, for every text a customer can receive, whoever wrote it.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { toWhatsAppText } from '../src/whatspie/formatting.js';
import { withoutReasoning } from '../src/llm/reasoning.js';
import { toolCallsInText } from '../src/llm/text-tool-calls.js';
import { jsonOf, makeBot } from './helpers/app.js';
import { freshInbound, textFrom } from './helpers/fixtures.js';
import { replyWith, toolCall } from './helpers/llm.js';

const readCatalog = (dir: string) => readFileSync(join(dir, 'media.json'), 'utf8');

describe('Markdown to WhatsApp', () => {
  it.each([
    ['**bold**', '*bold*'],
    ['__bold__', '*bold*'],
    ['*x* read as WhatsApp bold (the documented choice)', '*x* read as WhatsApp bold (the documented choice)'],
    ['_italic_', '_italic_'],
    ['***both***', '*both*'],
    ['~~struck~~ and ~struck~', '~struck~ and ~struck~'],
    ['## Opening hours\nWe open at 9.', '*Opening hours*\nWe open at 9.'],
    ['# Title with **bold** inside', '*Title with bold inside*'],
    ['[our site](https://example.com/a)', 'our site (https://example.com/a)'],
    ['[https://example.com](https://example.com)', 'https://example.com'],
    ['[example.com](https://example.com/)', 'https://example.com/'],
    ['<https://example.com/x>', 'https://example.com/x'],
    ['[mail us](mailto:help@example.com)', 'mail us (help@example.com)'],
    ['![the map](https://example.com/map.png)', 'https://example.com/map.png'],
    ['* one\n* two', '- one\n- two'],
    ['+ one\n+ two', '- one\n- two'],
    ['1. first\n2. second', '1. first\n2. second'],
    ['3. third\n4. fourth', '3. third\n4. fourth'],
    ['- a\n  - nested', '- a\n  - nested'],
    ['use `ORD-1`', 'use ```ORD-1```'],
    ['```\nline 1\nline 2\n```', '```line 1\nline 2```'],
    ['| a | b |\n|---|---|\n| 1 | 2 |', '- a: 1, b: 2'],
    ['> said before', '> said before'],
    ['Hello<br>there <b>you</b>', 'Hello\nthere you'],
    ['<div>plain</div>', 'plain'],
    ['before\n\n---\n\nafter', 'before\n\nafter'],
    ['snake_case_name and 2*3*4', 'snake_case_name and 2*3*4'],
    ['Harga: Rp 500.000\nOngkir: Rp 25.000', 'Harga: Rp 500.000\nOngkir: Rp 25.000'],
    ['*Bold* _it_ ~st~ ```mono```', '*Bold* _it_ ~st~ ```mono```'],
    ['** spaced **', '** spaced **'],
  ])('%j → %j', (markdown, whatsapp) => {
    expect(toWhatsAppText(markdown)).toBe(whatsapp);
  });

  it('joins the hard-wrapped lines of an operator file, keeping paragraphs and list items', () => {
    expect(toWhatsAppText('We are open\nMonday to Friday.\n\nClosed on:\n- Sundays\n- holidays', { softBreaks: 'join' })).toBe(
      'We are open Monday to Friday.\n\nClosed on:\n\n- Sundays\n- holidays',
    );
  });
});

describe('reasoning and tool syntax in text', () => {
  it.each([
    ['<think>a</think>answer', 'answer'],
    ['<think></think>answer', 'answer'],
    ['reasoning</think>answer', 'answer'],
    ['<thinking>x</thinking>answer', 'answer'],
    ['answer<think>cut off', 'answer'],
    ['no reasoning at all', 'no reasoning at all'],
  ])('%j → %j', (text, answer) => {
    expect(withoutReasoning(text).trim()).toBe(answer);
  });

  it('keeps the words around a call and reads several calls', () => {
    const found = toolCallsInText('Sure!\n<tool_call>{"name":"react","arguments":{"emoji":"👍"}}</tool_call>\n<tool_call>{"name":"send_text","arguments":"{\\"text\\":\\"ok\\"}"}</tool_call>');
    expect(found.text).toBe('Sure!');
    expect(found.calls).toEqual([
      { name: 'react', arguments: { emoji: '👍' } },
      { name: 'send_text', arguments: { text: 'ok' } },
    ]);
  });

  it('reads Python-style calls with several arguments and literals', () => {
    expect(toolCallsInText('<|python_start|>[send_image(media_id="store-map", caption=\'It\\\'s here\'), react(emoji="👍")]<|python_end|>').calls).toEqual([
      { name: 'send_image', arguments: { media_id: 'store-map', caption: "It's here" } },
      { name: 'react', arguments: { emoji: '👍' } },
    ]);
  });

  it('an unreadable block is reported, never left in the text', () => {
    const found = toolCallsInText('Hi <tool_call>{"name": broken</tool_call>');
    expect(found.text).toBe('Hi');
    expect(found.calls[0]!.problem).toMatch(/could not be read/);
  });

  it('ordinary text with braces is not a call', () => {
    expect(toolCallsInText('Use code {SAVE10} at checkout').calls).toEqual([]);
    expect(toolCallsInText('{"price": 10}').calls).toEqual([]);
  });
});

describe('every text a customer receives is converted', () => {
  it('the fallback, written as Markdown in fallback.md', async () => {
    const bot = makeBot({ llm: false });
    writeFileSync(join(bot.promptsDir, 'fallback.md'), '**Sorry!** We will reply\nsoon. See [our FAQ](https://example.com/faq).');
    expect((await jsonOf(bot.post(freshInbound()))).body).toBe('*Sorry!* We will reply soon. See our FAQ (https://example.com/faq).');
  });

  it('the handoff notice, written as Markdown in handoff.md', async () => {
    replyWith({ toolCalls: [toolCall('handoff_to_human', { reason: 'refund' })] });
    const bot = makeBot();
    writeFileSync(join(bot.promptsDir, 'handoff.md'), '## One moment\nA **colleague** will reply.');
    expect((await jsonOf(bot.post(textFrom('6281800000001', 'refund please')))).body).toBe('*One moment*\nA *colleague* will reply.');
  });

  it('the rate-limit notice, written as Markdown in rate-limited.md', async () => {
    replyWith({ content: 'ok' });
    const bot = makeBot({ rateLimitPerMinute: 1 });
    writeFileSync(join(bot.promptsDir, 'rate-limited.md'), 'Please **slow down**.');
    await bot.post(textFrom('6281800000002', 'one'));
    expect((await jsonOf(bot.post(textFrom('6281800000002', 'two')))).body).toBe('Please *slow down*.');
  });

  it('a knowledge-base answer: the heading as a bold line, the Markdown of the section converted', async () => {
    const bot = makeBot({ llm: false });
    writeFileSync(join(bot.promptsDir, 'knowledge', 'faq.md'), '# FAQ\n\n## Gift wrapping\nWe wrap **every** gift\nfor Rp 10.000.\n\n## Other\nx');
    expect((await jsonOf(bot.post(textFrom('6281800000003', 'gift wrapping price')))).body).toBe('*Gift wrapping*\nWe wrap *every* gift for Rp 10.000.');
  });

  it("captions: the model's and the catalog's", async () => {
    replyWith({ toolCalls: [toolCall('send_image', { media_id: 'store-map', caption: '**Here** we are' }), toolCall('send_document', { media_id: 'price-list' })] });
    const bot = makeBot();
    const catalog = JSON.parse(readCatalog(bot.promptsDir));
    catalog[0].caption = 'Our __current__ prices';
    writeFileSync(join(bot.promptsDir, 'media.json'), JSON.stringify(catalog));
    const [image, document] = await jsonOf(bot.post(textFrom('6281800000004', 'map and prices')));
    expect(image.params.caption).toBe('*Here* we are');
    expect(document.body).toBe('Our *current* prices');
  });
});
