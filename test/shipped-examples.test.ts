// The shipped prompts are an example: while their placeholders or example files are left as they are, the operator
// is warned at start and on every reload, and HTML comments (the operator's notes) never reach the model.
import { cpSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadPrompts } from '../src/prompts/prompts.js';
import { captureLogs, copyPrompts, jsonOf, makeBot, tempDir } from './helpers/app.js';
import { freshInbound, textFrom } from './helpers/fixtures.js';
import { llmRequests, replyWith } from './helpers/llm.js';
import { startServerProcess } from './helpers/server-process.js';

const warnings = (logs: ReturnType<typeof captureLogs>) =>
  logs.records().filter((r) => r.level === 40).map((r) => String(r.msg));

/** The example as it ships: the one place a test reads prompts/, as the reference of what "unchanged" means. */
const shipped = (name: string) => new URL(`../prompts/${name}`, import.meta.url);

describe('the shipped examples', () => {
  it('the prompts folder as shipped is recognised as the example: the server warns at start about each example file', async () => {
    const dir = join(tempDir(), 'prompts');
    cpSync(shipped(''), dir, { recursive: true });
    const server = await startServerProcess({ DATABASE_PATH: join(tempDir(), 'bot.db'), PROMPTS_DIR: dir });
    try {
      const lines = server.output().split('\n').filter((l) => l.includes('"level":40')).map((l) => String(JSON.parse(l).msg));
      expect(lines).toEqual(
        expect.arrayContaining([
          expect.stringMatching(/system\.md still holds placeholders, which reach the bot as they are: \[BUSINESS NAME\] \(line \d+\), \[e\.g\. .*Replace each with your own details/),
          expect.stringMatching(/knowledge\/faq\.md is the example shipped with the bot .*customers are answered with its facts\. Write your own answers in it, or delete it/),
          expect.stringMatching(/media\.json is the example shipped with the bot: its links \(example\.com\) lead nowhere/),
          expect.stringMatching(/opening-hours\.txt is the example shipped with the bot .*customers are told these hours\. Write your own hours in it, or delete it/),
        ]),
      );
    } finally {
      await server.stop();
    }
  });

  it('a placeholder is named with its line at start, and again on each reload while one is left', () => {
    const logs = captureLogs();
    const dir = copyPrompts();
    // Lines as the operator's editor numbers them, comment lines included; a link's text is not a placeholder.
    writeFileSync(join(dir, 'system.md'), '<!-- my notes,\n     two lines -->\nYou work for [BUSINESS NAME].\nOpen: [e.g. Monday–Friday 9–5]\nSee [OUR SHOP](https://toko.test).\n');
    const prompts = loadPrompts(dir, logs.logger, 0);
    expect(warnings(logs)).toEqual([expect.stringMatching(/system\.md still holds placeholders.*: \[BUSINESS NAME\] \(line 3\), \[e\.g\. Monday–Friday 9–5\] \(line 4\)\. Replace/)]);

    writeFileSync(join(dir, 'system.md'), 'You work for Toko Batik Sari.\nOpen: [e.g. Monday–Friday 9–5]\n');
    prompts.systemPrompt();
    expect(warnings(logs).at(-1)).toMatch(/still holds placeholders.*: \[e\.g\. Monday–Friday 9–5\] \(line 2\)\. Replace/);

    writeFileSync(join(dir, 'system.md'), 'You work for Toko Batik Sari.\nOpen Monday to Friday, 9 to 5.\n<!-- TODO: [BUSINESS NAME] on the sign -->\n');
    const before = warnings(logs).length;
    expect(prompts.systemPrompt()).toBe('You work for Toko Batik Sari.\nOpen Monday to Friday, 9 to 5.');
    expect(warnings(logs)).toHaveLength(before);

    writeFileSync(join(dir, 'handoff.md'), 'A person will reply soon. Call us on [PHONE] if it is urgent.');
    prompts.handoffText();
    expect(warnings(logs).at(-1)).toMatch(/handoff\.md still holds placeholders.*: \[PHONE\] \(line 1\)/);
  });

  it('HTML comments never reach the model (system.md) nor a customer (fallback.md)', async () => {
    replyWith({ content: 'ok' });
    const bot = makeBot();
    writeFileSync(join(bot.promptsDir, 'system.md'), '<!-- Note to self: ask Budi about prices -->\nYou work for Toko Batik Sari.\nBe <!-- very --> kind.');
    await bot.post(freshInbound());
    expect(llmRequests[0]!.messages[0]).toEqual({ role: 'system', content: 'You work for Toko Batik Sari.\nBe  kind.' });

    const offline = makeBot({ llm: false });
    writeFileSync(join(offline.promptsDir, 'fallback.md'), '<!-- the old text said "within 1 hour" -->\nWe will answer soon.');
    expect(await jsonOf(offline.post(textFrom('6281300000030', 'hello')))).toMatchObject({ body: 'We will answer soon.' });
  });

  it('a comment that is never closed stops the start with its line, and on a reload the last good version stays', () => {
    const dir = copyPrompts();
    writeFileSync(join(dir, 'system.md'), 'You work for Toko Batik Sari.\n<!-- ask Budi\nAlways answer in Indonesian.');
    expect(() => loadPrompts(dir, captureLogs().logger)).toThrow(/system\.md: the comment opened with "<!--" on line 2 is never closed with "-->"/);

    writeFileSync(join(dir, 'system.md'), 'You work for Toko Batik Sari.');
    const logs = captureLogs();
    const prompts = loadPrompts(dir, logs.logger, 0);
    writeFileSync(join(dir, 'system.md'), 'You work for Toko Batik Sari.\n<!-- ask Budi\nAlways answer in Indonesian.');
    expect(prompts.systemPrompt()).toBe('You work for Toko Batik Sari.');
    expect(logs.records().at(-1)).toMatchObject({ level: 50, msg: 'prompt file rejected; keeping the last good version', err: expect.stringMatching(/line 2 is never closed/) });
  });

  it('the example FAQ is recognised however it is saved (CRLF, a BOM, as faq.txt, with a note added), and no longer once a fact is changed', async () => {
    const example = readFileSync(shipped('knowledge/faq.md'), 'utf8');
    const logs = captureLogs();
    const bot = makeBot({ llm: false, logger: logs.logger });
    const knowledge = join(bot.promptsDir, 'knowledge');
    const exampleWarnings = () => warnings(logs).filter((m) => m.includes('is the example shipped with the bot (the FAQ'));
    expect(exampleWarnings()).toEqual([]); // the tests' own FAQ is not the example

    writeFileSync(join(knowledge, 'faq.md'), `\uFEFF<!-- my notes -->\r\n${example.replace(/\n/g, '\r\n')}\r\n\r\n`);
    await bot.post(textFrom('6281300000031', 'What are your opening hours?'));
    expect(exampleWarnings()).toEqual([expect.stringMatching(/knowledge\/faq\.md is the example shipped with the bot/)]);

    writeFileSync(join(knowledge, 'faq.md'), `${example}\n## Cash on delivery\nAvailable in Jakarta.\n`);
    await bot.post(textFrom('6281300000032', 'What are your opening hours?'));
    expect(exampleWarnings()).toHaveLength(1);

    writeFileSync(join(knowledge, 'copy.txt'), example);
    await bot.post(textFrom('6281300000033', 'What are your opening hours?'));
    expect(exampleWarnings().at(-1)).toMatch(/knowledge\/copy\.txt is the example shipped with the bot/);
  });

  it('the example opening hours are recognised while only their comments change, and no longer once a rule does', () => {
    const example = readFileSync(shipped('opening-hours.txt'), 'utf8');
    const logs = captureLogs();
    const dir = copyPrompts();
    const hoursWarnings = () => warnings(logs).filter((m) => m.includes('opening-hours.txt is the example shipped with the bot'));
    writeFileSync(join(dir, 'opening-hours.txt'), `# Toko Batik Sari\r\n${example.replace(/\n/g, '\r\n')}`);
    const prompts = loadPrompts(dir, logs.logger, 0);
    expect(hoursWarnings()).toHaveLength(1);

    writeFileSync(join(dir, 'opening-hours.txt'), example.replace('Sat 09:00-13:00', 'Sat 10:00-15:00'));
    prompts.openingHours();
    expect(hoursWarnings()).toHaveLength(1);
  });
});
