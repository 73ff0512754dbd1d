// What to answer one message with: the LLM's tool calls within the time left, a knowledge-base section when no
// LLM is configured, or the fallback. Never throws for LLM trouble; the reason is part of the decision.
import pTimeout, { TimeoutError } from 'p-timeout';
import type { KnowledgeBase } from '../knowledge/knowledge-base.js';
import { LlmError, type Llm } from '../llm/client.js';
import type { Logger } from '../logger.js';
import type { Language, Prompts } from '../prompts/prompts.js';
import type { KnowledgeHit } from '../store/storage.js';
import type { History, StoredMessage } from '../store/conversation-store.js';
import { nextTurn } from '../util/turns.js';
import { MAX_REPLIES, type OutgoingMessage } from '../whatspie/reply.js';
import { buildConversation, type SizeLimits } from './conversation.js';
import { nowNote, scheduleText } from '../hours/now-note.js';
import { customerLanguage } from './customer-language.js';
import { customerNameNote } from './customer-name.js';
import { customerWords, describeStoredInbound } from './describe.js';
import { botHandoff } from './handoff-rule.js';
import { handoffText } from './handoff-text.js';
import type { HandoffTimes } from '../store/conversation-store.js';
import { textMessages } from './outgoing.js';
import { toolsFor } from './tools/index.js';
import { runTurn, type TurnLookups, type TurnResult } from './turn.js';
import type { OperatorTools } from '../tools/tool-folder.js';
import type { ToolCaller, ToolCallRecord } from '../tools/tool-call.js';

/** How many knowledge-base sections go to the LLM with a message. */
const KNOWLEDGE_SECTIONS = 3;

export type FallbackReason =
  | 'llm_not_configured'
  | 'no_time_left'
  | 'no_valid_reply'
  | 'invalid_reply'
  | 'internal_error'
  /** The process working on a late answer stopped before it was done (sent by the sweep after a restart). */
  | 'interrupted'
  | LlmError['reason'];

/** What happened to a message, for logs, metrics and the transcript. */
export type Outcome =
  | 'answered'
  | 'handed_over'
  | 'knowledge_answer'
  | 'fallback'
  | 'duplicate'
  | 'merged_into_next'
  | 'waiting_for_human'
  | 'rate_limit_notice'
  | 'over_rate_limit'
  | 'ignored_group'
  | 'ignored_broadcast'
  /** The model needed longer than the window: prompts/holding.md now, the answer later through Whatspie's API. */
  | 'holding'
  /** Answered through Whatspie's API behind an earlier late answer, so that the customer's answers stay in order. */
  | 'queued';

/** An answer still being worked on after the webhook's window closed; `abort` gives it up (a newer message came). */
export interface LateAnswer {
  decision: Promise<Decision>;
  abort(): void;
}

export interface Decision {
  outcome: Outcome;
  messages: OutgoingMessage[];
  /** Set on a holding reply: the real answer, to be sent through Whatspie's API. */
  late?: LateAnswer;
  turn: TurnResult | null;
  fallback: FallbackReason | null;
  llmLatencyMs: number | null;
  /** Why the bot stayed silent, or where an answer came from when no LLM wrote it; shown in transcripts. */
  note?: string;
  /** The model handed the conversation to a human: why, when, and from when HANDOFF_HOURS count. */
  handoff?: { reason: string; times: HandoffTimes };
  /**
   * The customer's language as told from their latest messages (null: unsure), for a fallback sent in the decision's
   * place (delivery.ts); told only when asked, since most answers are the model's own words.
   */
  customerLanguage?: () => Language;
  /** The operators' tools (prompts/tools/) the model called for this answer, kept with the reply. */
  toolCalls?: ToolCallRecord[];
}

export interface DecideDeps {
  llm: Llm | null;
  /** How long the model may go on after the window closed (0: no late answers, the fallback at the deadline). */
  lateAnswerMs?: number;
  prompts: Prompts;
  knowledge: KnowledgeBase;
  logger: Logger;
  now: () => number;
  /** TIME_ZONE: the business's clocks, in which the model is told the time and the opening hours are read. */
  timeZone: string;
  limits: SizeLimits;
  /** The operators' HTTP tools (prompts/tools/); none when unset. */
  operatorTools?: OperatorTools | null;
  /** Who calls them: over HTTP, or (npm run eval) from recorded answers. */
  toolCaller?: ToolCaller | null;
  /** Told of each call as it ends (metrics). */
  toolCalled?: (record: ToolCallRecord) => void;
}

/** The system prompt, and the opening hours after it when prompts/opening-hours.txt gives them. */
const withSchedule = (systemPrompt: string, schedule: string | null) => (schedule ? `${systemPrompt}\n\n${schedule}` : systemPrompt);

/** prompts/fallback.md, in the customer's `language` when there is a variant for it (fallback.id.md). */
export function fallbackDecision(
  prompts: Prompts,
  reason: FallbackReason,
  llmLatencyMs: number | null = null,
  turn: TurnResult | null = null,
  language: Language = null,
): Decision {
  return { outcome: 'fallback', messages: textMessages(prompts.fallbackText(language), 'operator').slice(0, MAX_REPLIES), turn, fallback: reason, llmLatencyMs, customerLanguage: () => language };
}

async function offlineAnswer(deps: DecideDeps, inbound: StoredMessage, language: () => Language): Promise<Decision> {
  const hit = await deps.knowledge.confidentAnswer(customerWords(inbound));
  if (!hit) return fallbackDecision(deps.prompts, 'llm_not_configured', null, null, language());
  const title = hit.heading.split(' › ').at(-1);
  // The section is the operator's Markdown: its heading becomes a bold line like any other heading.
  const messages = textMessages(`## ${title}\n\n${hit.body}`, 'operator').slice(0, MAX_REPLIES);
  return { outcome: 'knowledge_answer', messages, turn: null, fallback: null, llmLatencyMs: null, note: 'knowledge-base' };
}

export async function decide(
  deps: DecideDeps,
  input: {
    inbound: StoredMessage;
    history: History;
    newMessage: string;
    /** The name the customer gave WhatsApp, as stored on the contact (raw: it is cleaned and quoted here). */
    customerName?: string | null;
    /** The customer's number (Whatspie's `from`): what {customer.number} in a tool file is, whatever the model says. */
    customerNumber?: string;
    timeLeftMs: number;
    /** For a voice note: its transcript (null when it cannot be had), within `timeoutMs`. */
    hear?: (signal: AbortSignal, timeoutMs: number) => Promise<string | null>;
    /** For an image, with VISION: the image as a data URL and how the message reads beside it (null: describe it). */
    see?: () => Promise<{ dataUrl: string; text: string } | null>;
    /** Gives the answer up (its LLM request included): the late answer worked again after a restart is followed so. */
    signal?: AbortSignal;
  },
): Promise<Decision> {
  const { llm, prompts, logger } = deps;
  const language = customerLanguage(prompts, input.history.messages, input.inbound);
  if (!llm) return offlineAnswer(deps, input.inbound, language);
  if (input.timeLeftMs <= 0) return fallbackDecision(prompts, 'no_time_left', null, null, language());

  const controller = new AbortController();
  if (input.signal?.aborted) controller.abort();
  else input.signal?.addEventListener('abort', () => controller.abort(), { once: true });
  const started = deps.now();
  const lateMs = deps.lateAnswerMs ?? 0;
  // Shared with the turn, so that a decision made without it (a timeout, a failure) still keeps the calls made.
  const calls: ToolCallRecord[] = [];
  const lookupTools = deps.operatorTools?.list() ?? [];
  const lookups: TurnLookups | null =
    lookupTools.length > 0 && deps.toolCaller && input.customerNumber !== undefined
      ? { tools: lookupTools, caller: deps.toolCaller, customer: { number: input.customerNumber, name: input.customerName ?? null }, calls, ...(deps.toolCalled && { called: deps.toolCalled }) }
      : null;
  const withCalls = (decision: Decision): Decision => (calls.length > 0 ? { ...decision, toolCalls: calls } : decision);
  // The HTTP request may run on past the window when a late answer can still be delivered through Whatspie's API.
  const turning = (async () => {
    // A voice note is heard first (downloaded and transcribed), inside the same deadline as the model's answer.
    const transcript = input.hear ? await input.hear(controller.signal, input.timeLeftMs + lateMs) : null;
    const inbound = transcript ? { ...input.inbound, transcription: transcript } : input.inbound;
    const newMessage = transcript ? describeStoredInbound(inbound) : input.newMessage;
    // Searched with the customer's own words only (our descriptions of media would match everything), and the
    // previous message's too, which tells what "it" or "that" refers to.
    const previous = input.history.messages.findLast((row) => row.direction === 'in');
    const query = [customerWords(inbound), previous ? customerWords(previous) : ''].join('\n');
    const knowledge: KnowledgeHit[] = await deps.knowledge.search(query, KNOWLEDGE_SECTIONS);
    const seen = input.see ? await input.see() : null;
    // The week's hours stay in the cached start (they change only with the file); the time goes after the history.
    const hours = prompts.openingHours();
    const systemPrompt = withSchedule(prompts.systemPrompt(), scheduleText(hours, deps.timeZone));
    const note = nowNote({ now: deps.now(), zone: deps.timeZone, hours });
    const ask = (image: typeof seen) =>
      runTurn(
        { llm, logger },
        {
          conversation: buildConversation({ systemPrompt, history: input.history, knowledge, nowNote: note, customerNote: customerNameNote(input.customerName), newMessage: image?.text ?? newMessage, image: image?.dataUrl ?? null, limits: deps.limits }),
          tools: toolsFor(prompts.mediaCatalog()),
          lookups,
          signal: controller.signal,
          timeoutMs: input.timeLeftMs + lateMs,
        },
      );
    if (!seen) return ask(null);
    try {
      return await ask(seen);
    } catch (error) {
      // A model without image input refuses the request: ask once more with the image described in words.
      if (!(error instanceof LlmError) || error.reason !== 'client_error') throw error;
      logger.warn({ err: error.message }, 'the model refused the image (VISION is on, but this model may not take images); asking again with the image described');
      return ask(null);
    }
  })();
  const failed = (error: unknown): Decision => {
    const latency = deps.now() - started;
    if (error instanceof TimeoutError) return fallbackDecision(prompts, 'timeout', latency, null, language());
    if (error instanceof LlmError) {
      if (error.reason !== 'timeout' || !controller.signal.aborted) logger.warn({ reason: error.reason, err: error.message }, 'LLM call failed');
      return fallbackDecision(prompts, error.reason, latency, null, language());
    }
    throw error;
  };
  let turn: TurnResult;
  try {
    turn = await pTimeout(turning, { milliseconds: input.timeLeftMs });
  } catch (error) {
    if (error instanceof TimeoutError && lateMs > 0) {
      // The window closed with the model still working: answer "one moment" now, and the model's answer later.
      const late = pTimeout(turning, { milliseconds: lateMs }).then(
        (finished) => withCalls(decisionFromTurn(deps, finished, deps.now() - started, language)),
        (lateError: unknown) => withCalls(failed(lateError)),
      );
      void late.finally(() => controller.abort());
      return { ...holdingDecision(prompts, language()), late: { decision: late, abort: () => controller.abort() } };
    }
    // Stop the HTTP request too (p-timeout only stops waiting for it), but after the fallback has gone out:
    // tearing down a request costs time, and when many time out together that time adds up in the last reply.
    void nextTurn().then(() => controller.abort());
    return withCalls(failed(error));
  }
  return withCalls(decisionFromTurn(deps, turn, deps.now() - started, language));
}

/** What the webhook answers when the model needs longer than the window: prompts/holding.md (empty: nothing). */
function holdingDecision(prompts: Prompts, language: Language): Decision {
  // No LLM latency: the model has not answered yet; the late answer's row carries it.
  return { outcome: 'holding', messages: textMessages(prompts.holdingText(language), 'operator').slice(0, MAX_REPLIES), turn: null, fallback: null, llmLatencyMs: null, note: HOLDING_NOTE, customerLanguage: () => language };
}

/** How a holding reply is labelled in the transcript (its model column). */
const HOLDING_NOTE = 'holding (answer follows)';

/** `language` is asked only for a text of ours (the handoff, a fallback): the model's own answer needs none. */
function decisionFromTurn(deps: DecideDeps, turn: TurnResult, llmLatencyMs: number, language: () => Language): Decision {
  const { prompts } = deps;
  let messages = turn.messages;
  // Decided once, at the moment of the handoff: the text the customer gets and the times stored agree.
  const handoff = turn.handoffReason === null ? null : botHandoff(deps.now(), prompts.openingHours(), deps.timeZone);
  if (handoff) {
    const told = textMessages(handoffText(prompts, handoff, deps.timeZone, language()), 'operator');
    messages = [...messages.slice(0, Math.max(0, MAX_REPLIES - told.length)), ...told];
  }
  // Whether Whatspie would accept the messages is checked where every reply leaves (the responder's record()).
  if (messages.length === 0) return fallbackDecision(prompts, 'no_valid_reply', llmLatencyMs, turn, language());
  if (turn.handoffReason !== null && handoff) {
    return { outcome: 'handed_over', messages, turn, fallback: null, llmLatencyMs, handoff: { reason: turn.handoffReason, times: handoff.times }, customerLanguage: language };
  }
  return { outcome: 'answered', messages, turn, fallback: null, llmLatencyMs, customerLanguage: language };
}
