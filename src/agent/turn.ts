// One turn of the agent: a conversation in, the LLM's answer out as messages for the customer.
// It knows nothing of deadlines or storage, so a caller may let it run past the webhook's window.
import type { Llm, ChatMessage, RawToolCall, ToolSpec } from '../llm/client.js';
import type { Logger } from '../logger.js';
import { MAX_REPLIES, type OutgoingMessage } from '../whatspie/reply.js';
import { textMessages } from './outgoing.js';
import type { Tool } from './tools/index.js';
import { operatorToolShape } from './tools/operator-tool.js';
import type { ToolDefinition } from '../tools/tool-file.js';
import { callRecord, resultForModel, type ToolAnswer, type ToolCaller, type ToolCallRecord } from '../tools/tool-call.js';

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

/**
 * How many rounds of operator tools (prompts/tools/) one answer may take: the model looks something up, reads the
 * answer, and may look up again, up to this many times; the request after the last round offers the built-in tools
 * only, so that the model answers. Every round is inside the same deadline (decide.ts).
 */
export const MAX_TOOL_ROUNDS = 3;

/** The operators' HTTP tools for one turn: what is declared, who calls them, for which customer, and where calls are kept. */
export interface TurnLookups {
  tools: ToolDefinition[];
  caller: ToolCaller;
  /** From the conversation, never from the model. */
  customer: { number: string; name: string | null };
  /** Each call, as it ends (the decision keeps them, also when the answer then falls back). */
  calls: ToolCallRecord[];
  /** Told each call as it ends (metrics). */
  called?: (record: ToolCallRecord) => void;
}

/** The same tools, the same spec array: the client serialises it once (toolsFor keeps the tools array while the catalog is unchanged). */
const specs = new WeakMap<Tool[], WeakMap<ToolDefinition[], ToolSpec[]>>();
const NO_LOOKUPS: ToolDefinition[] = [];

function specsOf(tools: Tool[], lookups: ToolDefinition[]): ToolSpec[] {
  let byLookups = specs.get(tools);
  if (!byLookups) specs.set(tools, (byLookups = new WeakMap()));
  let found = byLookups.get(lookups);
  if (!found) {
    found = [...tools.map((tool) => tool.spec), ...lookups.map((tool) => operatorToolShape(tool).spec)];
    byLookups.set(lookups, found);
  }
  return found;
}

/** A tool call as it goes back into the conversation (every call needs an id its result answers). */
const idOf = (call: RawToolCall, round: number, i: number) => call.id ?? `call_${round}_${i}`;

async function lookUp(deps: { logger: Logger }, lookups: TurnLookups, tool: ToolDefinition, call: RawToolCall, signal: AbortSignal, msLeft: number): Promise<string> {
  const read = call.problem ? ({ ok: false, problem: call.problem } as const) : operatorToolShape(tool).readArgs(call.arguments);
  let answer: ToolAnswer;
  if (!read.ok) answer = { status: null, body: read.problem, outcome: 'invalid_arguments', ms: 0 };
  else {
    try {
      answer = await lookups.caller.call({ tool, args: read.args, customer: lookups.customer, signal, timeoutMs: Math.max(1, Math.round(Math.min(tool.timeoutMs, msLeft))) });
    } catch (error) {
      answer = { status: null, body: error instanceof Error ? error.message : String(error), outcome: 'unreachable', ms: 0 };
    }
  }
  const args = read.ok ? Object.fromEntries(Object.entries(read.args).filter(([, v]) => v !== undefined)) : { invalid: call.arguments };
  const record = callRecord(tool, args, answer);
  lookups.calls.push(record);
  lookups.called?.(record);
  const level = record.outcome === 'ok' ? 'info' : 'warn';
  deps.logger[level]({ tool: record.tool, status: record.status, outcome: record.outcome, ms: record.ms }, 'operator tool called');
  return resultForModel(tool, answer);
}

export async function runTurn(
  deps: { llm: Llm; logger: Logger },
  input: { conversation: ChatMessage[]; tools: Tool[]; lookups?: TurnLookups | null; signal: AbortSignal; timeoutMs: number },
): Promise<TurnResult> {
  const until = performance.now() + input.timeoutMs;
  const conversation = [...input.conversation];
  const messages: OutgoingMessage[] = [];
  const dropped: string[] = [];
  let handoffReason: string | null = null;
  const usage = { promptTokens: null as number | null, cachedTokens: null as number | null, completionTokens: null as number | null };
  const add = (sum: number | null, more: number | null) => (more === null ? sum : (sum ?? 0) + more);
  let model = deps.llm.model;
  for (let round = 0; ; round += 1) {
    const lookupTools = input.lookups && round < MAX_TOOL_ROUNDS ? input.lookups.tools : NO_LOOKUPS;
    const completion = await deps.llm.complete({
      messages: conversation,
      tools: specsOf(input.tools, lookupTools),
      signal: input.signal,
      timeoutMs: Math.max(1, Math.round(until - performance.now())),
    });
    model = completion.model;
    usage.promptTokens = add(usage.promptTokens, completion.promptTokens);
    usage.cachedTokens = add(usage.cachedTokens, completion.cachedTokens);
    usage.completionTokens = add(usage.completionTokens, completion.completionTokens);

    // Text the model wrote beside (or instead of) tool calls is meant for the customer too, and comes first.
    if (completion.text) messages.push(...textMessages(completion.text, 'model'));
    const results: (string | Promise<string>)[] = [];
    let lookedUp = false;
    for (const call of completion.toolCalls) {
      const lookup = lookupTools.find((t) => t.name === call.name);
      if (lookup && input.lookups) {
        lookedUp = true;
        results.push(lookUp(deps, input.lookups, lookup, call, input.signal, until - performance.now()));
        continue;
      }
      // Only tools we offered run, whether the call came as a real tool call or was recovered from the text.
      const tool = input.tools.find((t) => t.name === call.name);
      const outcome = call.problem ? { ok: false as const, problem: call.problem } : tool ? tool.run(call.arguments) : { ok: false as const, problem: 'no such tool' };
      if (!outcome.ok) {
        dropped.push(`${call.name}: ${outcome.problem}`);
        results.push(`Not done: ${outcome.problem}`);
        continue;
      }
      messages.push(...outcome.messages);
      handoffReason ??= outcome.handoffReason ?? null;
      results.push(outcome.handoffReason !== undefined ? 'Handed over: a person will reply.' : 'Sent to the customer.');
    }
    if (!lookedUp) break;
    // The model reads what its lookups answered (and what became of its other calls), and goes on.
    const answered = await Promise.all(results);
    conversation.push({
      role: 'assistant',
      content: completion.text,
      tool_calls: completion.toolCalls.map((call, i) => ({ id: idOf(call, round, i), type: 'function', function: { name: call.name, arguments: JSON.stringify(call.arguments ?? {}) } })),
    });
    completion.toolCalls.forEach((call, i) => conversation.push({ role: 'tool', tool_call_id: idOf(call, round, i), content: answered[i]! }));
  }
  if (dropped.length > 0) deps.logger.warn({ dropped }, 'dropped invalid tool calls');
  if (messages.length > MAX_REPLIES) deps.logger.warn({ count: messages.length, kept: MAX_REPLIES }, 'too many messages; keeping the first');

  return {
    messages: messages.slice(0, MAX_REPLIES),
    handoffReason,
    dropped,
    model,
    ...usage,
  };
}
