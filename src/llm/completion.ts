// A chat completion as OpenAI-compatible servers really send it, turned into what the agent needs: the answer text
// (without reasoning or tool syntax) and the tool calls, however they arrived. Errors dressed as answers are errors.
import { z } from 'zod';
import { withoutReasoning } from './reasoning.js';
import { argumentsFromString, toolCallsInText, type RawToolCall } from './text-tool-calls.js';

export interface Completion {
  /** What the model wrote for the customer; null when that was nothing (only reasoning, only tool calls). */
  text: string | null;
  toolCalls: RawToolCall[];
  model: string;
  finishReason: string | null;
  promptTokens: number | null;
  /** How many of the prompt tokens the provider had cached (billed at a fraction), when it says. */
  cachedTokens: number | null;
  completionTokens: number | null;
}

/** Why a body that arrived with HTTP 200 is not an answer. */
export class ProviderError extends Error {
  override name = 'ProviderError';
  constructor(
    readonly reason: 'provider_error' | 'empty_completion' | 'bad_response',
    message: string,
  ) {
    super(message);
  }
}

const errorSchema = z.looseObject({ message: z.string().nullish(), code: z.union([z.string(), z.number()]).nullish() });

// Lenient on purpose: every field servers are known to leave out or shape differently is optional here.
const toolCallSchema = z.looseObject({
  id: z.string().nullish(),
  type: z.string().nullish(),
  function: z.looseObject({ name: z.string().nullish(), arguments: z.unknown().optional() }).nullish(),
});

const partSchema = z.looseObject({ type: z.string().nullish(), text: z.unknown().optional() });

const completionSchema = z.looseObject({
  model: z.string().nullish(),
  error: z.unknown().optional(),
  choices: z
    .array(
      z.looseObject({
        finish_reason: z.string().nullish(),
        error: z.unknown().optional(),
        message: z
          .looseObject({
            content: z.union([z.string(), z.array(partSchema)]).nullish(),
            tool_calls: z.array(toolCallSchema).nullish(),
            // The legacy single-call field, still sent by some servers.
            function_call: z.looseObject({ name: z.string().nullish(), arguments: z.unknown().optional() }).nullish(),
          })
          .nullish(),
      }),
    )
    .nullish(),
  usage: z
    .looseObject({
      prompt_tokens: z.number().nullish(),
      completion_tokens: z.number().nullish(),
      // The part of the prompt the provider read from its cache, where each provider puts it: OpenAI, OpenRouter,
      // Gemini and Groq in prompt_tokens_details; DeepSeek as prompt_cache_hit_tokens; Kimi (Moonshot) at the top.
      prompt_tokens_details: z.looseObject({ cached_tokens: z.number().nullish() }).nullish(),
      prompt_cache_hit_tokens: z.number().nullish(),
      cached_tokens: z.number().nullish(),
    })
    .nullish(),
});

function cachedTokens(usage: z.infer<typeof completionSchema>['usage']): number | null {
  const cached = usage?.prompt_tokens_details?.cached_tokens ?? usage?.prompt_cache_hit_tokens ?? usage?.cached_tokens ?? null;
  return cached === null ? null : Math.max(0, Math.min(cached, usage?.prompt_tokens ?? cached));
}

function describeError(error: unknown): string {
  const parsed = errorSchema.safeParse(error);
  if (parsed.success) return [parsed.data.code, parsed.data.message].filter((part) => part != null && part !== '').join(': ') || 'an error';
  return typeof error === 'string' ? error : 'an error';
}

/** Content as a string or as parts: only text parts are the answer (thinking and reasoning parts are not). */
function contentText(content: string | z.infer<typeof partSchema>[] | null | undefined): string {
  if (typeof content === 'string') return content;
  if (!content) return '';
  return content
    .filter((part) => (part.type === 'text' || part.type === 'output_text' || part.type == null) && typeof part.text === 'string')
    .map((part) => part.text as string)
    .join('');
}

function structuredCall(call: { name?: string | null; arguments?: unknown }): RawToolCall | null {
  if (!call.name) return null;
  const args = call.arguments;
  if (args === undefined || args === null) return { name: call.name, arguments: {} };
  if (typeof args === 'string') return argumentsFromString(call.name, args);
  return { name: call.name, arguments: args };
}

export function normaliseCompletion(body: unknown, requestedModel: string): Completion {
  // Gemini answers errors as a JSON array of error objects.
  if (Array.isArray(body)) {
    const first = body[0] as { error?: unknown } | undefined;
    throw new ProviderError('provider_error', `the provider answered with ${describeError(first?.error ?? first)}`);
  }
  const parsed = completionSchema.safeParse(body);
  if (!parsed.success) throw new ProviderError('bad_response', `not a chat completion: ${parsed.error.issues[0]?.message ?? ''}`);
  const completion = parsed.data;
  // OpenRouter sends a 200 with {"error": …} when the upstream provider fails after the status line went out.
  if (completion.error != null) throw new ProviderError('provider_error', `the provider answered with ${describeError(completion.error)}`);
  if (completion.choices == null) throw new ProviderError('bad_response', 'not a chat completion: it has no choices');
  const choice = completion.choices[0];
  if (!choice) throw new ProviderError('empty_completion', 'the completion has no choices');
  if (choice.finish_reason === 'error' || choice.error != null) {
    throw new ProviderError('provider_error', `the completion ended with ${describeError(choice.error ?? 'finish_reason "error"')}`);
  }
  const message = choice.message ?? {};

  const toolCalls = (message.tool_calls ?? []).flatMap((call) => {
    const found = call.function ? structuredCall(call.function) : null;
    return found ? [call.id ? { ...found, id: call.id } : found] : [];
  });
  if (toolCalls.length === 0 && message.function_call) {
    const legacy = structuredCall(message.function_call);
    if (legacy) toolCalls.push(legacy);
  }

  const answer = withoutReasoning(contentText(message.content));
  // Tool syntax is taken out of the text whatever else the message holds; it is run only when the server sent no
  // structured calls, so that one call is never run twice.
  const inText = toolCallsInText(answer);
  if (toolCalls.length === 0) toolCalls.push(...inText.calls);

  return {
    text: inText.text === '' ? null : inText.text,
    toolCalls,
    model: completion.model ?? requestedModel,
    finishReason: choice.finish_reason ?? null,
    promptTokens: completion.usage?.prompt_tokens ?? null,
    cachedTokens: cachedTokens(completion.usage),
    completionTokens: completion.usage?.completion_tokens ?? null,
  };
}
