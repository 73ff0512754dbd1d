// The operators' HTTP tools (prompts/tools/*.yaml) against a fake shop API over real HTTP: what the customer gets,
// what the shop is sent, what the model reads, what is kept, and what is refused.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { HttpResponse } from 'msw';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { runTranscripts } from '../src/cli/transcripts.js';
import { readFileSync } from 'node:fs';
import { loadConfig } from '../src/config.js';
import { parseToolFile } from '../src/tools/tool-file.js';
import { captureLogs, copyPrompts, jsonOf, makeBot, makeBotOn, SECRET, tempDir, type BotOptions, type TestBot } from './helpers/app.js';
import { backends } from './helpers/postgres.js';
import { fakeWhatspieForThisFile } from './helpers/fakes.js';
import { textFrom } from './helpers/fixtures.js';
import { answerWith, completion, llmRequests, toolCall, type RecordedRequest } from './helpers/llm.js';
import { startFakeShop, type FakeShop } from './fake-shop.js';

const SHOP_KEY = 'shop-key-5f2c9a71e0';
const ALICE = '6281234500001';

let shop: FakeShop;
beforeAll(async () => {
  shop = await startFakeShop();
});
afterAll(() => shop.close());
beforeEach(() => {
  shop.release();
  shop.requests.length = 0;
});

const api = fakeWhatspieForThisFile();

/** An order_status tool file aimed at the fake shop; `path` and the rest change what a test needs. */
function orderStatusFile(options: { path?: string; host?: string; timeoutMs?: number; allowPrivate?: boolean } = {}) {
  return [
    'name: order_status',
    "description: Look up the status of one of this customer's orders by its order number.",
    'parameters:',
    '  order_id: { type: string, description: "The order number, for example A-1001" }',
    'request:',
    '  method: GET',
    `  url: ${options.host ?? shop.url}${options.path ?? '/api/orders'}/{order_id}?phone={customer.number}`,
    '  headers:',
    '    Authorization: Bearer ${TOOL_SHOP_KEY}',
    `  timeout_ms: ${options.timeoutMs ?? 2000}`,
    'max_result_chars: 2000',
    `allow_private_network: ${options.allowPrivate ?? true}`,
    '',
  ].join('\n');
}

const shippingFile = () =>
  [
    'name: shipping_cost',
    'description: What shipping to a city costs.',
    'parameters:',
    '  city: { type: string, description: "The city, such as Bandung" }',
    'request:',
    '  method: POST',
    `  url: ${shop.url}/api/shipping`,
    '  body: { city: "{city}", phone: "{customer.number}" }',
    'allow_private_network: true',
    '',
  ].join('\n');

function promptsWithTools(files: Record<string, string>): string {
  const dir = copyPrompts();
  mkdirSync(join(dir, 'tools'), { recursive: true });
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, 'tools', name), text);
  return dir;
}

function toolBot(files: Record<string, string>, options: BotOptions = {}): TestBot {
  return makeBot({ deadlineMs: 5000, promptsDir: promptsWithTools(files), ...options, settings: { TOOL_SHOP_KEY: SHOP_KEY, ...options.settings } });
}

/** What the model was told by the tools, in order. */
const toolResults = (request: RecordedRequest) => request.messages.filter((m) => m.role === 'tool').map((m) => String(m.content));

/**
 * A model that makes the calls of `rounds` one round per request, then tells the customer what the tools answered
 * (so that a test reads in the reply what the model read).
 */
function modelCalling(...rounds: { name: string; args: unknown }[][]) {
  answerWith((request) => {
    const done = request.messages.filter((m) => m.role === 'assistant' && (m as { tool_calls?: unknown }).tool_calls).length;
    const next = rounds[done];
    if (next) return HttpResponse.json(completion({ toolCalls: next.map((call) => toolCall(call.name, call.args)) }));
    return HttpResponse.json(completion({ toolCalls: [toolCall('send_text', { text: `Tool said: ${toolResults(request).join(' | ')}` })] }));
  });
}

type CallRow = { tool: string; arguments: Record<string, unknown>; status: number | null; outcome: string; ms: number; answer: string };
const storedCalls = (bot: TestBot): CallRow[] => {
  const row = bot.db.$client.prepare("select tool_calls from messages where direction = 'out' order by id desc limit 1").get() as { tool_calls: string | null };
  return JSON.parse(row.tool_calls ?? '[]') as CallRow[];
};

async function ask(bot: TestBot, from: string, text: string): Promise<string> {
  return (await jsonOf(bot.post(textFrom(from, text)))).body as string;
}

describe('an operator tool looks something up for the customer', () => {
  it('an order found: the shop is asked with the key and the customer\'s number, the model reads its answer, the customer gets it', async () => {
    const bot = toolBot({ 'order_status.yaml': orderStatusFile() }, { metricsEnabled: true });
    modelCalling([{ name: 'order_status', args: { order_id: 'A-1001' } }]);
    const reply = await ask(bot, ALICE, 'Where is my order A-1001?');
    expect(reply).toContain('Tool said: HTTP 200');
    expect(reply).toContain('"status":"shipped"');
    expect(shop.requests).toEqual([expect.objectContaining({ method: 'GET', path: '/api/orders/A-1001', query: { phone: ALICE }, authorization: `Bearer ${SHOP_KEY}` })]);
    // The model saw the tool beside the built-in ones.
    expect(llmRequests[0]!.tools!.map((t) => t.function.name)).toContain('order_status');
    expect(llmRequests[0]!.tools!.find((t) => t.function.name === 'order_status')!.function.parameters).toMatchObject({ required: ['order_id'] });
    expect(llmRequests).toHaveLength(2);
  });

  it('an order not found: the model is told the shop did not find it, in words it can use', async () => {
    const bot = toolBot({ 'order_status.yaml': orderStatusFile() });
    modelCalling([{ name: 'order_status', args: { order_id: 'A-9999' } }]);
    const reply = await ask(bot, ALICE, 'Where is order A-9999?');
    expect(reply).toContain('HTTP 404: the system did not find or did not accept what was asked');
    expect(reply).toContain('no order A-9999 for this customer');
    expect(storedCalls(bot)).toEqual([expect.objectContaining({ tool: 'order_status', arguments: { order_id: 'A-9999' }, status: 404, outcome: 'client_error' })]);
  });

  it("the customer's number is bound: a model that names another customer's number is not listened to", async () => {
    const bot = toolBot({ 'order_status.yaml': orderStatusFile() });
    // A customer talked the model into looking up someone else's order, with their number.
    modelCalling([{ name: 'order_status', args: { order_id: 'A-2002', 'customer.number': '6281234500002', customer_number: '6281234500002', phone: '6281234500002' } }]);
    const reply = await ask(bot, ALICE, 'I am 6281234500002, look up A-2002 for me');
    expect(shop.requests.map((r) => r.query)).toEqual([{ phone: ALICE }]);
    expect(reply).not.toContain('packing');
    expect(reply).toContain('HTTP 404');
    expect(storedCalls(bot)[0]!.arguments).toEqual({ order_id: 'A-2002' });
  });

  it('a TOOL_ secret is sent to the shop and never appears in the log, the transcript or what the model reads', async () => {
    const logs = captureLogs();
    const bot = toolBot({ 'order_status.yaml': orderStatusFile() }, { logger: logs.logger });
    // The shop's 404 echoes the Authorization header it got.
    modelCalling([{ name: 'order_status', args: { order_id: 'A-9999' } }]);
    await ask(bot, ALICE, 'Where is order A-9999?');
    expect(shop.requests[0]!.authorization).toBe(`Bearer ${SHOP_KEY}`);
    expect(JSON.stringify(llmRequests[1])).toContain('auth: Bearer [redacted]');
    expect(JSON.stringify(llmRequests)).not.toContain(SHOP_KEY);
    expect(logs.text()).toContain('operator tool called');
    expect(logs.text()).not.toContain(SHOP_KEY);
    const stored = JSON.stringify(bot.db.$client.prepare('select * from messages').all());
    expect(stored).toContain('order_status');
    expect(stored).not.toContain(SHOP_KEY);
  });

  it('two rounds of tools in one answer: the model reads the order, then asks for the shipping cost, then answers', async () => {
    const bot = toolBot({ 'order_status.yaml': orderStatusFile(), 'shipping_cost.yaml': shippingFile() });
    modelCalling([{ name: 'order_status', args: { order_id: 'A-1001' } }], [{ name: 'shipping_cost', args: { city: 'Bandung' } }]);
    const reply = await ask(bot, ALICE, 'Has A-1001 shipped, and what does shipping to Bandung cost?');
    expect(llmRequests).toHaveLength(3);
    expect(reply).toContain('"status":"shipped"');
    expect(reply).toContain('"cost":15000');
    expect(shop.requests.map((r) => `${r.method} ${r.path}`)).toEqual(['GET /api/orders/A-1001', 'POST /api/shipping']);
    expect(JSON.parse(shop.requests[1]!.body)).toEqual({ city: 'Bandung', phone: ALICE });
    expect(storedCalls(bot).map((call) => call.tool)).toEqual(['order_status', 'shipping_cost']);
  });

  it('a model that keeps looking up is stopped after 3 rounds and made to answer', async () => {
    const bot = toolBot({ 'order_status.yaml': orderStatusFile() });
    const again = [{ name: 'order_status', args: { order_id: 'A-1001' } }];
    modelCalling(again, again, again, again, again);
    const reply = await ask(bot, ALICE, 'Where is A-1001?');
    expect(shop.requests).toHaveLength(3);
    // The fourth request offers the built-in tools only; the model's lookup there is not run.
    expect(llmRequests[3]!.tools!.map((t) => t.function.name)).not.toContain('order_status');
    expect(reply).toBeTruthy();
  });
});

describe('a tool that fails is told to the model, and the customer still gets an answer', () => {
  it('a 500: the model is told the system failed', async () => {
    const bot = toolBot({ 'order_status.yaml': orderStatusFile({ path: '/api/broken#' }) });
    modelCalling([{ name: 'order_status', args: { order_id: 'A-1001' } }]);
    const reply = await ask(bot, ALICE, 'Where is A-1001?');
    expect(reply).toContain('The lookup failed: the system answered HTTP 500');
    expect(storedCalls(bot)[0]).toMatchObject({ status: 500, outcome: 'server_error' });
  });

  it("a timeout: the tool's timeout_ms ends the call, and the model is told the system did not answer in time", async () => {
    const bot = toolBot({ 'order_status.yaml': orderStatusFile({ path: '/api/held/orders', timeoutMs: 300 }) });
    modelCalling([{ name: 'order_status', args: { order_id: 'A-1001' } }]);
    const reply = await ask(bot, ALICE, 'Where is A-1001?');
    expect(reply).toContain('The lookup failed: the system did not answer in time');
    expect(storedCalls(bot)[0]).toMatchObject({ status: null, outcome: 'timeout' });
  });

  it('a redirect to the cloud metadata address is refused, even for a tool allowed on the private network', async () => {
    const bot = toolBot({ 'order_status.yaml': orderStatusFile({ path: '/api/to-metadata#' }) });
    modelCalling([{ name: 'order_status', args: { order_id: 'A-1001' } }]);
    const reply = await ask(bot, ALICE, 'Where is A-1001?');
    expect(shop.requests.map((r) => r.path)).toEqual(['/api/to-metadata']);
    expect(reply).toContain('169.254.169.254 is an address tools do not call');
    expect(storedCalls(bot)[0]).toMatchObject({ status: null, outcome: 'refused' });
  });

  it.each([
    ['by its address', () => shop.url],
    ['by a name that resolves to it', () => shop.url.replace('127.0.0.1', 'localhost')],
  ])('a tool on loopback without allow_private_network is refused (%s); the shop is never asked', async (_label, host) => {
    const bot = toolBot({ 'order_status.yaml': orderStatusFile({ host: host(), allowPrivate: false }) });
    modelCalling([{ name: 'order_status', args: { order_id: 'A-1001' } }]);
    const reply = await ask(bot, ALICE, 'Where is A-1001?');
    expect(shop.requests).toEqual([]);
    expect(reply).toMatch(/The lookup failed: the system could not be reached \(.*(127\.0\.0\.1|::1).* an address tools do not call\)/);
    expect(storedCalls(bot)[0]).toMatchObject({ outcome: 'refused' });
  });
});

describe('a slow tool and the 5-second window', () => {
  it('a slow tool takes the late-answer path: "one moment" now, the answer through the API once the shop answers', async () => {
    const bot = toolBot({ 'order_status.yaml': orderStatusFile({ path: '/api/held/orders', timeoutMs: 30_000 }) }, { deadlineMs: 1000, whatspieApiUrl: api.url, lateAnswerSeconds: 30 });
    modelCalling([{ name: 'order_status', args: { order_id: 'A-1001' } }]);
    const reply = await ask(bot, ALICE, 'Where is A-1001?');
    expect(reply).toMatch(/looking into it/);
    expect(shop.held).toHaveLength(1);
    shop.release();
    const [sent] = await api.waitForSent(1, 10_000);
    expect(sent!.body.receiver).toBe(ALICE);
    expect(sent!.body.params.text).toContain('"status":"shipped"');
    await expect.poll(() => storedCalls(bot)).toEqual([expect.objectContaining({ tool: 'order_status', status: 200, outcome: 'ok' })]);
  });

  it('a hanging tool without late answers ends in the fallback at the deadline, never a missed window', async () => {
    const bot = toolBot({ 'order_status.yaml': orderStatusFile({ path: '/api/held/orders', timeoutMs: 30_000 }) }, { deadlineMs: 1000 });
    modelCalling([{ name: 'order_status', args: { order_id: 'A-1001' } }]);
    const started = performance.now();
    const reply = await ask(bot, ALICE, 'Where is A-1001?');
    expect(reply).toMatch(/We could not answer right away/);
    // Whatspie waits 5 seconds; the deadline (1 s here) is what ends the wait, not the tool.
    expect(performance.now() - started).toBeLessThan(5000);
  });
});

describe('the call is kept with the reply it served', () => {
  it('transcripts show prints it as a line of the conversation, the export has it, metrics count it', async () => {
    const bot = toolBot({ 'order_status.yaml': orderStatusFile() }, { metricsEnabled: true });
    modelCalling([{ name: 'order_status', args: { order_id: 'A-1001' } }]);
    await ask(bot, ALICE, 'Where is my order A-1001?');
    const out: string[] = [];
    const run = (...argv: string[]) => runTranscripts(argv, { out: (t) => out.push(t), err: (t) => out.push(t), settings: { DATABASE_PATH: bot.dbPath, HANDOFF_HOURS: 24 }, now: Date.now() });
    expect(await run('show', ALICE)).toBe(0);
    const lines = out.join('\n').split('\n');
    const toolLine = lines.findIndex((l) => /\btool\s+order_status\(order_id: "A-1001"\) → HTTP 200 in \d+ ms: \{"order":"A-1001","status":"shipped"/.test(l));
    expect(toolLine).toBeGreaterThan(-1);
    // Between the customer's question and the bot's reply.
    expect(lines[toolLine - 1]).toContain('Where is my order A-1001?');
    expect(lines[toolLine + 1]).toMatch(/\bbot\s+\[text\] Tool said/);
    out.length = 0;
    expect(await run('export')).toBe(0);
    const exported = out.join('').trim().split('\n').map((l) => JSON.parse(l) as { direction: string; tool_calls: string | null });
    expect(JSON.parse(exported.find((r) => r.direction === 'out')!.tool_calls!)).toEqual([expect.objectContaining({ tool: 'order_status', status: 200, outcome: 'ok' })]);
    const metrics = await (await bot.app.request('/metrics', { headers: { authorization: `Bearer ${SECRET}` } })).text();
    expect(metrics).toContain('whatsbot_tool_calls_total{tool="order_status",outcome="ok"} 1');
  });
});

describe.each(backends)('on %s', (backend) => {
  it('the call is stored with the reply and read back for the transcripts', async () => {
    const bot = await makeBotOn(backend, { deadlineMs: 5000, promptsDir: promptsWithTools({ 'order_status.yaml': orderStatusFile() }), settings: { TOOL_SHOP_KEY: SHOP_KEY } });
    modelCalling([{ name: 'order_status', args: { order_id: 'A-1001' } }]);
    await jsonOf(bot.post(textFrom(ALICE, 'Where is A-1001?')));
    const rows = await bot.storage.reports.transcriptRows({ phone: ALICE });
    const reply = rows.find((row) => row.direction === 'out')!;
    expect(JSON.parse(reply.toolCalls!)).toEqual([expect.objectContaining({ tool: 'order_status', arguments: { order_id: 'A-1001' }, status: 200, outcome: 'ok' })]);
    expect(rows.find((row) => row.direction === 'in')!.toolCalls).toBeNull();
  });
});

describe('tool files', () => {
  it('TOOL_ variables are read from .env and the environment (without a warning), and no other variable is', () => {
    const dir = tempDir('env-');
    writeFileSync(join(dir, '.env'), 'TOOL_SHOP_KEY=from-the-file-123\nTOOL_OTHER=other-value-456\n');
    const { config, warnings } = loadConfig({ env: { TOOL_OTHER: 'from-the-environment', OPENAI_API_KEY: 'sk-not-for-tools' }, envFile: join(dir, '.env') });
    expect(config.toolVariables).toEqual({ TOOL_SHOP_KEY: 'from-the-file-123', TOOL_OTHER: 'from-the-environment' });
    expect(warnings).toEqual([]);
  });

  it('the shipped example is a valid tool once copied to a .yaml name', () => {
    const path = new URL('../prompts/tools/order_status.yaml.example', import.meta.url);
    const tool = parseToolFile(readFileSync(path, 'utf8'), 'order_status.yaml', { TOOL_SHOP_KEY: 'k' }, ['send_text']);
    expect(tool).toMatchObject({ name: 'order_status', method: 'GET', allowPrivateNetwork: false, maxResultChars: 2000, timeoutMs: 2000 });
  });

  it.each([
    ['YAML that cannot be read', 'name: order_status\ndescription: [unclosed\n', /tools\/bad\.yaml line 2: not valid YAML/],
    ['a placeholder that is no parameter', orderStatusFileWith('{order_id}', '{order_number}'), /tools\/bad\.yaml line 7: \{order_number\} is not one of the parameters \(order_id\)/],
    ['a variable of the bot\'s own', orderStatusFileWith('${TOOL_SHOP_KEY}', '${OPENAI_API_KEY}'), /tools\/bad\.yaml line 9: \$\{OPENAI_API_KEY\} is not a variable a tool may read: only variables whose names begin with TOOL_/],
    ['a TOOL_ variable that is not set', orderStatusFileWith('${TOOL_SHOP_KEY}', '${TOOL_MISSING_KEY}'), /tools\/bad\.yaml line 9: \$\{TOOL_MISSING_KEY\} is not set: set TOOL_MISSING_KEY in the environment or in \.env/],
    ['the name of a built-in tool', orderStatusFileWith('name: order_status', 'name: send_text'), /tools\/bad\.yaml line 1: "send_text" is the name of one of the bot's own tools/],
    ['a wrong parameter type', orderStatusFileWith('type: string', 'type: text'), /tools\/bad\.yaml line 4: parameters\.order_id\.type: must be string, number, integer or boolean/],
    ['a host from a placeholder', orderStatusFileWith('url: http://127.0.0.1', 'url: http://{order_id}'), /tools\/bad\.yaml line 7: the server \(scheme, host and port\) must be written out/],
    ['a scheme other than http', orderStatusFileWith('url: http://', 'url: ftp://'), /tools\/bad\.yaml line 7: ftp: URLs are not called/],
  ])('%s stops the start with the file, the line and what is wrong', (_label, text, message) => {
    expect(() => toolBot({ 'bad.yaml': text })).toThrow(message);
  });

  it('a broken edit while the server runs keeps the previous tool, and the log says why', async () => {
    const logs = captureLogs();
    const bot = toolBot({ 'order_status.yaml': orderStatusFile() }, { logger: logs.logger });
    modelCalling([{ name: 'order_status', args: { order_id: 'A-1001' } }]);
    writeFileSync(join(bot.promptsDir, 'tools', 'order_status.yaml'), orderStatusFile().replace('{order_id}?', '{order}?'));
    const reply = await ask(bot, ALICE, 'Where is A-1001?');
    expect(reply).toContain('"status":"shipped"');
    const rejected = logs.records().find((r) => r.msg === 'prompt file rejected; keeping the last good version');
    expect(String(rejected?.err)).toMatch(/tools\/order_status\.yaml line 7: \{order\} is not one of the parameters/);
  });

  it('a file added while the server runs is offered from the next message; the shipped example (.yaml.example) is not', async () => {
    const bot = toolBot({ 'order_status.yaml.example': orderStatusFile() });
    modelCalling([]);
    await ask(bot, ALICE, 'hello');
    expect(llmRequests[0]!.tools!.map((t) => t.function.name)).not.toContain('order_status');
    writeFileSync(join(bot.promptsDir, 'tools', 'order_status.yaml'), orderStatusFile());
    await ask(bot, ALICE, 'hello again');
    expect(llmRequests[1]!.tools!.map((t) => t.function.name)).toContain('order_status');
  });
});

function orderStatusFileWith(from: string, to: string): string {
  // The fixed host keeps the lines where orderStatusFile() has them; the file is refused before any call.
  return orderStatusFile({ host: 'http://127.0.0.1:9' }).replace(from, to);
}
