// What an operator saves in prompts/knowledge/ is either read or named as not read: .txt as well as .md, a file that
// is not UTF-8 refused with its name, and a file without headings answered under a title a customer can read.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { titleFromFileName } from '../src/knowledge/sections.js';
import { captureLogs, copyPrompts, jsonOf, makeBot, tempDir } from './helpers/app.js';
import { textFrom } from './helpers/fixtures.js';
import { llmRequests, replyWith } from './helpers/llm.js';
import { startServerProcess } from './helpers/server-process.js';

const knowledgeMessage = () => llmRequests.at(-1)!.messages.find((m) => m.role === 'system' && String(m.content).startsWith('Excerpts'));

/** "Kemeja batik: Rp 150.000 per potong (é)" as Windows-1252 saves it: é is the single byte 0xE9. */
const latin1 = (text: string) => Buffer.from(text, 'latin1');

describe('knowledge files', () => {
  it('a .txt file is read like a .md file, and what is not read is named in the log', async () => {
    replyWith({ content: 'ok' });
    const logs = captureLogs();
    const dir = copyPrompts();
    writeFileSync(join(dir, 'knowledge', 'promo.txt'), 'PROMO AKHIR TAHUN\nDiskon 20% untuk semua tas kulit sampai 31 Desember.\n');
    writeFileSync(join(dir, 'knowledge', 'harga.docx'), 'PK\u0003\u0004 a Word document');
    const bot = makeBot({ promptsDir: dir, logger: logs.logger });
    await bot.post(textFrom('6281300000040', 'ada diskon untuk tas kulit?'));
    expect(knowledgeMessage()!.content).toContain('Diskon 20% untuk semua tas kulit');
    const ignored = logs.records().find((r) => r.level === 40 && String(r.msg).includes('not read'));
    expect(ignored).toMatchObject({ files: ['harga.docx'], msg: expect.stringMatching(/knowledge: not read: harga\.docx \(only \.md and \.txt files are read/) });
  });

  it('a file that is not UTF-8 stops the server at start, naming the file and the line', async () => {
    const dir = copyPrompts();
    writeFileSync(join(dir, 'knowledge', 'harga.txt'), latin1('Harga\nKemeja batik: Rp 150.000\nCaf\u00e9 latte: Rp 25.000\n'));
    const refused = await startServerProcess({ DATABASE_PATH: join(tempDir(), 'bot.db'), PROMPTS_DIR: dir }).then(
      async (server) => (await server.stop(), null),
      (error: Error) => error.message,
    );
    expect(refused).toMatch(/Cannot start: \S*knowledge\/harga\.txt is not UTF-8 text \(the first bad character is on line 3\): save it again as UTF-8/);
    expect(refused).not.toMatch(/^\s+at /m);
    writeFileSync(join(dir, 'knowledge', 'harga.txt'), Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from('Harga', 'utf16le')]));
    expect(() => makeBot({ promptsDir: dir })).toThrow(/harga\.txt is saved as UTF-16 \("Unicode"\), not UTF-8/);
    writeFileSync(join(dir, 'knowledge', 'harga.txt'), Buffer.from('Harga', 'utf16le'));
    expect(() => makeBot({ promptsDir: dir })).toThrow(/harga\.txt is not a text file \(it holds NUL bytes/);
  });

  it('a file that stops being UTF-8 after the start is refused in the log, and its previous knowledge stays; no "�" reaches the model', async () => {
    replyWith({ content: 'ok' });
    const logs = captureLogs();
    const dir = copyPrompts();
    writeFileSync(join(dir, 'knowledge', 'harga.txt'), '## Harga kemeja batik\nKemeja batik: Rp 150.000 per potong.\n');
    const bot = makeBot({ promptsDir: dir, logger: logs.logger });
    writeFileSync(join(dir, 'knowledge', 'harga.txt'), latin1('## Harga kemeja batik\nKemeja batik: Rp 175.000 per potong (caf\u00e9).\n'));
    await bot.post(textFrom('6281300000041', 'berapa harga kemeja batik?'));
    expect(knowledgeMessage()!.content).toContain('Rp 150.000');
    expect(JSON.stringify(llmRequests)).not.toContain('\uFFFD');
    expect(logs.records().find((r) => r.level === 50)).toMatchObject({
      msg: 'knowledge file rejected; keeping its last good version',
      err: expect.stringMatching(/harga\.txt is not UTF-8 text/),
    });
    writeFileSync(join(dir, 'knowledge', 'harga.txt'), '## Harga kemeja batik\nKemeja batik: Rp 175.000 per potong.\n');
    await bot.post(textFrom('6281300000041', 'berapa harga kemeja batik?'));
    expect(knowledgeMessage()!.content).toContain('Rp 175.000');
  });

  it('a file without headings is answered under its name in words, not under the raw file name', async () => {
    const bot = makeBot({ llm: false });
    writeFileSync(join(bot.promptsDir, 'knowledge', 'harga-grosir.md'), 'Harga grosir kemeja batik: Rp 150.000 per potong, minimal 10 potong.\n');
    const reply = await jsonOf(bot.post(textFrom('6281300000042', 'berapa harga grosir kemeja batik?')));
    expect(reply.body).toBe('*Harga grosir*\nHarga grosir kemeja batik: Rp 150.000 per potong, minimal 10 potong.');
  });

  it.each([
    ['harga.txt', 'Harga'],
    ['opening_hours.md', 'Opening hours'],
    ['FAQ.md', 'FAQ'],
    ['promo desember 2026.txt', 'Promo desember 2026'],
    ['iPhone-cases.markdown', 'iPhone cases'],
  ])('the title of %j without headings is %j', (file, title) => {
    expect(titleFromFileName(file)).toBe(title);
  });
});
