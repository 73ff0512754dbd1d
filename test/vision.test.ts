// Photos seen: with VISION, the new message's image goes to the model as an image part (a data URL of the kept
// file); earlier images stay words, large ones are described, and a model that refuses images is asked again.
import { describe, expect, it } from 'vitest';
import { captureLogs, jsonOf, makeBot, tempDir } from './helpers/app.js';
import { freshInbound } from './helpers/fixtures.js';
import { startFakeOpenAI, type FakeOpenAI } from './fake-openai.js';
import { fakeFilesAndLlmForThisFile } from './helpers/fakes.js';

const { files, llm } = fakeFilesAndLlmForThisFile();

type Part = { type: string; text?: string; image_url?: { url: string } };
const lastUser = (fake: FakeOpenAI) => (fake.lastRequest as { messages: { role: string; content: string | Part[] }[] }).messages.filter((m) => m.role === 'user').at(-1)!.content;

const photo = (from: string, path = '/photo.jpg') => {
  const base = freshInbound('image', { from }) as Record<string, unknown> & { file: object };
  return { ...base, file: { ...base.file, url: `${files.url}${path}`, caption: 'Do you have this in brown?' } };
};

const visionBot = (options: Parameters<typeof makeBot>[0] = {}) =>
  makeBot({ llmBaseUrl: llm.url, keepMedia: { dir: tempDir('media-'), maxMb: 16 }, vision: true, deadlineMs: 4000, ...options });

describe('VISION', () => {
  it("the new image goes to the model as an image part: a data URL of the kept file, with its caption", async () => {
    const bot = visionBot();
    const reply = await jsonOf(bot.post(photo('6281900000701')));
    expect(reply.body).toContain('I see an image: data:image/jpeg;base64,');
    const content = lastUser(llm) as Part[];
    expect(content[0]).toEqual({ type: 'text', text: '[The customer sent this image with the caption "Do you have this in brown?".]' });
    expect(content[1]!.type).toBe('image_url');
    const url = content[1]!.image_url!.url;
    expect(Buffer.from(url.slice(url.indexOf(',') + 1), 'base64').equals(files.files['/photo.jpg']!)).toBe(true);
  });

  it('earlier images stay described in words, so a conversation does not grow with every photo', async () => {
    const bot = visionBot();
    await bot.post(photo('6281900000702'));
    await bot.post(freshInbound('text', { from: '6281900000702', message: 'and in black?' }));
    const messages = (llm.lastRequest as { messages: { role: string; content: unknown }[] }).messages;
    expect(JSON.stringify(messages)).not.toContain('image_url');
    expect(messages.some((m) => m.content === '[The customer sent an image with the caption "Do you have this in brown?". You cannot see the image.]')).toBe(true);
  });

  it('an image over 4 MB is described instead of sent, and the log says so', async () => {
    const logs = captureLogs();
    const bot = visionBot({ logger: logs.logger });
    await bot.post(photo('6281900000703', '/large-photo.jpg'));
    expect(lastUser(llm)).toBe('[The customer sent an image with the caption "Do you have this in brown?". You cannot see the image.]');
    expect(logs.text()).toContain('image too large to show the model; described in words instead');
  });

  it('a model that refuses image input is asked once more with the image described, and the log says so', async () => {
    const blind = await startFakeOpenAI({ refuseImages: true });
    try {
      const logs = captureLogs();
      const bot = visionBot({ llmBaseUrl: blind.url, logger: logs.logger });
      const reply = await jsonOf(bot.post(photo('6281900000704')));
      expect(reply.body).toContain('You cannot see the image');
      expect(blind.requests).toBe(2);
      expect(logs.text()).toContain('the model refused the image');
    } finally {
      await blind.close();
    }
  });

  it('without VISION the image is described, as before', async () => {
    const bot = visionBot({ vision: false });
    await bot.post(photo('6281900000705'));
    expect(lastUser(llm)).toBe('[The customer sent an image with the caption "Do you have this in brown?". You cannot see the image.]');
  });
});
