// A small OpenAI-compatible chat completions server for end-to-end tests, the terminal chat and benchmarks.
// It answers like a polite support bot would, through the same tool calls the real model uses.
// Run alone: node --import tsx test/fake-openai.ts [--port 4010] [--latency 0|1000-3000|hang] [--prompt-cache]
// (--prompt-cache: report cached prompt tokens as a provider with a prompt cache would)
// With `azure`, it serves Azure OpenAI's shape instead: /openai/deployments/{deployment}/chat/completions (and
// /audio/transcriptions), the api-version query and the api-key header, refused as Azure refuses them.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';

export type Latency = number | { min: number; max: number } | 'hang';

/** How the fake misbehaves, for fault tests: a status code, a body that is not a completion, a body cut off mid-way, a reset connection. */
export type Fault = { status: number; message?: string } | 'garbage' | 'truncated' | 'reset';

/** What the fake's /audio/transcriptions endpoint received. */
export interface TranscriptionRequest {
  model: string | null;
  fileName: string | null;
  contentType: string | null;
  bytes: number;
}

/** Azure OpenAI's shape: what a request must carry to be answered. */
export interface AzureShape {
  apiKey: string;
  apiVersion: string;
  /** The resource's deployments; a request for any other is refused with DeploymentNotFound. */
  deployments: string[];
}

/** One request as Azure would see it. */
export interface AzureRequest {
  path: string;
  deployment: string | null;
  apiVersion: string | null;
  apiKey: string | null;
  authorization: string | null;
}

export interface FakeOpenAI {
  url: string;
  /** For `azure`: the resource's endpoint, as AZURE_OPENAI_ENDPOINT takes it. */
  endpoint: string;
  azureRequests: AzureRequest[];
  /** The headers of the last request, for tests of what the bot sent besides the body. */
  lastHeaders: Record<string, string | string[] | undefined>;
  requests: number;
  transcriptions: TranscriptionRequest[];
  /** The last request body, for tests that inspect what the bot sent. */
  lastRequest: unknown;
  /** From now on, chat requests wait for release() before they are answered. */
  hold(): void;
  /** Answers the requests held, and answers later ones at once again. */
  release(): void;
  /** Resolves once `count` chat requests have arrived (held ones included). */
  waitForRequests(count: number): Promise<void>;
  /**
   * From now on each chat request is first offered to `script` (null: no script): a message answers it, a
   * `{ status }` fails it with that status, undefined leaves it to the usual answers.
   */
  answerWith(script: Script | null): void;
  close(): Promise<void>;
}

/** A scripted answer: the assistant's message, or a failure with this status. */
export type Scripted = { content: string | null; tool_calls?: ReturnType<typeof toolCall>[] } | { status: number; message?: string };
export type Script = (request: ChatRequest) => Scripted | undefined;

export interface ChatRequest {
  model?: string;
  messages?: { role: string; content: unknown }[];
  tools?: { function: { name: string } }[];
}

export function toolCall(name: string, args: unknown, i = 0) {
  return { id: `call_${i}`, type: 'function', function: { name, arguments: JSON.stringify(args) } };
}

/** What the fake says after an order lookup: the status from a JSON answer, or that it could not look. */
function orderAnswer(result: string): string {
  const json = /^HTTP 200\n(.*)$/s.exec(result)?.[1];
  if (json) {
    try {
      const order = JSON.parse(json) as { order?: string; status?: string; eta?: string };
      return `Your order ${order.order} is ${order.status}${order.eta ? `; it should arrive on ${order.eta}` : ''}.`;
    } catch {
      // told below
    }
  }
  if (/^HTTP 404/.test(result)) return 'I could not find that order under your number. Could you check the order number?';
  return 'I cannot look up orders right now. A colleague can check it for you.';
}

/** Decides the answer from the last user message, so tests can ask for each reply type. */
function answer(request: ChatRequest) {
  const last = request.messages?.filter((m) => m.role === 'user').at(-1);
  // A message with an image arrives as parts: its text, and the image (VISION).
  const parts = Array.isArray(last?.content) ? (last.content as { type: string; text?: string; image_url?: { url: string } }[]) : null;
  const image = parts?.find((p) => p.type === 'image_url')?.image_url?.url;
  const text = typeof last?.content === 'string' ? last.content : parts ? `${parts.map((p) => p.text ?? '').join(' ').trim()}${image ? ` (I see an image: ${image.slice(0, image.indexOf(',') + 1)}… ${image.length} characters)` : ''}` : '';
  const offered = new Set(request.tools?.map((t) => t.function.name));
  const lower = text.toLowerCase();
  // Asked with no tools: `npm run eval`'s judge. The fake cannot judge, and says so in a verdict that passes.
  if (!request.tools?.length) return { content: 'PASS: the fake model passes everything it is asked to judge' };
  // An operator's order tool (prompts/tools/order_status.yaml): looked up, then told in words, as a real model would.
  const looked = request.messages?.at(-1)?.role === 'tool' ? String(request.messages.at(-1)!.content) : null;
  if (looked !== null) return { content: null, tool_calls: [toolCall('send_text', { text: orderAnswer(looked) })] };
  const order = /\b([A-Z]-\d{3,})\b/.exec(text);
  if (order && offered.has('order_status')) return { content: null, tool_calls: [toolCall('order_status', { order_id: order[1] })] };
  if (/price list|pricelist/.test(lower) && offered.has('send_document')) {
    return { content: null, tool_calls: [toolCall('send_document', { media_id: 'price-list', caption: 'Here is our price list.' })] };
  }
  if (/map|where are you/.test(lower) && offered.has('send_image')) {
    return { content: null, tool_calls: [toolCall('send_image', { media_id: 'store-map' })] };
  }
  if (/manager|human|real person/.test(lower)) {
    return { content: null, tool_calls: [toolCall('handoff_to_human', { reason: `customer asked: ${text.slice(0, 100)}` })] };
  }
  if (/thank/.test(lower)) {
    return { content: null, tool_calls: [toolCall('react', { emoji: '🙏' }), toolCall('send_text', { text: 'You are welcome!' }, 1)] };
  }
  // Knowledge-base excerpts arrive as a system message: answer from the best one, as a real model would.
  const excerpt = request.messages?.find((m) => m.role === 'system' && String(m.content).startsWith('Excerpts'));
  const best = excerpt ? /### .+\n(.+)/.exec(String(excerpt.content))?.[1] : undefined;
  if (best) return { content: null, tool_calls: [toolCall('send_text', { text: best })] };
  return { content: null, tool_calls: [toolCall('send_text', { text: `Thanks for your message. You said: ${text.slice(0, 200)}` })] };
}

/** The prompt as a provider reads it, and caches its start: the tools, then the messages in order. */
export const promptText = (request: { tools?: unknown[]; messages?: unknown[] }) => JSON.stringify(request.tools ?? []) + JSON.stringify(request.messages ?? []);

/** How many characters two texts share from their start. */
export function commonPrefixLength(a: string, b: string): number {
  const max = Math.min(a.length, b.length);
  let same = 0;
  while (same < max && a.charCodeAt(same) === b.charCodeAt(same)) same++;
  return same;
}

/**
 * A provider's prompt cache, as OpenAI describes its own: the longest start of this prompt that a recent prompt
 * shared, counted when it is at least 1 024 tokens, in steps of 128 (a token is 4 characters here).
 */
export function cachedTokensOf(prompt: string, recent: string[]): number {
  let longest = 0;
  for (const earlier of recent) longest = Math.max(longest, commonPrefixLength(prompt, earlier));
  const tokens = longest >> 2;
  return tokens < 1024 ? 0 : tokens - (tokens % 128);
}

function waitFor(latency: Latency): Promise<void> | null {
  if (latency === 'hang') return null;
  const ms = typeof latency === 'number' ? latency : latency.min + Math.random() * (latency.max - latency.min);
  return ms > 0 ? new Promise((resolve) => setTimeout(resolve, ms)) : Promise.resolve();
}

const AZURE_PATH = /^\/openai\/deployments\/([^/]+)(\/chat\/completions|\/audio\/transcriptions)$/;

/** Azure's answer to a request it would refuse (the bodies are Azure's own), or null to answer it. */
function azureRefusal(request: AzureRequest, azure: AzureShape): { status: number; body: unknown } | null {
  if (request.deployment === null || request.apiVersion === null) return { status: 404, body: { error: { code: '404', message: 'Resource not found' } } };
  if (request.apiKey !== azure.apiKey) {
    return { status: 401, body: { error: { code: '401', message: 'Access denied due to invalid subscription key or wrong API endpoint. Make sure to provide a valid key for an active subscription and use a correct regional API endpoint for your resource.' } } };
  }
  if (request.apiVersion !== azure.apiVersion) return { status: 404, body: { error: { code: '404', message: 'Resource not found' } } };
  if (!azure.deployments.includes(request.deployment)) {
    return { status: 404, body: { error: { code: 'DeploymentNotFound', message: 'The API deployment for this resource does not exist. If you created the deployment within the last 5 minutes, please wait a moment and try again.' } } };
  }
  return null;
}

/** The text every voice note is heard as, unless a test says otherwise. */
export const FAKE_TRANSCRIPT = 'Hello, I would like to order the brown bag in size medium, please.';

export async function startFakeOpenAI(
  options: {
    port?: number;
    latency?: Latency;
    fault?: Fault;
    promptCache?: boolean;
    transcription?: { latencyMs?: number; status?: number; text?: string };
    refuseImages?: boolean;
    azure?: AzureShape;
  } = {},
): Promise<FakeOpenAI> {
  const state = { requests: 0, lastRequest: undefined as unknown, lastHeaders: {} as FakeOpenAI['lastHeaders'] };
  // Held requests wait for this gate; release() opens it.
  let gate: { promise: Promise<void>; open(): void } | null = null;
  const arrivals: (() => void)[] = [];
  const transcriptions: TranscriptionRequest[] = [];
  const azureRequests: AzureRequest[] = [];
  const recentPrompts: string[] = [];
  let script: Script | null = null;
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', async () => {
      state.lastHeaders = req.headers;
      const url = new URL(req.url ?? '/', 'http://fake');
      if (options.azure) {
        const match = AZURE_PATH.exec(url.pathname);
        const seen: AzureRequest = {
          path: url.pathname,
          deployment: match ? decodeURIComponent(match[1]!) : null,
          apiVersion: url.searchParams.get('api-version'),
          apiKey: req.headers['api-key'] === undefined ? null : String(req.headers['api-key']),
          authorization: req.headers.authorization ?? null,
        };
        azureRequests.push(seen);
        const refusal = azureRefusal(seen, options.azure);
        if (refusal) return void res.writeHead(refusal.status, { 'content-type': 'application/json' }).end(JSON.stringify(refusal.body));
      }
      if (req.method === 'POST' && url.pathname.endsWith('/audio/transcriptions')) {
        // Multipart, read just enough: the model field and the file part's name, type and size.
        const raw = Buffer.concat(chunks);
        const text = raw.toString('latin1');
        const model = /name="model"\r\n\r\n([^\r]*)/.exec(text)?.[1] ?? null;
        const part = /name="file"; filename="([^"]*)"\r\nContent-Type: ([^\r]*)\r\n\r\n/.exec(text);
        const start = part ? text.indexOf(part[0]) + part[0].length : 0;
        const end = text.indexOf('\r\n--', start);
        transcriptions.push({ model, fileName: part?.[1] ?? null, contentType: part?.[2] ?? null, bytes: part ? end - start : 0 });
        const t = options.transcription ?? {};
        if (t.latencyMs) await new Promise((resolve) => setTimeout(resolve, t.latencyMs));
        if (res.destroyed) return;
        if (t.status && t.status !== 200) return void res.writeHead(t.status, { 'content-type': 'application/json' }).end('{"error":{"message":"fake transcription failure"}}');
        return void res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ text: t.text ?? FAKE_TRANSCRIPT }));
      }
      if (req.method !== 'POST' || !url.pathname.endsWith('/chat/completions')) {
        res.writeHead(404, { 'content-type': 'application/json' }).end('{"error":{"message":"not found"}}');
        return;
      }
      state.requests += 1;
      for (const wake of arrivals.splice(0)) wake();
      if (gate) await gate.promise;
      let body: ChatRequest;
      try {
        body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
      } catch {
        res.writeHead(400, { 'content-type': 'application/json' }).end('{"error":{"message":"bad json"}}');
        return;
      }
      state.lastRequest = body;
      const wait = waitFor(options.latency ?? 0);
      if (wait === null) return; // hang: never answer; the client has to give up
      await wait;
      if (res.destroyed) return;
      const fault = options.fault;
      if (options.refuseImages && JSON.stringify(body.messages ?? []).includes('"image_url"')) {
        // As providers answer a model without image input.
        return void res.writeHead(400, { 'content-type': 'application/json' }).end('{"error":{"message":"Invalid content type. image_url is only supported by certain models.","type":"invalid_request_error"}}');
      }
      if (fault === 'reset') return void req.socket.destroy();
      if (fault === 'garbage') return void res.writeHead(200, { 'content-type': 'application/json' }).end('{"hello":"I am not a completion"}');
      if (fault === 'truncated') {
        res.writeHead(200, { 'content-type': 'application/json', 'content-length': '400' });
        res.write('{"id":"chatcmpl-1","object":"chat.completion","choices":[{"index":0,"message":{"role":"assis');
        return void setTimeout(() => req.socket.destroy(), 10);
      }
      if (fault) return void res.writeHead(fault.status, { 'content-type': 'application/json' }).end(JSON.stringify({ error: { message: fault.message ?? 'fake failure' } }));
      const scripted = script?.(body);
      if (scripted && 'status' in scripted) {
        return void res.writeHead(scripted.status, { 'content-type': 'application/json' }).end(JSON.stringify({ error: { message: scripted.message ?? 'scripted failure' } }));
      }
      const message = { role: 'assistant', ...(scripted ?? answer(body)) };
      let usage: Record<string, unknown> = { prompt_tokens: JSON.stringify(body.messages ?? []).length >> 2, completion_tokens: 20, total_tokens: 0 };
      if (options.promptCache) {
        const prompt = promptText(body);
        usage = { prompt_tokens: prompt.length >> 2, completion_tokens: 20, total_tokens: 0, prompt_tokens_details: { cached_tokens: cachedTokensOf(prompt, recentPrompts) } };
        recentPrompts.unshift(prompt);
        recentPrompts.length = Math.min(recentPrompts.length, 32);
      }
      res.writeHead(200, { 'content-type': 'application/json' }).end(
        JSON.stringify({
          id: `chatcmpl-fake-${state.requests}`,
          object: 'chat.completion',
          created: Math.floor(Date.now() / 1000),
          model: body.model ?? 'fake-model',
          choices: [{ index: 0, message, finish_reason: 'tool_calls' }],
          usage,
        }),
      );
    });
  });
  await new Promise<void>((resolve) => server.listen(options.port ?? 0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/v1`,
    endpoint: `http://127.0.0.1:${port}/`,
    azureRequests,
    get lastHeaders() {
      return state.lastHeaders;
    },
    get requests() {
      return state.requests;
    },
    transcriptions,
    get lastRequest() {
      return state.lastRequest;
    },
    hold() {
      let open!: () => void;
      gate ??= { promise: new Promise<void>((resolve) => (open = resolve)), open: () => open() };
    },
    release() {
      gate?.open();
      gate = null;
    },
    answerWith(next) {
      script = next;
    },
    async waitForRequests(count) {
      while (state.requests < count) await new Promise<void>((resolve) => arrivals.push(resolve));
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function parseLatency(value: string | undefined): Latency {
  if (!value) return 0;
  if (value === 'hang') return 'hang';
  const [min, max] = value.split('-').map(Number);
  return max === undefined ? min! : { min: min!, max };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  // The last --port wins, as with every other command-line tool (npm run fake-llm -- --port 3310).
  const { values } = parseArgs({ options: { port: { type: 'string', multiple: true }, latency: { type: 'string', multiple: true }, 'prompt-cache': { type: 'boolean' } } });
  const port = values.port?.at(-1) ?? '4010';
  if (!/^\d+$/.test(port) || Number(port) > 65535) {
    console.error(`--port takes a port number, not ${JSON.stringify(port)}`);
    process.exit(1);
  }
  const fake = await startFakeOpenAI({ port: Number(port), latency: parseLatency(values.latency?.at(-1)), promptCache: values['prompt-cache'] ?? false });
  console.log(`Fake OpenAI-compatible server: OPENAI_BASE_URL=${fake.url} (listening ${new URL(fake.url).port})`);
}
