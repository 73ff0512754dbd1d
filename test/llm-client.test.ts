// The chat client's request as an OpenAI-compatible server receives it, over real HTTP: the path under any base
// URL, the key as a bearer token (none for a local server that needs none), the model, messages and tools.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { createLlm as createLlmWith, LlmError } from '../src/llm/client.js';
import { completion, until } from './helpers/llm.js';

interface Seen {
  url: string;
  authorization: string | undefined;
  body: { model: string; messages: unknown[]; tools?: unknown[]; tool_choice?: string };
}

const servers: { close(): void }[] = [];

const createLlm = (options: { baseURL: string; apiKey?: string; model: string; defaultHeaders?: Record<string, string> }) =>
  createLlmWith({ connection: { kind: 'openai', baseURL: options.baseURL, apiKey: options.apiKey, defaultHeaders: options.defaultHeaders }, model: options.model });
afterEach(() => servers.splice(0).forEach((s) => s.close()));

async function serve(status = 200, answer: unknown = completion({ content: 'Hello!' })): Promise<{ url: string; seen: Seen[] }> {
  const seen: Seen[] = [];
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      seen.push({ url: req.url!, authorization: req.headers.authorization, body: JSON.parse(body) });
      res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(answer));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  servers.push(server);
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, seen };
}

const ask = { messages: [{ role: 'user' as const, content: 'hi' }], tools: [], signal: new AbortController().signal, timeoutMs: 2000 };

describe('the chat client', () => {
  it('posts to {base}/chat/completions with the key as a bearer token, whatever the trailing slash', async () => {
    const server = await serve();
    const llm = createLlm({ baseURL: `${server.url}/api/v1/`, apiKey: 'sk-test-123', model: 'some-model' });
    const answer = await llm.complete({ ...ask, tools: [{ type: 'function', function: { name: 'send_text', parameters: {} } }] });
    expect(answer.text).toBe('Hello!');
    expect(server.seen[0]).toMatchObject({ url: '/api/v1/chat/completions', authorization: 'Bearer sk-test-123' });
    expect(server.seen[0]!.body).toMatchObject({ model: 'some-model', messages: [{ role: 'user', content: 'hi' }], tool_choice: 'auto' });
    expect(server.seen[0]!.body.tools).toHaveLength(1);
  });

  it('sends no key to a server that needs none, and no tools when there are none', async () => {
    const server = await serve();
    await createLlm({ baseURL: server.url, model: 'local' }).complete(ask);
    expect(server.seen[0]!.authorization).toBeUndefined();
    expect(server.seen[0]!.body).not.toHaveProperty('tools');
    expect(server.seen[0]!.body).not.toHaveProperty('tool_choice');
  });

  it('gives up a call past its time or when the caller aborts: the server sees the connection closed', async () => {
    const closed: number[] = [];
    let arrived = 0;
    const server = createServer((req) => {
      arrived += 1;
      req.on('close', () => closed.push(Date.now()));
    }); // never answers
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    servers.push(server);
    const llm = createLlm({ baseURL: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, model: 'm' });
    const started = Date.now();
    await expect(llm.complete({ ...ask, timeoutMs: 150 })).rejects.toMatchObject({ reason: 'timeout' });
    // The caller aborts once the request has reached the server.
    const caller = new AbortController();
    const asked = llm.complete({ ...ask, signal: caller.signal, timeoutMs: 60_000 });
    await until(() => arrived === 2);
    caller.abort();
    await expect(asked).rejects.toMatchObject({ reason: 'timeout' });
    await until(() => closed.length === 2);
    expect(closed[0]! - started).toBeLessThan(1000);
  });

  it('a connection refused and an answer cut off are told apart', async () => {
    // A port that was just free: nothing listens there (port 1 would not do: fetch refuses it as unsafe).
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    const refused = createLlm({ baseURL: `http://127.0.0.1:${port}`, model: 'm' });
    await expect(refused.complete(ask)).rejects.toMatchObject({ reason: 'connection_error', message: expect.stringContaining('ECONNREFUSED') });
    const server = createServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': '400' });
      res.write('{"choices": [');
      setTimeout(() => res.socket?.destroy(), 10);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    servers.push(server);
    const cut = createLlm({ baseURL: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, model: 'm' });
    await expect(cut.complete(ask)).rejects.toMatchObject({ reason: 'bad_response' });
  });

  it("reports the provider's error message with the status, the key removed", async () => {
    const server = await serve(401, { error: { message: 'Incorrect API key provided: sk-test-123' } });
    const error = await createLlm({ baseURL: server.url, apiKey: 'sk-test-123', model: 'm' }).complete(ask).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(LlmError);
    expect(error).toMatchObject({ reason: 'client_error', message: '401 Incorrect API key provided: [redacted]' });
  });
});
