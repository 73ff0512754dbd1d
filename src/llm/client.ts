// The chat client. Any OpenAI-compatible server works through OPENAI_BASE_URL. The openai package gives the
// message and tool types (and the transcriber its upload); the call itself is a plain fetch.
import type { ChatCompletionMessageParam, ChatCompletionTool } from 'openai/resources/chat/completions';
import { normaliseCompletion, ProviderError, type Completion } from './completion.js';

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
async function failureText(response: Response): Promise<string> {
  const body = await response.text().catch(() => '');
  try {
    const message = (JSON.parse(body) as { error?: { message?: unknown } }).error?.message;
    if (typeof message === 'string' && message !== '') return `${response.status} ${message}`;
  } catch {
    // not JSON: the start of the text says enough
  }
  return `${response.status} ${body.slice(0, 200) || response.statusText}`.trim();
}

function failure(status: number, message: string): LlmError {
  if (status === 429) return new LlmError('rate_limited', message);
  return new LlmError(status >= 500 ? 'server_error' : 'client_error', message);
}

/**
 * The chat client: one POST to {OPENAI_BASE_URL}/chat/completions with fetch. Not through the openai SDK, which this
 * used before: on this path the SDK was only a transport (the answer is validated by our own schema), and it cost
 * 60% more CPU per request than the fetch it wraps and tens of MB of memory under load (bench:cpu, issue 13).
 * No retries: the caller owns the time, and a retry would push the reply past Whatspie's window.
 */
export function createLlm(options: { apiKey?: string; baseURL?: string; model: string }): Llm {
  const url = `${(options.baseURL ?? 'https://api.openai.com/v1').replace(/\/+$/, '')}/chat/completions`;
  const headers: Record<string, string> = { 'content-type': 'application/json', accept: 'application/json' };
  // Local servers (llama.cpp, Ollama, vLLM) need no key.
  if (options.apiKey) headers.authorization = `Bearer ${options.apiKey}`;
  const redacted = (error: LlmError) => new LlmError(error.reason, redactKeys(error.message, options.apiKey));
  return {
    model: options.model,
    async complete(request) {
      // One controller for both the caller's signal and the time limit (AbortSignal.any cost more, profiled).
      const controller = new AbortController();
      const abort = () => controller.abort();
      if (request.signal.aborted) abort();
      else request.signal.addEventListener('abort', abort, { once: true });
      const timer = setTimeout(abort, Math.max(1, request.timeoutMs));
      const signal = controller.signal;
      const body = JSON.stringify({
        model: options.model,
        messages: request.messages,
        ...(request.tools.length > 0 ? { tools: request.tools, tool_choice: 'auto' } : {}),
      });
      try {
        let response: Response;
        try {
          response = await fetch(url, { method: 'POST', headers, body, signal });
        } catch (error) {
          if (signal.aborted) throw new LlmError('timeout', 'the LLM did not answer in time');
          throw new LlmError('connection_error', `cannot reach the LLM: ${describeCause(error)}`);
        }
        if (!response.ok) throw failure(response.status, await failureText(response));
        let raw: unknown;
        try {
          raw = await response.json();
        } catch (error) {
          if (signal.aborted) throw new LlmError('timeout', 'the LLM did not answer in time');
          throw new LlmError('bad_response', `the answer is not JSON: ${describeCause(error)}`);
        }
        return normaliseCompletion(raw, options.model);
      } catch (error) {
        if (error instanceof ProviderError) throw redacted(new LlmError(error.reason, error.message));
        if (error instanceof LlmError) throw redacted(error);
        throw redacted(new LlmError('bad_response', error instanceof Error ? error.message : String(error)));
      } finally {
        clearTimeout(timer);
        request.signal.removeEventListener('abort', abort);
      }
    },
  };
}

/** fetch's "fetch failed" hides the reason (ECONNREFUSED, a reset) in its cause. */
function describeCause(error: unknown): string {
  const cause = (error as { cause?: { code?: unknown; message?: unknown } } | null)?.cause;
  const detail = typeof cause?.code === 'string' ? cause.code : typeof cause?.message === 'string' ? cause.message : null;
  const message = error instanceof Error ? error.message : String(error);
  return detail ? `${message} (${detail})` : message;
}
