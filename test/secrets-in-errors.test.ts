// Error texts that come back from Whatspie or the LLM may repeat what they were sent, the Authorization header
// included. With the real server process: neither its log, nor the database, nor `transcripts show` ever holds a token.
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runTranscripts } from '../src/cli/transcripts.js';
import { holdSecrets, secretsInSettings } from '../src/secrets.js';
import { openDatabase } from '../src/store/db.js';
import { captureLogs, copyPrompts, tempDir } from './helpers/app.js';
import { textFrom } from './helpers/fixtures.js';
import { startServerProcess, type ServerProcess } from './helpers/server-process.js';
import { startFakeOpenAI, type FakeOpenAI } from './fake-openai.js';
import { startFakeWhatspie, type FakeWhatspie } from './fake-whatspie.js';

const WEBHOOK_SECRET = 'secrets-e2e-webhook-0123456789';
const WHATSPIE_TOKEN = 'wsp_live_7Hq2Zr9XkP4mN8vB3cJ6tY1e';
const LLM_KEY = 'sk-proj-Ab3dE5gH7jK9mN1pQ3sT5vX7zA9cE1gI';

/** Every row of every table, as text. */
function everythingStored(dbPath: string): string {
  const db = openDatabase(dbPath, { readonly: true });
  try {
    const tables = db.$client.prepare("select name from sqlite_master where type = 'table'").pluck().all() as string[];
    return tables.map((table) => JSON.stringify(db.$client.prepare(`select * from "${table}"`).all())).join('\n');
  } finally {
    db.$client.close();
  }
}

async function transcriptsShow(dbPath: string, customer: string): Promise<string> {
  const out: string[] = [];
  await runTranscripts(['show', customer], { out: (t) => out.push(t), err: (t) => out.push(t), settings: { DATABASE_PATH: dbPath, HANDOFF_HOURS: 24 }, now: Date.now() });
  return out.join('\n');
}

async function post(server: ServerProcess, customer: string, text: string): Promise<unknown> {
  const response = await fetch(`${server.url}/webhook?token=${WEBHOOK_SECRET}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(textFrom(customer, text)),
  });
  return response.json();
}

describe('secrets in error texts from outside, end to end', () => {
  let api: FakeWhatspie;
  let slowLlm: FakeOpenAI;
  let refusingLlm: FakeOpenAI;
  beforeAll(async () => {
    api = await startFakeWhatspie();
    slowLlm = await startFakeOpenAI({ latency: 1500 });
    // As a provider answers a key it does not know, quoting the header it was given.
    refusingLlm = await startFakeOpenAI({ fault: { status: 401, message: `Invalid Authorization header "Bearer ${LLM_KEY}"` } });
  });
  afterAll(async () => {
    await api.close();
    await slowLlm.close();
    await refusingLlm.close();
  });

  const settings = (llmUrl: string) => ({
    DATABASE_PATH: join(tempDir(), 'bot.db'),
    PROMPTS_DIR: copyPrompts(),
    OPENAI_BASE_URL: llmUrl,
    OPENAI_API_KEY: LLM_KEY,
    WEBHOOK_SECRET,
    REPLY_DEADLINE_MS: '800',
    WHATSPIE_API_TOKEN: WHATSPIE_TOKEN,
    WHATSPIE_DEVICE: '6281100000000',
    WHATSPIE_API_URL: api.url,
  });

  it("Whatspie's 401 that repeats the Authorization header: the reason is kept and shown without the token", async () => {
    const env = settings(slowLlm.url);
    const customer = '6281900000901';
    api.script([{ status: 401, body: { status: 401, message: `Unauthenticated: "Authorization: Bearer ${WHATSPIE_TOKEN}" is not a valid token` } }]);
    const server = await startServerProcess(env);
    try {
      // The LLM needs longer than the window: the answer goes out through the API, which refuses it.
      expect(await post(server, customer, 'hello, is anyone there?')).toMatchObject({ body: expect.stringMatching(/looking into it/) });
      await expect.poll(() => server.output(), { timeout: 20_000 }).toContain('Whatspie API send failed for good');
    } finally {
      await server.stop();
    }
    expect(api.requests[0]!.authorization).toBe(`Bearer ${WHATSPIE_TOKEN}`);

    const log = server.output();
    expect(log).toContain('HTTP 401: Unauthenticated: \\"Authorization: Bearer [redacted]\\" is not a valid token');
    expect(log).not.toContain(WHATSPIE_TOKEN);
    const stored = everythingStored(env.DATABASE_PATH);
    expect(stored).toContain('Bearer [redacted]');
    expect(stored).not.toContain(WHATSPIE_TOKEN);
    const shown = await transcriptsShow(env.DATABASE_PATH, customer);
    expect(shown).toContain('FAILED: HTTP 401: Unauthenticated: "Authorization: Bearer [redacted]" is not a valid token');
    expect(shown).not.toContain(WHATSPIE_TOKEN);
  }, 60_000);

  it("the LLM's error that repeats the key: the fallback is given and nothing holds the key", async () => {
    const env = settings(refusingLlm.url);
    const customer = '6281900000902';
    const server = await startServerProcess(env);
    try {
      await post(server, customer, 'what are your opening hours?');
      await expect.poll(() => server.output(), { timeout: 20_000 }).toContain('LLM call failed');
    } finally {
      await server.stop();
    }
    const log = server.output();
    expect(log).toContain('Invalid Authorization header \\"Bearer [redacted]\\"');
    expect(log).not.toContain(LLM_KEY);
    expect(everythingStored(env.DATABASE_PATH)).not.toContain(LLM_KEY);
    const shown = await transcriptsShow(env.DATABASE_PATH, customer);
    expect(shown).toContain('client_error');
    expect(shown).not.toContain(LLM_KEY);
  }, 60_000);

  it("the startup log names the LLM's address beside the model, without credentials", async () => {
    const env = settings(slowLlm.url.replace('http://', 'http://gateway-user:gateway-pass-4321@'));
    const server = await startServerProcess(env);
    await server.stop();
    const listening = server.output().split('\n').find((line) => line.includes('"msg":"listening"'))!;
    expect(JSON.parse(listening)).toMatchObject({ model: 'gpt-4.1-mini', llmUrl: slowLlm.url });
    expect(server.output()).not.toContain('gateway-pass-4321');
  }, 60_000);
});

describe('the log', () => {
  it('never carries a secret of the settings, whatever field it hides in and however it is escaped', () => {
    // A database password with characters a URL must encode and JSON must escape.
    const password = 'db-pa"ss/w@rd-9876';
    holdSecrets(secretsInSettings({ DATABASE_URL: `postgres://bot:${encodeURIComponent(password)}@db.internal:5432/bot`, PORT: 3000 }));
    const { logger, text } = captureLogs();
    logger.error(
      { err: `password authentication failed: ${password}`, cause: { url: `postgres://bot:${encodeURIComponent(password)}@db.internal:5432/bot` } },
      `could not connect with ${password}`,
    );
    const line = text();
    expect(line).not.toContain('pa\\"ss');
    expect(line).not.toContain(encodeURIComponent(password));
    expect(line).not.toContain('w@rd');
    expect(line.match(/\[redacted\]/g)).toHaveLength(3);
    expect(JSON.parse(line)).toMatchObject({ msg: 'could not connect with [redacted]', cause: { url: 'postgres://bot:[redacted]@db.internal:5432/bot' } });
  });
});
