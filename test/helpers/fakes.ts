// Fake servers shared by a test file: started once, closed at the end, and (for the Whatspie API) reset before each
// test. What the helpers return stands for the server once it has started.
import { afterAll, beforeAll, beforeEach } from 'vitest';
import { startFakeFileHost, type FakeFileHost } from '../fake-file-host.js';
import { startFakeOpenAI, type FakeOpenAI } from '../fake-openai.js';
import { startFakeWhatspie, type FakeWhatspie } from '../fake-whatspie.js';

function lazy<T extends object>(get: () => T | undefined): T {
  return new Proxy({} as T, { get: (_target, key) => (get() as Record<PropertyKey, unknown>)[key] });
}

/** Whatspie's API, with nothing recorded and nothing scripted at the start of each test. */
export function fakeWhatspieForThisFile(): FakeWhatspie {
  let fake: FakeWhatspie | undefined;
  beforeAll(async () => {
    fake = await startFakeWhatspie();
  });
  afterAll(() => fake?.close());
  beforeEach(() => {
    fake!.sent.length = 0;
    fake!.requests.length = 0;
    fake!.script([]);
  });
  return lazy(() => fake);
}

/** Whatspie's file host and an OpenAI-compatible server, for the media tests. */
export function fakeFilesAndLlmForThisFile(): { files: FakeFileHost; llm: FakeOpenAI } {
  let files: FakeFileHost | undefined;
  let llm: FakeOpenAI | undefined;
  beforeAll(async () => {
    files = await startFakeFileHost({ limitBytes: 1024 * 1024 });
    llm = await startFakeOpenAI();
  });
  afterAll(async () => {
    await files?.close();
    await llm?.close();
  });
  return { files: lazy(() => files), llm: lazy(() => llm) };
}
