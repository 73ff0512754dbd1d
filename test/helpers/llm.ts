// msw stand-in for an OpenAI-compatible chat completions endpoint, recording what the bot asked.
import { delay, http, HttpResponse } from 'msw';
import { setupServer } from 'msw/node';

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
