// Voice notes heard: the kept file goes to the OpenAI-compatible /audio/transcriptions endpoint, and the model reads
// the transcript in place of "you cannot listen to it".
import { describe, expect, it } from 'vitest';
import { runTranscripts } from '../src/cli/transcripts.js';
import { captureLogs, jsonOf, makeBot, tempDir } from './helpers/app.js';
import { freshInbound } from './helpers/fixtures.js';
import { FAKE_TRANSCRIPT, startFakeOpenAI, type FakeOpenAI } from './fake-openai.js';
import { fakeFilesAndLlmForThisFile } from './helpers/fakes.js';
import { startFakeWhatspie, type FakeWhatspie } from './fake-whatspie.js';

const { files, llm } = fakeFilesAndLlmForThisFile();

const voiceNote = (from: string) => {
  const base = freshInbound('audio', { from }) as Record<string, unknown> & { file: object };
  return { ...base, file: { ...base.file, url: `${files.url}/voice.oga`, seconds: 15 } };
};

const voiceBot = (options: Parameters<typeof makeBot>[0] = {}) =>
  makeBot({ llmBaseUrl: llm.url, keepMedia: { dir: tempDir('media-') }, transcription: { model: 'whisper-1' }, deadlineMs: 4000, ...options });

const lastUserMessage = () => (llm.lastRequest as { messages: { role: string; content: string }[] }).messages.filter((m) => m.role === 'user').at(-1)!.content;

async function transcripts(dbPath: string, argv: string[]) {
  const out: string[] = [];
  await runTranscripts(argv, { out: (t) => out.push(t), err: (t) => out.push(t), settings: { DATABASE_PATH: dbPath, HANDOFF_HOURS: 24 }, now: Date.now() });
  return out.join('\n');
}

describe('voice notes', () => {
  it('are transcribed, and the model reads the transcript; it is stored, shown and searchable', async () => {
    const before = llm.transcriptions.length;
    const bot = voiceBot();
    await jsonOf(bot.post(voiceNote('6281900000601')));
    expect(lastUserMessage()).toBe(`[The customer sent a voice note of 15 seconds. Transcript: «${FAKE_TRANSCRIPT}»]`);
    // The transcript's words search the knowledge base too ("order" finds the order-status section).
    expect(JSON.stringify((llm.lastRequest as { messages: unknown[] }).messages)).toContain('### Order status');
    // WhatsApp's .oga, sent under a name and type every API accepts.
    expect(llm.transcriptions.slice(before)).toEqual([{ model: 'whisper-1', fileName: 'voice-note.ogg', contentType: 'audio/ogg', bytes: files.files['/voice.oga']!.length }]);
    expect(bot.db.$client.prepare("select transcription from messages where kind = 'audio'").pluck().get()).toBe(FAKE_TRANSCRIPT);
    expect(await transcripts(bot.dbPath, ['show', '6281900000601'])).toContain(`[voice note, 15 s] «${FAKE_TRANSCRIPT}»`);
    expect(await transcripts(bot.dbPath, ['search', 'brown', 'bag'])).toContain('6281900000601');
  });

  it('later turns read the voice note by its transcript too', async () => {
    const bot = voiceBot();
    await bot.post(voiceNote('6281900000602'));
    await jsonOf(bot.post(freshInbound('text', { from: '6281900000602', message: 'and in black?' })));
    const asked = llm.lastRequest as { messages: { role: string; content: string }[] };
    expect(asked.messages.some((m) => m.role === 'user' && m.content.includes(`Transcript: «${FAKE_TRANSCRIPT}»`))).toBe(true);
  });

  it('TRANSCRIPTION_BASE_URL sends the audio to another server than the chat', async () => {
    const audio = await startFakeOpenAI();
    try {
      const chatBefore = llm.transcriptions.length;
      const bot = voiceBot({ transcription: { model: 'whisper-large-v3-turbo', baseUrl: audio.url, apiKey: 'gsk-test' } });
      await bot.post(voiceNote('6281900000603'));
      expect(audio.transcriptions.map((t) => t.model)).toEqual(['whisper-large-v3-turbo']);
      expect(llm.transcriptions.length).toBe(chatBefore);
    } finally {
      await audio.close();
    }
  });

  it('a transcription that fails: the model is told it cannot listen, and the log says why', async () => {
    const broken = await startFakeOpenAI({ transcription: { status: 500 } });
    try {
      const logs = captureLogs();
      const bot = voiceBot({ transcription: { model: 'whisper-1', baseUrl: broken.url }, logger: logs.logger });
      const reply = await jsonOf(bot.post(voiceNote('6281900000604')));
      expect(reply.body).toContain('[The customer sent a voice note of 15 seconds. You cannot listen to it.]');
      expect(logs.text()).toContain('could not transcribe a voice note');
    } finally {
      await broken.close();
    }
  });

  it('a transcription that does not fit the window: the holding reply, then the answer with the transcript through the API', async () => {
    const slow = await startFakeOpenAI({ transcription: { latencyMs: 1900 } });
    const api: FakeWhatspie = await startFakeWhatspie();
    try {
      const bot = voiceBot({ transcription: { model: 'whisper-1', baseUrl: slow.url }, deadlineMs: 1000, whatspieApiUrl: api.url });
      const reply = await jsonOf(bot.post(voiceNote('6281900000605')));
      expect(reply.body).toMatch(/looking into it/);
      const [sent] = await api.waitForSent(1);
      expect(sent!.body.receiver).toBe('6281900000605');
      expect(lastUserMessage()).toContain(`Transcript: «${FAKE_TRANSCRIPT}»`);
    } finally {
      await slow.close();
      await api.close();
    }
  });
});
