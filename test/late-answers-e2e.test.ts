// Late answers with the real server process: inside the window over real HTTP, and delivered after a crash.
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../src/store/db.js';
import { copyPrompts, tempDir } from './helpers/app.js';
import { textFrom } from './helpers/fixtures.js';
import { freshPostgresDatabase, postgresUrl } from './helpers/postgres.js';
import { startServerProcess, type ServerProcess } from './helpers/server-process.js';
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

describe('a deploy (SIGTERM) while the model works on a late answer', () => {
  const started: { llm: FakeOpenAI; api: FakeWhatspie }[] = [];
  afterAll(async () => {
    for (const { llm, api } of started.splice(0)) {
      llm.release();
      await llm.close();
      await api.close();
    }
  });

  /** A model that holds its answers until the test releases them, Whatspie's API, and the settings of a server using them. */
  async function setup(database: { DATABASE_PATH: string } | { DATABASE_URL: string }) {
    const llm = await startFakeOpenAI();
    const api = await startFakeWhatspie();
    started.push({ llm, api });
    llm.hold();
    const env = {
      ...database,
      PROMPTS_DIR: copyPrompts(),
      OPENAI_BASE_URL: llm.url,
      WEBHOOK_SECRET: SECRET,
      REPLY_DEADLINE_MS: '800',
      WHATSPIE_API_TOKEN: 'e2e-token',
      WHATSPIE_DEVICE: '6281100000000',
      WHATSPIE_API_URL: api.url,
    };
    return { llm, api, env };
  }

  async function ask(server: ServerProcess, from: string, text: string) {
    const response = await fetch(`${server.url}/webhook?token=${SECRET}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(textFrom(from, text)),
    });
    expect(((await response.json()) as { body: string }).body).toMatch(/looking into it/);
  }

  /** The server's log lines with this message. */
  const logLines = (server: ServerProcess, msg: RegExp) =>
    server.output().split('\n').filter((line) => line.startsWith('{')).map((line) => JSON.parse(line) as Record<string, unknown>).filter((line) => msg.test(String(line.msg)));

  it('not ready in time: handed on (the log says which), the process exits within 10 s, and the next server sends the real answer, once', async () => {
    const dbPath = join(tempDir(), 'bot.db');
    const { llm, api, env } = await setup({ DATABASE_PATH: dbPath });
    const first = await startServerProcess(env);
    await ask(first, '6281900000601', 'hello there, is anyone awake?');
    await llm.waitForRequests(1);
    first.child.kill('SIGTERM');
    expect(await first.exited).toBe(0);
    // Within Docker's 10 s, by the process's own clock (from the signal to its last line), whatever the machine's load.
    const [signalled] = logLines(first, /^shutting down/);
    const [stopped] = logLines(first, /^stopped$/);
    expect(Number(stopped!.time) - Number(signalled!.time)).toBeLessThan(10_000);
    const [handedOn] = logLines(first, /handed on/);
    expect(handedOn).toMatchObject({ handedOn: 1, contacts: 1, inboundIds: [expect.any(Number)] });
    // Ids and counts, never what the customer wrote.
    expect(first.output()).not.toContain('awake');
    expect(api.requests).toHaveLength(0);
    const db = openDatabase(dbPath, { readonly: true });
    expect(db.$client.prepare('select count(*) from messages where late_pending = 1').pluck().get()).toBe(1);
    db.$client.close();

    llm.release();
    const second = await startServerProcess(env);
    const [sent] = await api.waitForSent(1, 30_000);
    expect(sent!.body).toMatchObject({ receiver: '6281900000601', params: { text: expect.stringContaining('You said: hello there, is anyone awake?') } });
    expect(logLines(second, /working on it again/)).toEqual([expect.objectContaining({ inboundId: (handedOn!.inboundIds as number[])[0] })]);
    second.child.kill('SIGTERM');
    expect(await second.exited).toBe(0);
    expect(api.requests).toHaveLength(1);
    const after = openDatabase(dbPath, { readonly: true });
    expect(after.$client.prepare('select count(*) from messages where late_pending = 1').pluck().get()).toBe(0);
    expect(after.$client.prepare('select state from outbox').pluck().all()).toEqual(['sent']);
    after.$client.close();
  }, 90_000);

  it('ready during the grace time: sent through the API before the process exits', async () => {
    const { llm, api, env } = await setup({ DATABASE_PATH: join(tempDir(), 'bot.db') });
    const server = await startServerProcess(env);
    await ask(server, '6281900000602', 'is the brown bag in stock?');
    await llm.waitForRequests(1);
    server.child.kill('SIGTERM');
    await expect.poll(() => logLines(server, /waiting for late answers/), { timeout: 10_000 }).toEqual([expect.objectContaining({ lateAnswers: 1 })]);
    llm.release();
    expect(await server.exited).toBe(0);
    expect(api.sent.map((request) => request.body.params.text)).toEqual([expect.stringContaining('You said: is the brown bag in stock?')]);
    expect(logLines(server, /handed on/)).toEqual([]);
  }, 60_000);

  it('a send Whatspie holds past the grace time does not hold the process: it stops cleanly, and the send is not repeated', async () => {
    const dbPath = join(tempDir(), 'bot.db');
    const { llm, api, env } = await setup({ DATABASE_PATH: dbPath });
    api.script(['hang']);
    const server = await startServerProcess(env);
    await ask(server, '6281900000603', 'do you ship to Bali?');
    await llm.waitForRequests(1);
    llm.release();
    await expect.poll(() => api.requests.length, { timeout: 10_000 }).toBe(1);
    server.child.kill('SIGTERM');
    expect(await server.exited).toBe(0);
    expect(server.output()).not.toContain('could not stop cleanly');
    expect(logLines(server, /^stopped$/)).toHaveLength(1);
    expect(api.requests).toHaveLength(1);
    // Left mid-send: the next server finds its lease run out and marks it unknown, never sends it again.
    expect(outboxStates(dbPath)).toEqual(['sending']);
  }, 60_000);

  it.runIf(postgresUrl)('on PostgreSQL, another instance takes over what a stopping one handed on, and sends it once', async () => {
    const { llm, api, env } = await setup({ DATABASE_URL: await freshPostgresDatabase() });
    const [a, b] = await Promise.all([startServerProcess(env), startServerProcess(env)]);
    try {
      await ask(a, '6281900000603', 'hi, anyone around today?');
      await llm.waitForRequests(1);
      a.child.kill('SIGTERM');
      expect(await a.exited).toBe(0);
      expect(logLines(a, /handed on/)).toEqual([expect.objectContaining({ handedOn: 1 })]);
      llm.release();
      const [sent] = await api.waitForSent(1, 30_000);
      expect(sent!.body.params.text).toContain('You said: hi, anyone around today?');
      expect(logLines(b, /working on it again/)).toHaveLength(1);
      b.child.kill('SIGTERM');
      expect(await b.exited).toBe(0);
      expect(api.requests).toHaveLength(1);
    } finally {
      a.child.kill('SIGKILL');
      b.child.kill('SIGKILL');
    }
  }, 90_000);
});
