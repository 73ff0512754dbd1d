// Late answers with the real server process: inside the window over real HTTP, and delivered after a crash.
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../src/store/db.js';
import { copyPrompts, tempDir } from './helpers/app.js';
import { textFrom } from './helpers/fixtures.js';
import { startServerProcess } from './helpers/server-process.js';
import { startFakeOpenAI, type FakeOpenAI } from './fake-openai.js';
import { startFakeWhatspie, type FakeWhatspie } from './fake-whatspie.js';

const SECRET = 'late-e2e-secret-0123456789';

function outboxStates(dbPath: string): string[] {
  const db = openDatabase(dbPath, { readonly: true });
  try {
    return db.$client.prepare('select state from outbox').pluck().all() as string[];
  } finally {
    db.$client.close();
  }
}

describe('late answers, end to end', () => {
  let llm: FakeOpenAI;
  let api: FakeWhatspie;
  beforeAll(async () => {
    llm = await startFakeOpenAI({ latency: 1900 });
    api = await startFakeWhatspie();
  });
  afterAll(async () => {
    await llm.close();
    await api.close();
  });

  it('a message pending when the server is killed is delivered after the restart, once', async () => {
    const dbPath = join(tempDir(), 'bot.db');
    const env = {
      DATABASE_PATH: dbPath,
      PROMPTS_DIR: copyPrompts(),
      OPENAI_BASE_URL: llm.url,
      WEBHOOK_SECRET: SECRET,
      REPLY_DEADLINE_MS: '1000',
      WHATSPIE_API_TOKEN: 'e2e-token',
      WHATSPIE_DEVICE: '6281100000000',
      WHATSPIE_API_URL: api.url,
    };
    // Whatspie is down at first: the late answer is stored and retried, not lost.
    api.script(Array.from({ length: 50 }, () => ({ status: 503 })));
    const first = await startServerProcess(env);
    const response = await fetch(`${first.url}/webhook?token=${SECRET}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(textFrom('6281900000501', 'hello there, anyone?')),
    });
    // The holding reply: the window closed before the model answered.
    expect(((await response.json()) as { body: string }).body).toMatch(/looking into it/);
    await expect.poll(() => api.requests.length, { timeout: 10_000 }).toBeGreaterThanOrEqual(1);
    // Killed between two attempts: a process killed in the middle of one leaves the message unknown, not pending
    // (test/outbox-unknown-fate.test.ts), and it would not be sent after the restart.
    await expect.poll(() => outboxStates(dbPath), { timeout: 10_000 }).toEqual(['pending']);
    first.child.kill('SIGKILL');
    await first.exited;
    expect(outboxStates(dbPath)).toEqual(['pending']);

    api.script([]);
    const second = await startServerProcess(env);
    try {
      const sent = await api.waitForSent(1, 45_000);
      expect(sent[0]!.body.receiver).toBe('6281900000501');
      expect(sent[0]!.body.params.text).toContain('You said: hello there, anyone?');
      await new Promise((resolve) => setTimeout(resolve, 1500));
      expect(api.sent).toHaveLength(1);
    } finally {
      second.child.kill('SIGKILL');
    }
  }, 90_000);
});
