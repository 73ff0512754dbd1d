// Answers one inbound message within the deadline: stores it, sends duplicates their stored reply,
// serialises each sender, races the LLM against the clock, and falls back when anything goes wrong.
import pTimeout, { TimeoutError } from 'p-timeout';
import { LlmError, type Llm } from '../llm/client.js';
import type { Logger } from '../logger.js';
import type { Prompts } from '../prompts/prompts.js';
import type { Db } from '../store/db.js';
import { findReplyTo, recentMessages, storeInbound, storeOutbound, type MessageRow } from '../store/queries.js';
import type { InboundMessage } from '../whatspie/inbound.js';
import { replyKind, replySchema, type Reply, type SingleReply } from '../whatspie/reply.js';
import { buildConversation } from './conversation.js';
import { describeInbound, describeReply } from './describe.js';
import { createKeyedQueue } from './keyed-queue.js';
import { textReplies } from './tools/send-text.js';
import { toolsFor } from './tools/index.js';
import { runTurn, type TurnResult } from './turn.js';

/** Time kept back from the deadline for storing the reply and writing the response. */
const RESPONSE_MARGIN_MS = 30;

export type FallbackReason =
  | 'llm_not_configured'
  | 'no_time_left'
  | 'no_valid_reply'
  | 'invalid_reply'
  | 'internal_error'
  | LlmError['reason'];

export interface ResponderDeps {
  db: Db;
  llm: Llm | null;
  prompts: Prompts;
  logger: Logger;
  now: () => number;
  deadlineMs: number;
  historyLimit: number;
}

export interface Responder {
  /** The reply to send for this message; never throws. `receivedAt` is when its request arrived. */
  respond(message: InboundMessage, receivedAt: number): Promise<Reply>;
}

interface Decision {
  replies: SingleReply[];
  turn: TurnResult | null;
  fallback: FallbackReason | null;
  llmLatencyMs: number | null;
}

const SILENT: Decision = { replies: [], turn: null, fallback: null, llmLatencyMs: null };

const asReply = (replies: SingleReply[]): Reply => (replies.length === 1 ? replies[0]! : replies);

export function createResponder(deps: ResponderDeps): Responder {
  const { db, logger } = deps;
  const inFlight = new Map<string, Promise<Reply>>();
  const senders = createKeyedQueue();

  const fallbackReplies = () => textReplies(deps.prompts.fallbackText());

  async function decide(inbound: MessageRow, message: InboundMessage, receivedAt: number): Promise<Decision> {
    const fallback = (reason: FallbackReason, turn: TurnResult | null = null, llmLatencyMs: number | null = null): Decision => ({
      replies: fallbackReplies(),
      turn,
      fallback: reason,
      llmLatencyMs,
    });
    if (!deps.llm) return fallback('llm_not_configured');
    const timeLeft = deps.deadlineMs - (deps.now() - receivedAt) - RESPONSE_MARGIN_MS;
    if (timeLeft <= 0) return fallback('no_time_left');

    const conversation = buildConversation({
      systemPrompt: deps.prompts.systemPrompt(),
      history: recentMessages(db, { contactId: inbound.contactId, current: inbound.id, limit: deps.historyLimit }),
      newMessage: describeInbound(message.content),
    });
    const controller = new AbortController();
    const started = deps.now();
    let turn: TurnResult;
    try {
      turn = await pTimeout(
        runTurn(
          { llm: deps.llm, logger },
          { conversation, tools: toolsFor(deps.prompts.mediaCatalog()), signal: controller.signal, timeoutMs: timeLeft },
        ),
        { milliseconds: timeLeft },
      );
    } catch (error) {
      // Stop the HTTP request too: p-timeout only stops waiting for it.
      controller.abort();
      const latency = deps.now() - started;
      if (error instanceof TimeoutError) return fallback('timeout', null, latency);
      if (error instanceof LlmError) {
        logger.warn({ reason: error.reason, err: error.message }, 'LLM call failed');
        return fallback(error.reason, null, latency);
      }
      throw error;
    }
    const llmLatencyMs = deps.now() - started;
    if (turn.replies.length === 0) return fallback('no_valid_reply', turn, llmLatencyMs);
    if (!replySchema.safeParse(asReply(turn.replies)).success) {
      logger.warn({ replies: turn.replies }, 'the model produced a reply Whatspie would not accept');
      return fallback('invalid_reply', turn, llmLatencyMs);
    }
    return { replies: turn.replies, turn, fallback: null, llmLatencyMs };
  }

  function record(inbound: MessageRow, decision: Decision): Reply {
    const { replies, turn } = decision;
    const reply = asReply(replies);
    const first = replies[0];
    storeOutbound(db, {
      contactId: inbound.contactId,
      inReplyTo: inbound.id,
      kind: !first ? 'silent' : replies.length > 1 ? 'several' : replyKind(first),
      text: first ? replies.map(describeReply).join('\n') : '(no reply: answered together with the next message)',
      mediaUrl: first && 'params' in first ? ('image' in first.params ? first.params.image.url : first.params.document.url) : null,
      replyJson: JSON.stringify(reply),
      model: turn?.model ?? null,
      llmLatencyMs: decision.llmLatencyMs,
      fellBack: decision.fallback !== null,
      fallbackReason: decision.fallback,
      promptTokens: turn?.promptTokens ?? null,
      completionTokens: turn?.completionTokens ?? null,
      at: deps.now(),
    });
    return reply;
  }

  async function handle(message: InboundMessage, receivedAt: number): Promise<Reply> {
    const { row: inbound, isNew } = storeInbound(db, { message, at: receivedAt });
    if (!isNew) {
      const stored = findReplyTo(db, inbound.id);
      const parsed = stored?.replyJson ? replySchema.safeParse(JSON.parse(stored.replyJson)) : null;
      if (parsed?.success) {
        logger.info({ messageId: message.messageId }, 'duplicate delivery; sending the stored reply');
        return parsed.data;
      }
    }
    return senders.run(message.from, async () => {
      // A burst of short messages gets one answer: the newest message answers them all.
      if (senders.waitingBehind(message.from) > 0) return record(inbound, SILENT);
      const decision = await decide(inbound, message, receivedAt);
      logger.info(
        { messageId: message.messageId, from: message.from, fallback: decision.fallback, llmLatencyMs: decision.llmLatencyMs },
        'replied',
      );
      return record(inbound, decision);
    });
  }

  return {
    respond(message, receivedAt) {
      const running = inFlight.get(message.messageId);
      if (running) return running;
      const answer = handle(message, receivedAt)
        .catch((error: unknown) => {
          logger.error({ err: error instanceof Error ? error.message : String(error), messageId: message.messageId }, 'could not handle message; sending the fallback');
          return asReply(fallbackReplies());
        })
        .finally(() => inFlight.delete(message.messageId));
      inFlight.set(message.messageId, answer);
      return answer;
    },
  };
}
