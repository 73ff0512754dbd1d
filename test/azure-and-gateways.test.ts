// Azure OpenAI through the openai SDK's AzureOpenAI client, and the extra headers gateways and proxies want
// (OPENAI_DEFAULT_HEADERS): against real HTTP servers that check what Azure and a gateway check.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../src/config.js';
import { captureLogs, copyPrompts, jsonOf, makeBot, storedMessages, tempDir } from './helpers/app.js';
import { freshInbound, textFrom } from './helpers/fixtures.js';
import { startFakeFileHost, type FakeFileHost } from './fake-file-host.js';
import { FAKE_TRANSCRIPT, startFakeOpenAI, type FakeOpenAI } from './fake-openai.js';
import { startServerProcess } from './helpers/server-process.js';

const AZURE = { apiKey: 'azure-key-0123456789abcdef', apiVersion: '2024-10-21', deployments: ['support-bot', 'whisper'] };

/** The Azure settings as an operator writes them; the OPENAI_* connection settings unset, as in a fresh .env. */
const azureSettings = (endpoint: string, overrides: Record<string, string | undefined> = {}) => ({
  OPENAI_BASE_URL: undefined,
  OPENAI_API_KEY: undefined,
  AZURE_OPENAI_ENDPOINT: endpoint,
  AZURE_OPENAI_API_KEY: AZURE.apiKey,
  OPENAI_API_VERSION: AZURE.apiVersion,
  AZURE_OPENAI_DEPLOYMENT: 'support-bot',
  ...overrides,
});

const GATEWAY_HEADERS = { 'HTTP-Referer': 'https://shop.example', 'X-Title': 'Toko Makmur', 'X-Proxy-Key': 'proxy-secret-0123456789' };

const problemsOf = (env: Record<string, string>) => {
  try {
    loadConfig({ env, envFile: null });
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as Error).message;
  }
  throw new Error('the settings were accepted');
};

describe('Azure OpenAI', () => {
  let azure: FakeOpenAI;
  let files: FakeFileHost;
  beforeAll(async () => {
    azure = await startFakeOpenAI({ azure: AZURE });
    files = await startFakeFileHost({ limitBytes: 1024 * 1024 });
  });
  afterAll(async () => {
    await azure.close();
    await files.close();
  });

  it("answers a customer through the deployment's path, with the api-version query and the key as api-key", async () => {
    azure.azureRequests.length = 0;
    const bot = makeBot({ settings: azureSettings(azure.endpoint) });
    const reply = await jsonOf(bot.post(textFrom('6281950000001', 'hello from Bandung')));
    expect(reply).toMatchObject({ type: 'chat', body: 'Thanks for your message. You said: hello from Bandung' });
    expect(azure.azureRequests).toEqual([
      { path: '/openai/deployments/support-bot/chat/completions', deployment: 'support-bot', apiVersion: '2024-10-21', apiKey: AZURE.apiKey, authorization: null },
    ]);
    expect(storedMessages(bot.db).at(-1)).toMatchObject({ fell_back: 0, model: 'support-bot' });
  });

  it('a wrong key gets the fallback with the reason, and the log holds neither key', async () => {
    const logs = captureLogs();
    const wrongKey = 'azure-wrong-key-9876543210';
    const bot = makeBot({ logger: logs.logger, settings: azureSettings(azure.endpoint, { AZURE_OPENAI_API_KEY: wrongKey }) });
    await bot.post(textFrom('6281950000002', 'hello'));
    expect(storedMessages(bot.db).at(-1)).toMatchObject({ fell_back: 1, fallback_reason: 'client_error' });
    expect(logs.text()).toContain('401 Access denied due to invalid subscription key');
    expect(logs.text()).not.toContain(wrongKey);
    expect(logs.text()).not.toContain(AZURE.apiKey);
  });

  it("hears voice notes at the speech deployment TRANSCRIPTION_MODEL names, on the same resource", async () => {
    azure.azureRequests.length = 0;
    const bot = makeBot({ settings: azureSettings(azure.endpoint), keepMedia: { dir: tempDir('media-') }, transcription: { model: 'whisper' }, deadlineMs: 4000 });
    const base = freshInbound('audio', { from: '6281950000003' }) as Record<string, unknown> & { file: object };
    await jsonOf(bot.post({ ...base, file: { ...base.file, url: `${files.url}/voice.oga`, seconds: 4 } }));
    expect(JSON.stringify(azure.lastRequest)).toContain(`Transcript: «${FAKE_TRANSCRIPT}»`);
    expect(azure.azureRequests.map(({ path, apiVersion, apiKey }) => ({ path, apiVersion, apiKey }))).toEqual([
      { path: '/openai/deployments/whisper/audio/transcriptions', apiVersion: '2024-10-21', apiKey: AZURE.apiKey },
      { path: '/openai/deployments/support-bot/chat/completions', apiVersion: '2024-10-21', apiKey: AZURE.apiKey },
    ]);
  });

  it('refuses to start with an Azure setting missing, naming it', () => {
    const message = problemsOf({ AZURE_OPENAI_ENDPOINT: 'https://toko.openai.azure.com/', AZURE_OPENAI_API_KEY: 'k'.repeat(32), AZURE_OPENAI_DEPLOYMENT: 'support-bot' });
    expect(message).toContain('OPENAI_API_VERSION (not set): required for Azure OpenAI');
    expect(message).not.toContain('k'.repeat(32));
    expect(problemsOf({ AZURE_OPENAI_ENDPOINT: 'toko.openai.azure.com', AZURE_OPENAI_API_KEY: 'k', OPENAI_API_VERSION: '2024-10-21', AZURE_OPENAI_DEPLOYMENT: 'b' })).toContain('AZURE_OPENAI_ENDPOINT');
    expect(problemsOf({ AZURE_OPENAI_ENDPOINT: 'https://toko.openai.azure.com/', AZURE_OPENAI_API_KEY: 'k', OPENAI_API_VERSION: 'October', AZURE_OPENAI_DEPLOYMENT: 'b' })).toContain(
      'OPENAI_API_VERSION (from the environment): must be an Azure OpenAI API version such as 2024-10-21',
    );
  });
});

describe('gateway headers (OPENAI_DEFAULT_HEADERS)', () => {
  it('go with every chat request', async () => {
    const gateway = await startFakeOpenAI();
    try {
      const bot = makeBot({ llmBaseUrl: gateway.url, settings: { OPENAI_DEFAULT_HEADERS: JSON.stringify(GATEWAY_HEADERS) } });
      const reply = await jsonOf(bot.post(textFrom('6281950000010', 'hello')));
      expect(reply.body).toBe('Thanks for your message. You said: hello');
      expect(gateway.lastHeaders).toMatchObject({ 'http-referer': 'https://shop.example', 'x-title': 'Toko Makmur', 'x-proxy-key': GATEWAY_HEADERS['X-Proxy-Key'] });
      expect(gateway.lastHeaders.authorization).toBe('Bearer sk-test');
    } finally {
      await gateway.close();
    }
  });

  it('that are not a JSON object of strings stop the start with an error naming the setting, never the values', () => {
    const secret = 'proxy-secret-0123456789';
    const cases = [`{"X-Proxy-Key": "${secret}"`, `["X-Proxy-Key", "${secret}"]`, `{"X-Proxy-Key": ["${secret}"]}`, `{"X Proxy Key": "${secret}"}`, JSON.stringify({ 'X-Proxy-Key': `${secret}\r\nX-Other: 1` })];
    for (const value of cases) {
      const message = problemsOf({ OPENAI_DEFAULT_HEADERS: value });
      expect(message).toMatch(/OPENAI_DEFAULT_HEADERS \(from the environment\): must be a JSON object of header names and/);
      expect(message).not.toContain(secret);
    }
  });

  it("a gateway's key never reaches the server's output, even when the gateway echoes it in an error", async () => {
    // A gateway that refuses the request and quotes what it got, as some do.
    const gateway = createServer((req, res) => {
      req.resume();
      req.on('end', () => res.writeHead(403, { 'content-type': 'application/json' }).end(JSON.stringify({ error: { message: `key ${String(req.headers['x-proxy-key'])} is not allowed` } })));
    });
    await new Promise<void>((resolve) => gateway.listen(0, '127.0.0.1', resolve));
    const secret = 'webhook-secret-0123456789';
    const server = await startServerProcess({
      DATABASE_PATH: join(tempDir(), 'bot.db'),
      PROMPTS_DIR: copyPrompts(),
      OPENAI_BASE_URL: `http://127.0.0.1:${(gateway.address() as AddressInfo).port}/v1`,
      OPENAI_DEFAULT_HEADERS: JSON.stringify(GATEWAY_HEADERS),
      WEBHOOK_SECRET: secret,
      LOG_LEVEL: 'debug',
    });
    try {
      const response = await fetch(`${server.url}/webhook?token=${secret}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(textFrom('6281950000011', 'hello')) });
      expect(((await response.json()) as { body: string }).body).toContain('We could not answer right away');
      expect(server.output()).toContain('403 key [redacted] is not allowed');
      expect(server.output()).not.toContain(GATEWAY_HEADERS['X-Proxy-Key']);
    } finally {
      server.child.kill('SIGKILL');
      gateway.closeAllConnections();
      gateway.close();
    }
  });
});
