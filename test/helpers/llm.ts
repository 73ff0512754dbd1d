// msw stand-in for an OpenAI-compatible chat completions endpoint, recording what the bot asked.
import { delay, http, HttpResponse } from 'msw';
import { setupServer } from 'msw/node';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { onTestFinished } from 'vitest';

export const LLM_BASE_URL = 'https://llm.test/v1';
const COMPLETIONS = `${LLM_BASE_URL}/chat/completions`;

export interface RecordedRequest {
  model: string;
  messages: { role: string; content: string }[];
  tools?: { type: string; function: { name: string; description: string; parameters: Record<string, any> } }[];
}

export const llmServer = setupServer();
export const llmRequests: RecordedRequest[] = [];

export function toolCall(name: string, args: unknown) {
  return { name, arguments: typeof args === 'string' ? args : JSON.stringify(args) };
}

export function completion(options: { content?: string | null; toolCalls?: { name: string; arguments: string }[] }) {
  return {
    id: 'chatcmpl-test',
    object: 'chat.completion',
    created: 1,
    model: 'test-model',
    choices: [
      {
        index: 0,
        finish_reason: options.toolCalls?.length ? 'tool_calls' : 'stop',
        message: {
          role: 'assistant',
          content: options.content ?? null,
          ...(options.toolCalls?.length
            ? {
                tool_calls: options.toolCalls.map((call, i) => ({ id: `call_${i}`, type: 'function', function: call })),
              }
            : {}),
        },
      },
    ],
    usage: { prompt_tokens: 100, completion_tokens: 10, total_tokens: 110 },
  };
}

type Answer = (request: RecordedRequest, signal: AbortSignal) => Promise<Response> | Response;

/** Every LLM call in the test gets `answer`'s response; requests are recorded in llmRequests. */
export function answerWith(answer: Answer) {
  llmServer.use(
    http.post(COMPLETIONS, async ({ request }) => {
      const body = (await request.json()) as RecordedRequest;
      llmRequests.push(body);
      return answer(body, request.signal);
    }),
  );
}

export const replyWith = (options: Parameters<typeof completion>[0]) => answerWith(() => HttpResponse.json(completion(options)));

/** Answers after `ms`, unless the bot aborts the request first; `aborted` records each abort. */
export function answerSlowly(ms: number, aborted: { count: number }) {
  answerWith(async (_request, signal) => {
    signal.addEventListener('abort', () => (aborted.count += 1));
    await delay(ms);
    return HttpResponse.json(completion({ content: 'too late' }));
  });
}

/** Resolves once `condition` holds, looked at again every few milliseconds however long the machine takes. */
export async function until(condition: () => boolean | Promise<boolean>): Promise<void> {
  while (!(await condition())) await new Promise((resolve) => setTimeout(resolve, 2));
}

export interface HeldLlm {
  /** How many requests have arrived. */
  readonly arrived: number;
  /** How many requests have arrived and not been answered yet. */
  readonly waiting: number;
  /** Resolves once `count` requests have arrived. */
  arrivals(count: number): Promise<void>;
  /** Lets every answer go, those waiting and those still to come. */
  releaseAll(): void;
}

/**
 * An LLM that holds every answer until the test releases it: the test decides what overlaps and in which order,
 * not the machine's speed. `answer` makes each response once it is released.
 */
export function holdAnswers(answer: (request: RecordedRequest) => Response): HeldLlm {
  let open = false;
  let arrived = 0;
  let waiting = 0;
  const gates: (() => void)[] = [];
  answerWith(async (request) => {
    arrived += 1;
    if (!open) {
      waiting += 1;
      await new Promise<void>((resolve) => gates.push(resolve));
      waiting -= 1;
    }
    return answer(request);
  });
  return {
    get arrived() {
      return arrived;
    },
    get waiting() {
      return waiting;
    },
    arrivals: (count) => until(() => arrived >= count),
    releaseAll() {
      open = true;
      for (const release of gates.splice(0)) release();
    },
  };
}

/**
 * A real HTTP server standing in for the LLM, for what msw cannot show: `signal` aborts when the bot closes the
 * connection before the answer (msw's interception of node:http does not pass an abort on). Closed after the test.
 */
export async function realLlm(answer: (request: RecordedRequest, signal: AbortSignal) => Promise<unknown>): Promise<string> {
  const server = createServer((req, res) => {
    let text = '';
    req.on('data', (chunk: Buffer) => (text += chunk.toString()));
    req.on('end', () => {
      const controller = new AbortController();
      res.on('close', () => {
        if (!res.writableEnded) controller.abort();
      });
      const body = JSON.parse(text) as RecordedRequest;
      llmRequests.push(body);
      void answer(body, controller.signal).then((json) => {
        if (!controller.signal.aborted) res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(json));
      });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  onTestFinished(() => {
    server.closeAllConnections();
    server.close();
  });
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`;
}

/** The notes every request carries after the history: the local time (local-time.test.ts), the customer's name (customer-name.test.ts). */
const PER_MESSAGE_NOTES = ['Current local date and time:', "The customer's WhatsApp profile name"];

/** A request's messages without the per-message notes: the conversation as the tests of history and ordering look at it. */
export const conversationOf = (request: RecordedRequest) =>
  request.messages.filter((m) => !(m.role === 'system' && PER_MESSAGE_NOTES.some((note) => String(m.content).startsWith(note))));
