// A customer's request for their data: `transcripts export --contact NUMBER --out FILE --files DIR` gives their
// messages and their kept files, and nobody else's.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runTranscripts } from '../src/cli/transcripts.js';
import { makeBot, tempDir } from './helpers/app.js';
import { echoingModel, seedCustomer } from './helpers/data-seed.js';

describe('export for a customer', () => {
  it('writes their messages and copies their kept files, nobody else’s', async () => {
    echoingModel();
    const dir = tempDir();
    const mediaDir = join(dir, 'media');
    const bot = makeBot({ dbPath: join(dir, 'bot.db') });
    const at = Date.UTC(2026, 10, 24, 9);
    const ana = await seedCustomer(bot, { phone: '6281255550001', secret: 'ANA', mediaDir, at });
    await seedCustomer(bot, { phone: '6281255550002', secret: 'BUDI', mediaDir, at });
    await bot.close();
    const outDir = tempDir('request-');
    const out: string[] = [];
    const code = await runTranscripts(['export', '--contact', '0812 5555 0001', '--out', join(outDir, 'ana.jsonl'), '--files', join(outDir, 'ana-files'), '--db', join(dir, 'bot.db')], {
      out: (t) => out.push(t),
      err: (t) => out.push(t),
      settings: { DATABASE_PATH: join(dir, 'bot.db'), HANDOFF_HOURS: 24, DEFAULT_COUNTRY_CODE: '62', MEDIA_DIR: mediaDir },
      now: Date.now(),
    });
    expect(code).toBe(0);
    expect(out.join('\n')).toMatch(/Wrote 5 messages to .*ana\.jsonl\nCopied 1 kept files to .*ana-files\./);
    const records = readFileSync(join(outDir, 'ana.jsonl'), 'utf8').trim().split('\n').map((line) => JSON.parse(line));
    expect(new Set(records.map((r) => r.number))).toEqual(new Set(['6281255550001']));
    const day = readdirSync(join(outDir, 'ana-files'));
    expect(day).toEqual(['2026-11-24']);
    const [name] = readdirSync(join(outDir, 'ana-files', day[0]!));
    expect(ana.file.endsWith(name!)).toBe(true);
    expect(readFileSync(join(outDir, 'ana-files', day[0]!, name!), 'utf8')).toBe('photo of ANA');
    expect(records.find((r) => r.media_path)?.media_path.endsWith(`${day[0]}/${name}`)).toBe(true);
  });
});
