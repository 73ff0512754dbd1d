// The chat client. Any OpenAI-compatible server works through OPENAI_BASE_URL. The openai package gives the
// message and tool types (and the transcriber its upload); the call itself is one JSON POST (post-json.ts).
import type { ChatCompletionMessageParam, ChatCompletionTool } from 'openai/resources/chat/completions';
import { normaliseCompletion, ProviderError, type Completion } from './completion.js';
import { postJson, PostError, type PostedResponse } from './post-json.js';

export type { Completion } from './completion.js';
export type { RawToolCall } from './text-tool-calls.js';

export type ChatMessage = ChatCompletionMessageParam;
export type ToolSpec = ChatCompletionTool;

export interface CompletionRequest {
  messages: ChatMessage[];
  tools: ToolSpec[];
  signal: AbortSignal;
  timeoutMs: number;
}

export interface Llm {
  readonly model: string;
  complete(request: CompletionRequest): Promise<Completion>;
}

/** Why an LLM call gave no usable answer; stored with the fallback it caused. */
export type LlmFailure =
  | 'timeout'
  | 'rate_limited'
  | 'server_error'
  | 'client_error'
  | 'connection_error'
  | 'bad_response'
  /** An error inside a 200 answer (OpenRouter's {"error": …}, Gemini's [{"error": …}], finish_reason "error"). */
  | 'provider_error'
  /** A 200 answer with no choices. */
  | 'empty_completion';

export class LlmError extends Error {
  override name = 'LlmError';
  constructor(
    readonly reason: LlmFailure,
    message: string,
  ) {
    super(message);
  }
}

/** Provider error texts sometimes echo the key ("Incorrect API key provided: sk-…"); logs must never hold it. */
export function redactKeys(text: string, apiKey: string | undefined): string {
  const withoutKey = apiKey ? text.split(apiKey).join('[redacted]') : text;
  return withoutKey.replace(/\b(sk|gsk|sk-or|key)[-_][A-Za-z0-9_*-]{6,}/g, '[redacted]');
}

/** The error message of a failed call: the provider's own `error.message` where it gives one, else the status. */
function failureText(response: PostedResponse): string {
  try {
    const message = (JSON.parse(response.body) as { error?: { message?: unknown } }).error?.message;
    if (typeof message === 'string' && message !== '') return `${response.status} ${message}`;
  } catch {
    // not JSON: the start of the text says enough
  }
  return `${response.status} ${response.body.slice(0, 200) || response.statusText}`.trim();
}

function failure(status: number, message: string): LlmError {
  if (status === 429) return new LlmError('rate_limited', message);
  return new LlmError(status >= 500 ? 'server_error' : 'client_error', message);
}

/**
 * The chat client: one POST to {OPENAI_BASE_URL}/chat/completions. Not through the openai SDK, which this used
 * before: on this path the SDK was only a transport (the answer is validated by our own schema), and with the fetch
 * under it cost most of the server's CPU per message that was not its own work (bench:cpu, issue 13).
 * No retries: the caller owns the time, and a retry would push the reply past Whatspie's window.
 */
export function createLlm(options: { apiKey?: string; baseURL?: string; model: string }): Llm {
  const url = new URL(`${(options.baseURL ?? 'https://api.openai.com/v1').replace(/\/+$/, '')}/chat/completions`);
  const headers: Record<string, string> = { 'content-type': 'application/json', accept: 'application/json' };
  // Local servers (llama.cpp, Ollama, vLLM) need no key.
  if (options.apiKey) headers.authorization = `Bearer ${options.apiKey}`;
  return {
    model: options.model,
    async complete(request) {
      // One controller for both the caller's signal and the time limit.
      const controller = new AbortController();
      const abort = () => controller.abort();
      if (request.signal.aborted) abort();
      else request.signal.addEventListener('abort', abort, { once: true });
      const timer = setTimeout(abort, Math.max(1, request.timeoutMs));
      try {
        const response = await postJson(url, headers, requestBody(options.model, request), controller.signal);
        if (response.status < 200 || response.status > 299) throw failure(response.status, failureText(response));
        let raw: unknown;
        try {
          raw = JSON.parse(response.body);
        } catch (error) {
          throw new LlmError('bad_response', `the answer is not JSON: ${(error as Error).message}`);
        }
        return normaliseCompletion(raw, options.model);
      } catch (error) {
        throw redact(classify(error, controller.signal), options.apiKey);
      } finally {
        clearTimeout(timer);
        request.signal.removeEventListener('abort', abort);
      }
    },
  };
}

/**
 * The request's JSON. The tools are the same from message to message (the same array while the media catalog is
 * unchanged): serialised once, not on every call.
 */
const toolsJson = new WeakMap<ToolSpec[], string>();

function requestBody(model: string, request: CompletionRequest): string {
  const start = `{"model":${JSON.stringify(model)},"messages":${JSON.stringify(request.messages)}`;
  if (request.tools.length === 0) return `${start}}`;
  let tools = toolsJson.get(request.tools);
  if (tools === undefined) {
    tools = JSON.stringify(request.tools);
    toolsJson.set(request.tools, tools);
  }
  return `${start},"tools":${tools},"tool_choice":"auto"}`;
}

function classify(error: unknown, signal: AbortSignal): LlmError {
  if (error instanceof LlmError) return error;
  if (error instanceof ProviderError) return new LlmError(error.reason, error.message);
  if (signal.aborted) return new LlmError('timeout', 'the LLM did not answer in time');
  if (error instanceof PostError) {
    if (error.phase === 'body') return new LlmError('bad_response', `the answer was cut off: ${error.message}`);
    return new LlmError('connection_error', `cannot reach the LLM: ${error.message}${error.code && !error.message.includes(error.code) ? ` (${error.code})` : ''}`);
  }
  return new LlmError('bad_response', error instanceof Error ? error.message : String(error));
}

const redact = (error: LlmError, apiKey: string | undefined) => new LlmError(error.reason, redactKeys(error.message, apiKey));
