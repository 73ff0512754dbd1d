// The provider corpus through the real server process and the real openai SDK, over real HTTP: a local server
// plays the provider and answers each request with the corpus body the customer's message names.
import { readdirSync, readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { toWebhookReply, type OutgoingMessage } from '../src/whatspie/reply.js';
import { copyPrompts, tempDir } from './helpers/app.js';
import { textFrom } from './helpers/fixtures.js';
import { startServerProcess, type ServerProcess } from './helpers/server-process.js';

const dir = new URL('./fixtures/llm/', import.meta.url);
const corpus = Object.fromEntries(
  readdirSync(dir)
    .filter((name) => name.endsWith('.json'))
    .map((name) => [name.replace(/\.json$/, ''), JSON.parse(readFileSync(new URL(name, dir), 'utf8'))]),
) as Record<string, { status: number; body: unknown; expect: { messages: OutgoingMessage[] } | { fallback: string } }>;

const SECRET = 'corpus-secret-0123456789';
const FALLBACK = { type: 'chat', body: 'Thank you for your message! We could not answer right away, but a member of our team will get back to you as soon as possible.', simulation: true };

describe('the provider corpus over real HTTP', () => {
  let provider: ReturnType<typeof createServer>;
  let server: ServerProcess;

  beforeAll(async () => {
    provider = createServer((req, res) => {
      let body = '';
      req.on('data', (chunk: Buffer) => (body += chunk.toString()));
      req.on('end', () => {
        const asked = JSON.parse(body) as { messages: { role: string; content: string }[] };
        const name = /corpus:([\w-]+)/.exec(asked.messages.filter((m) => m.role === 'user').at(-1)!.content)![1]!;
        const entry = corpus[name]!;
        res.writeHead(entry.status, { 'content-type': 'application/json' }).end(JSON.stringify(entry.body));
      });
    });
    await new Promise<void>((resolve) => provider.listen(0, '127.0.0.1', resolve));
    server = await startServerProcess({
      DATABASE_PATH: join(tempDir(), 'bot.db'),
      PROMPTS_DIR: copyPrompts(),
      OPENAI_BASE_URL: `http://127.0.0.1:${(provider.address() as AddressInfo).port}/v1`,
      WEBHOOK_SECRET: SECRET,
      // Every case is its own customer, with no history; nothing here may be throttled.
      RATE_LIMIT_PER_MINUTE: '0',
    });
  });
  afterAll(async () => {
    server.child.kill('SIGKILL');
    provider.close();
  });

  it.each(Object.keys(corpus).map((name, i) => [name, i] as const))('%s', async (name, i) => {
    const response = await fetch(`${server.url}/webhook?token=${SECRET}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(textFrom(`62817100${String(i).padStart(4, '0')}`, `corpus:${name}`)),
    });
    expect(response.status).toBe(200);
    const expected = corpus[name]!.expect;
    expect(await response.json()).toEqual('fallback' in expected ? FALLBACK : toWebhookReply(expected.messages));
  });
});
