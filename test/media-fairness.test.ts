// One customer's flood of files does not starve the others: what is over the rate limit is stored but never fetched,
// a customer's backlog takes only a share of the downloads, and a file an answer needs now (a voice note to hear, a
// photo to see) is fetched at once, whoever else is waiting. The file host holds every answer until the test
// releases it, so "at once" means: requested while the flood is still held.
import { describe, expect, it } from 'vitest';
import { jsonOf, makeBot, tempDir, type TestBot } from './helpers/app.js';
import { freshInbound } from './helpers/fixtures.js';
import { fakeFilesAndLlmForThisFile } from './helpers/fakes.js';
import { FAKE_TRANSCRIPT } from './fake-openai.js';

const { files, llm } = fakeFilesAndLlmForThisFile();

const RATE_LIMIT = 5;
const FLOODER = '6281900003001';

function withFile(type: 'image' | 'document' | 'audio', from: string, path: string): Record<string, unknown> {
  const base = freshInbound(type, { from, from_user: { name: `Customer ${from}`, jid: `${from}@s.whatsapp.net` } }) as Record<string, unknown> & { file: object };
  return { ...base, file: { ...base.file, url: `${files.url}${path}`, ...(type === 'audio' && { seconds: 15 }), ...(type === 'image' && { caption: 'Do you have this in brown?' }) } };
}

const heldOf = (prefix: string) => files.held.waiting.filter((path) => path.startsWith(prefix));
const keptOf = (bot: TestBot, from: string) =>
  bot.db.$client
    .prepare("select m.media_url, m.media_path, m.media_error from messages m join contacts c on c.id = m.contact_id where c.phone = ? and m.direction = 'in' order by m.id")
    .all(from) as { media_url: string; media_path: string | null; media_error: string | null }[];

describe("one customer's flood of files", () => {
  it('is not fetched beyond the rate limit, takes a share of the downloads, and never delays a file another answer needs now', async () => {
    const bot = makeBot({
      llmBaseUrl: llm.url,
      keepMedia: { dir: tempDir('media-') },
      transcription: { model: 'whisper-1' },
      vision: true,
      rateLimitPerMinute: RATE_LIMIT,
      deadlineMs: 4000,
    });
    // Fifteen slow documents in a row: five within the limit, one notice, nine in silence.
    const flood = Array.from({ length: 15 }, (_, i) => `/held/flood-${i + 1}.pdf`);
    for (const path of flood) await bot.post(withFile('document', FLOODER, path));
    // The flood's downloads are under way, and held: it takes two slots, not all of them.
    await expect.poll(() => heldOf('/held/flood-')).toHaveLength(2);

    // Another customer's voice note and another's photo are fetched while the flood is held, and answered in time.
    const voice = jsonOf(bot.post(withFile('audio', '6281900003002', '/held/voice-note.oga')));
    const photo = jsonOf(bot.post(withFile('image', '6281900003003', '/held/photo.jpg')));
    // And a fourth customer's document, which no answer waits for, does not wait for the flood either.
    await bot.post(withFile('document', '6281900003004', '/held/invoice.pdf'));
    await expect.poll(() => files.held.waiting).toEqual(expect.arrayContaining(['/held/voice-note.oga', '/held/photo.jpg', '/held/invoice.pdf']));
    files.held.release((path) => !path.startsWith('/held/flood-'));
    // Answered within the window (neither "one moment" nor the fallback), having heard the note and seen the photo.
    const heard = (await voice).body as string;
    expect(heard).not.toMatch(/looking into it|could not answer right away/);
    expect(bot.db.$client.prepare("select transcription from messages where kind = 'audio'").pluck().get()).toBe(FAKE_TRANSCRIPT);
    expect((await photo).body).toContain('I see an image: data:image/jpeg;base64,');
    expect(heldOf('/held/flood-')).toHaveLength(2);

    // Released, the flood's files within the limit are kept; the others were never asked for, and say why.
    while (keptOf(bot, FLOODER).filter((row) => row.media_path).length < RATE_LIMIT) {
      await expect.poll(() => heldOf('/held/flood-').length > 0 || keptOf(bot, FLOODER).filter((row) => row.media_path).length === RATE_LIMIT).toBe(true);
      files.held.release((path) => path.startsWith('/held/flood-'));
    }
    const requested = files.requested.filter((path) => path.startsWith('/held/flood-'));
    expect(requested.sort()).toEqual(flood.slice(0, RATE_LIMIT).sort());
    expect(keptOf(bot, FLOODER).map((row) => row.media_error)).toEqual([...Array(RATE_LIMIT).fill(null), ...Array(15 - RATE_LIMIT).fill('not downloaded: over the rate limit')]);
  });

  it("when several customers' backlogs fill the shared downloads, a voice note an answer waits for is still fetched at once", async () => {
    const bot = makeBot({ llmBaseUrl: llm.url, keepMedia: { dir: tempDir('media-') }, transcription: { model: 'whisper-1' }, deadlineMs: 4000 });
    const flooders = ['6281900003101', '6281900003102', '6281900003103', '6281900003104'];
    for (const from of flooders) {
      for (let i = 1; i <= 3; i += 1) await bot.post(withFile('document', from, `/held/backlog-${from}-${i}.pdf`));
    }
    // Two each would be eight: backlogs leave two of the eight downloads to files an answer waits for.
    await expect.poll(() => heldOf('/held/backlog-')).toHaveLength(6);
    const voice = jsonOf(bot.post(withFile('audio', '6281900003105', '/held/urgent-note.oga')));
    await expect.poll(() => files.held.waiting).toContain('/held/urgent-note.oga');
    files.held.release((path) => path === '/held/urgent-note.oga');
    expect((await voice).body).not.toMatch(/looking into it|could not answer right away/);
    expect(bot.db.$client.prepare("select transcription from messages where kind = 'audio'").pluck().get()).toBe(FAKE_TRANSCRIPT);
    files.held.release();
  });
});
