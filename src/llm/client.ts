// The only module that imports 'openai'. Any OpenAI-compatible server works through OPENAI_BASE_URL.
import OpenAI from 'openai';
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

function classify(error: unknown, apiKey: string | undefined): LlmError {
  const redacted = classifyRaw(error);
  return new LlmError(redacted.reason, redactKeys(redacted.message, apiKey));
}

function classifyRaw(error: unknown): LlmError {
  if (error instanceof LlmError) return error;
  if (error instanceof ProviderError) return new LlmError(error.reason, error.message);
  if (error instanceof OpenAI.APIUserAbortError || error instanceof OpenAI.APIConnectionTimeoutError) {
    return new LlmError('timeout', 'the LLM did not answer in time');
  }
  if (error instanceof OpenAI.RateLimitError) return new LlmError('rate_limited', error.message);
  if (error instanceof OpenAI.APIConnectionError) return new LlmError('connection_error', error.message);
  if (error instanceof OpenAI.APIError) {
    const status = error.status ?? 0;
    return new LlmError(status >= 500 || status === 0 ? 'server_error' : 'client_error', error.message);
  }
  return new LlmError('bad_response', error instanceof Error ? error.message : String(error));
}

export function createLlm(options: { apiKey?: string; baseURL?: string; model: string }): Llm {
  const client = new OpenAI({
    // Local servers (llama.cpp, Ollama, vLLM) need no key, but the SDK insists on one.
    apiKey: options.apiKey ?? 'not-needed',
    baseURL: options.baseURL,
    // Retries and the SDK's 10-minute timeout would push a reply past Whatspie's window; the caller owns time.
    maxRetries: 0,
  });
  return {
    model: options.model,
    async complete(request) {
      try {
        const raw: unknown = await client.chat.completions.create(
          {
            model: options.model,
            messages: request.messages,
            ...(request.tools.length > 0 ? { tools: request.tools, tool_choice: 'auto' as const } : {}),
          },
          { signal: request.signal, timeout: Math.max(1, request.timeoutMs), maxRetries: 0 },
        );
        return normaliseCompletion(raw, options.model);
      } catch (error) {
        throw classify(error, options.apiKey);
      }
    },
  };
}
