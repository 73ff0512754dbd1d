// One turn of the agent: a conversation in, the LLM's answer out as messages for the customer.
// It knows nothing of deadlines or storage, so a caller may let it run past the webhook's window.
import type { Llm, ChatMessage, ToolSpec } from '../llm/client.js';
import type { Logger } from '../logger.js';
import { MAX_REPLIES, type OutgoingMessage } from '../whatspie/reply.js';
import { textMessages } from './outgoing.js';
import type { Tool } from './tools/index.js';

export interface TurnResult {
  messages: OutgoingMessage[];
  /** Set when the model handed the conversation to a human. */
  handoffReason: string | null;
  /** Tool calls that were dropped, with why. */
  dropped: string[];
  model: string;
  promptTokens: number | null;
  cachedTokens: number | null;
  completionTokens: number | null;
}

/** The same tools, the same spec array: the client serialises it once (toolsFor keeps the tools array while the catalog is unchanged). */
const specs = new WeakMap<Tool[], ToolSpec[]>();

function specsOf(tools: Tool[]): ToolSpec[] {
  let found = specs.get(tools);
  if (!found) {
    found = tools.map((tool) => tool.spec);
    specs.set(tools, found);
  }
  return found;
}

export async function runTurn(
  deps: { llm: Llm; logger: Logger },
  input: { conversation: ChatMessage[]; tools: Tool[]; signal: AbortSignal; timeoutMs: number },
): Promise<TurnResult> {
  const completion = await deps.llm.complete({
    messages: input.conversation,
    tools: specsOf(input.tools),
    signal: input.signal,
    timeoutMs: input.timeoutMs,
  });

  // Text the model wrote beside (or instead of) tool calls is meant for the customer too, and comes first.
  const messages: OutgoingMessage[] = completion.text ? textMessages(completion.text, 'model') : [];
  const dropped: string[] = [];
  let handoffReason: string | null = null;
  for (const call of completion.toolCalls) {
    // Only tools we offered run, whether the call came as a real tool call or was recovered from the text.
    const tool = input.tools.find((t) => t.name === call.name);
    const outcome = call.problem ? { ok: false as const, problem: call.problem } : tool ? tool.run(call.arguments) : { ok: false as const, problem: 'no such tool' };
    if (!outcome.ok) {
      dropped.push(`${call.name}: ${outcome.problem}`);
      continue;
    }
    messages.push(...outcome.messages);
    handoffReason ??= outcome.handoffReason ?? null;
  }
  if (dropped.length > 0) deps.logger.warn({ dropped }, 'dropped invalid tool calls');
  if (messages.length > MAX_REPLIES) deps.logger.warn({ count: messages.length, kept: MAX_REPLIES }, 'too many messages; keeping the first');

  return {
    messages: messages.slice(0, MAX_REPLIES),
    handoffReason,
    dropped,
    model: completion.model,
    promptTokens: completion.promptTokens,
    cachedTokens: completion.cachedTokens,
    completionTokens: completion.completionTokens,
  };
}
