// Two server processes on one PostgreSQL database, with no sticky routing: redeliveries split across them, one
// customer's messages alternating between them, a handoff made on one and respected by the other, and one of them
// killed under load while the other goes on, with every acknowledged message stored.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { copyPrompts, SECRET } from './helpers/app.js';
import { textFrom } from './helpers/fixtures.js';
import { until } from './helpers/llm.js';
import { backends, freshPostgresDatabase } from './helpers/postgres.js';
import { startServerProcess, type ServerProcess } from './helpers/server-process.js';

/**
 * An OpenAI-compatible server that records when each call ran and what it answered (the last user message). A call
 * whose text is held waits for the test to release it.
 */
async function recordingLlm(latencyMs: number) {
  const calls: { text: string; start: number; end: number }[] = [];
  const arrived: string[] = [];
  const held = new Map<string, Promise<void>>();
  const releases = new Map<string, () => void>();
  const server: Server = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString()));
    req.on('end', () => {
      const start = Date.now();
      const request = JSON.parse(body) as { messages: { role: string; content: string }[] };
      const text = String(request.messages.filter((m) => m.role === 'user').at(-1)?.content ?? '');
      arrived.push(text);
      void (held.get(text) ?? Promise.resolve()).then(() => setTimeout(() => {
        calls.push({ text, start, end: Date.now() });
        const call = /human/.test(text)
          ? { name: 'handoff_to_human', arguments: JSON.stringify({ reason: 'asked for a human' }) }
          : { name: 'send_text', arguments: JSON.stringify({ text: `echo: ${text}` }) };
        res.writeHead(200, { 'content-type': 'application/json' }).end(
          JSON.stringify({
            id: 'c',
            object: 'chat.completion',
            created: 0,
            model: 'fake',
            choices: [{ index: 0, finish_reason: 'tool_calls', message: { role: 'assistant', content: null, tool_calls: [{ id: 'call_0', type: 'function', function: call }] } }],
          }),
        );
      }, latencyMs));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`,
    calls,
    arrived,
    /** The answer to a call with this text waits until `release(text)`. */
    hold(text: string) {
      held.set(text, new Promise((resolve) => releases.set(text, resolve)));
    },
    release: (text: string) => releases.get(text)?.(),
    close: () => new Promise((resolve) => server.close(resolve)),
  };
}

describe.runIf(backends.includes('postgres'))('two instances on one PostgreSQL database', () => {
  let llm: Awaited<ReturnType<typeof recordingLlm>>;
  let a: ServerProcess;
  let b: ServerProcess;
  let db: pg.Pool;

  beforeAll(async () => {
    llm = await recordingLlm(300);
    const url = await freshPostgresDatabase();
    const prompts = copyPrompts();
    const env = { DATABASE_URL: url, OPENAI_BASE_URL: llm.url, OPENAI_API_KEY: 'sk-test', OPENAI_MODEL: 'fake', WEBHOOK_SECRET: SECRET, PROMPTS_DIR: prompts, RATE_LIMIT_PER_MINUTE: '0', REPLY_DEADLINE_MS: '4500' };
    // Started at the same moment on an empty database: one migrates, the other waits for it.
    [a, b] = await Promise.all([startServerProcess(env), startServerProcess(env)]);
    db = new pg.Pool({ connectionString: url, max: 2 });
  }, 30_000);

  afterAll(async () => {
    await Promise.all([a?.stop('SIGKILL'), b?.stop('SIGKILL')]);
    await db?.end();
    await llm?.close();
  });

  const post = (server: ServerProcess, body: unknown) =>
    fetch(`${server.url}/webhook?token=${SECRET}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  const answerOf = async (response: Promise<Response>) => (await response).json() as Promise<unknown>;

  it('a redelivery reaching both at once: one LLM call, one stored reply, the same answer from both', async () => {
    const before = llm.calls.length;
    const messages = Array.from({ length: 20 }, (_, i) => textFrom(`62815100000${String(i).padStart(2, '0')}`, `question ${i}`));
    // Each message reaches both instances at once; four such pairs at a time, so that a busy machine still answers
    // them inside the window (40 requests at once on two fresh processes need more than 4.5 s there).
    const pairs: unknown[][] = [];
    for (let i = 0; i < messages.length; i += 4) {
      pairs.push(...(await Promise.all(messages.slice(i, i + 4).map((m) => Promise.all([answerOf(post(a, m)), answerOf(post(b, m))])))));
    }
    for (const [i, [fromA, fromB]] of pairs.entries()) {
      expect(fromA).toEqual({ type: 'chat', body: `echo: question ${i}`, simulation: true });
      expect(fromB).toEqual(fromA);
    }
    expect(llm.calls.length - before).toBe(20);
    const { rows } = await db.query(`SELECT count(*)::int AS n FROM messages m JOIN contacts c ON c.id = m.contact_id WHERE c.phone LIKE '62815100000%' AND m.direction = 'out'`);
    expect(rows[0].n).toBe(20);
  });

  it("one customer's messages alternating between them: answered one at a time, in order, a burst once", async () => {
    const from = '6281520000001';
    const start = llm.calls.length;
    // Each message waits for the answer to the previous one, alternating instances: answered in order.
    for (let i = 0; i < 4; i++) {
      expect(await answerOf(post(i % 2 ? b : a, textFrom(from, `step ${i}`)))).toMatchObject({ body: `echo: step ${i}` });
    }
    // A burst split across both: the second and third message arrive, in this order, while the first is answered.
    llm.hold('burst 0');
    const stored = async (text: string) => (await db.query(`SELECT count(*)::int AS n FROM messages WHERE direction = 'in' AND text = $1`, [text])).rows[0].n === 1;
    const burst = [answerOf(post(a, textFrom(from, 'burst 0')))];
    await until(() => llm.arrived.includes('burst 0'));
    burst.push(answerOf(post(b, textFrom(from, 'burst 1'))));
    await until(() => stored('burst 1'));
    burst.push(answerOf(post(a, textFrom(from, 'burst 2'))));
    await until(() => stored('burst 2'));
    llm.release('burst 0');
    const answers = await Promise.all(burst);
    expect(answers[0]).toMatchObject({ body: 'echo: burst 0' });
    expect(answers[1]).toEqual([]);
    expect(answers[2]).toMatchObject({ body: 'echo: burst 2' });
    const calls = llm.calls.slice(start);
    expect(calls.map((c) => c.text)).toEqual(['step 0', 'step 1', 'step 2', 'step 3', 'burst 0', 'burst 2']);
    // Never two calls for this customer at once.
    for (let i = 1; i < calls.length; i++) expect(calls[i]!.start).toBeGreaterThanOrEqual(calls[i - 1]!.end);
  });

  it('a handoff made on one instance is respected by the other', async () => {
    const from = '6281530000001';
    expect(await answerOf(post(a, textFrom(from, 'I want a human')))).toMatchObject({ type: 'chat' });
    expect(await answerOf(post(b, textFrom(from, 'hello?')))).toEqual([]);
    expect(await answerOf(post(a, textFrom(from, 'anyone?')))).toEqual([]);
  });

  it('one instance killed under load: the other goes on, and every acknowledged message is stored with its reply', async () => {
    const acknowledged: string[] = [];
    let failedOnB = 0;
    let killed = false;
    const sends: Promise<void>[] = [];
    for (let i = 0; i < 120; i++) {
      const target = i % 2 ? b : a;
      const message = textFrom(`628154${String(i).padStart(7, '0')}`, `load ${i}`);
      sends.push(
        post(target, message).then(
          async (response) => {
            if (response.status === 200) {
              await response.json();
              acknowledged.push(message.message_id as string);
            } else if (target === b) failedOnB += 1;
          },
          () => {
            if (target === b) failedOnB += 1;
          },
        ),
      );
      if (i === 60) {
        a.child.kill('SIGKILL');
        killed = true;
      }
      await new Promise((resolve) => setTimeout(resolve, 15));
    }
    await Promise.all(sends);
    expect(killed).toBe(true);
    expect(failedOnB).toBe(0);
    // B answered all of its 60; A what it finished before it died.
    expect(acknowledged.length).toBeGreaterThanOrEqual(60);
    const { rows } = await db.query(
      `SELECT m.wa_message_id AS id, EXISTS (SELECT 1 FROM messages r WHERE r.in_reply_to = m.id) AS replied
         FROM messages m WHERE m.wa_message_id = ANY($1::text[])`,
      [acknowledged],
    );
    expect(rows).toHaveLength(acknowledged.length);
    expect(rows.every((row: { replied: boolean }) => row.replied)).toBe(true);
    // The survivor still answers, and its health check still sees the database.
    expect(await (await fetch(`${b.url}/healthz`)).json()).toEqual({ status: 'ok' });
  });
});
