// The chat client: every completion through the openai SDK, on one client made at start (connection.ts). Any
// OpenAI-compatible server works through OPENAI_BASE_URL, Azure OpenAI through its own settings.
import OpenAI from 'openai';
import type { ChatCompletionMessageParam, ChatCompletionTool } from 'openai/resources/chat/completions';
import { normaliseCompletion, ProviderError, type Completion } from './completion.js';
import { redactSecrets } from '../secrets.js';
import { addressOf, createOpenAIClient, secretsOf, type LlmConnection } from './connection.js';

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
  /** Where it is asked, as it may be printed (no credentials). */
  readonly address: string;
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

/**
 * Provider error texts sometimes echo the key ("Incorrect API key provided: sk-…"); logs must never hold it. The
 * connection's own secrets go (secrets.ts), and anything shaped like a provider's key besides.
 */
export function redactProviderText(text: string, secrets: readonly string[]): string {
  return redactSecrets(text, secrets).replace(/\b(sk|gsk|sk-or|key)[-_][A-Za-z0-9_*-]{6,}/g, '[redacted]');
}

/**
 * The chat client. The answer is read as text through the SDK (`asResponse()`) and validated by our own schema
 * (completion.ts): the SDK's parsed object would be a bare SyntaxError for a body that is not JSON, or a string when the
 * content type is not JSON; read raw, the corpus of real providers' bodies (test/fixtures/llm) is read as it arrived.
 * No retries: the caller owns the time, and a retry would push the reply past Whatspie's window.
 */
export function createLlm(options: { connection: LlmConnection; model: string }): Llm {
  const client = createOpenAIClient(options.connection);
  const secrets = secretsOf(options.connection);
  return {
    model: options.model,
    address: addressOf(options.connection),
    async complete(request) {
      // One controller for both the caller's signal and the time limit, which also covers reading the body (the
      // SDK's own timeout stops when the headers arrive).
      const controller = new AbortController();
      const abort = () => controller.abort();
      if (request.signal.aborted) abort();
      else request.signal.addEventListener('abort', abort, { once: true });
      const timeoutMs = Math.max(1, request.timeoutMs);
      const timer = setTimeout(abort, timeoutMs);
      try {
        const response = await client.chat.completions
          .create(
            {
              model: options.model,
              messages: request.messages,
              ...(request.tools.length > 0 ? { tools: request.tools, tool_choice: 'auto' as const } : {}),
            },
            { signal: controller.signal, timeout: timeoutMs, maxRetries: 0 },
          )
          .asResponse();
        let body: string;
        try {
          body = await response.text();
        } catch (error) {
          if (controller.signal.aborted) throw error;
          throw new LlmError('bad_response', `the answer was cut off: ${(error as Error).message}`);
        }
        let raw: unknown;
        try {
          raw = JSON.parse(body);
        } catch (error) {
          throw new LlmError('bad_response', `the answer is not JSON: ${(error as Error).message}`);
        }
        return normaliseCompletion(raw, options.model);
      } catch (error) {
        const failure = classify(error, controller.signal);
        throw new LlmError(failure.reason, redactProviderText(failure.message, secrets));
      } finally {
        clearTimeout(timer);
        request.signal.removeEventListener('abort', abort);
      }
    },
  };
}

/** Why the connection failed, as the system said it (ECONNREFUSED, ENOTFOUND), from under fetch's "fetch failed". */
function connectionCause(error: unknown): string {
  const parts: string[] = [];
  for (let cause = (error as { cause?: unknown }).cause; cause instanceof Error && parts.length < 3; cause = cause.cause) {
    const code = (cause as NodeJS.ErrnoException).code;
    parts.push(code && !cause.message.includes(code) ? `${cause.message} (${code})` : cause.message);
  }
  return parts.length > 0 ? `: ${parts.join(': ')}` : '';
}

/** The SDK's error classes as the fallback reasons transcripts and metrics already know. */
export function classify(error: unknown, signal: AbortSignal): LlmError {
  if (error instanceof LlmError) return error;
  if (error instanceof ProviderError) return new LlmError(error.reason, error.message);
  if (signal.aborted || error instanceof OpenAI.APIUserAbortError || error instanceof OpenAI.APIConnectionTimeoutError) {
    return new LlmError('timeout', 'the LLM did not answer in time');
  }
  if (error instanceof OpenAI.APIConnectionError) return new LlmError('connection_error', `cannot reach the LLM${connectionCause(error)}`);
  if (error instanceof OpenAI.RateLimitError) return new LlmError('rate_limited', error.message);
  if (error instanceof OpenAI.APIError && error.status !== undefined) {
    // A body that is not JSON comes whole in the SDK's message: its start says enough.
    return new LlmError(error.status >= 500 ? 'server_error' : 'client_error', error.message.slice(0, 300));
  }
  return new LlmError('bad_response', error instanceof Error ? error.message : String(error));
}
