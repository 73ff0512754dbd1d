// One turn of the agent: a conversation in, the LLM's tool calls out, as Whatspie replies.
// It knows nothing of deadlines or storage, so a caller may let it run past the webhook's window.
import type { Llm, ChatMessage } from '../llm/client.js';
import type { Logger } from '../logger.js';
import { MAX_REPLIES, type SingleReply } from '../whatspie/reply.js';
import { textReplies } from './tools/send-text.js';
import type { Tool } from './tools/index.js';

export interface TurnResult {
  replies: SingleReply[];
  /** Set when the model handed the conversation to a human. */
  handoffReason: string | null;
  /** Tool calls that were dropped, with why. */
  dropped: string[];
  model: string;
  promptTokens: number | null;
  completionTokens: number | null;
}

export async function runTurn(
  deps: { llm: Llm; logger: Logger },
  input: { conversation: ChatMessage[]; tools: Tool[]; signal: AbortSignal; timeoutMs: number },
): Promise<TurnResult> {
  const completion = await deps.llm.complete({
    messages: input.conversation,
    tools: input.tools.map((tool) => tool.spec),
    signal: input.signal,
    timeoutMs: input.timeoutMs,
  });

  // Text the model wrote beside (or instead of) tool calls is meant for the customer too, and comes first.
  const replies: SingleReply[] = completion.content?.trim() ? textReplies(completion.content) : [];
  const dropped: string[] = [];
  let handoffReason: string | null = null;
  for (const call of completion.toolCalls) {
    const tool = input.tools.find((t) => t.name === call.name);
    const outcome = tool ? tool.run(call.arguments) : { ok: false as const, problem: 'no such tool' };
    if (!outcome.ok) {
      dropped.push(`${call.name}: ${outcome.problem}`);
      continue;
    }
    replies.push(...outcome.replies);
    handoffReason ??= outcome.handoffReason ?? null;
  }
  if (dropped.length > 0) deps.logger.warn({ dropped }, 'dropped invalid tool calls');
  if (replies.length > MAX_REPLIES) deps.logger.warn({ count: replies.length, kept: MAX_REPLIES }, 'too many replies; keeping the first');

  return {
    replies: replies.slice(0, MAX_REPLIES),
    handoffReason,
    dropped,
    model: completion.model,
    promptTokens: completion.promptTokens,
    completionTokens: completion.completionTokens,
  };
}
