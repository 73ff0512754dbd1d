// Answers one inbound message within the deadline: stores it, sends a redelivery its stored reply, handles each
// sender's messages one at a time, stays silent while a human has the conversation, and never throws.
import type { KnowledgeBase } from '../knowledge/knowledge-base.js';
import type { Llm } from '../llm/client.js';
import type { Logger } from '../logger.js';
import type { Prompts } from '../prompts/prompts.js';
import type { Db } from '../store/db.js';
import {
  endHandoff,
  findContact,
  findReplyTo,
  recentMessages,
  startHandoff,
  storeInbound,
  storeOutbound,
  type MessageRow,
} from '../store/queries.js';
import type { InboundMessage } from '../whatspie/inbound.js';
import { replyKind, replySchema, type Reply } from '../whatspie/reply.js';
import { currentSession } from './conversation.js';
import { asReply, decide, fallbackDecision, type Decision } from './decide.js';
import { describeInbound, describeReply } from './describe.js';
import { createKeyedQueue } from './keyed-queue.js';

/** Time kept back from the deadline for storing the reply and writing the response. */
const RESPONSE_MARGIN_MS = 30;
const HOUR_MS = 3_600_000;

export interface ResponderDeps {
  db: Db;
  llm: Llm | null;
  prompts: Prompts;
  knowledge: KnowledgeBase;
  logger: Logger;
  now: () => number;
  deadlineMs: number;
  historyLimit: number;
  handoffHours: number;
  sessionIdleHours: number;
}

export interface Responder {
  /** The reply to send for this message; never throws. `receivedAt` is when its request arrived. */
  respond(message: InboundMessage, receivedAt: number): Promise<Reply>;
}

const silent = (note: string): Decision => ({ replies: [], turn: null, fallback: null, llmLatencyMs: null, note });

export function createResponder(deps: ResponderDeps): Responder {
  const { db, logger } = deps;
  const inFlight = new Map<string, Promise<Reply>>();
  const senders = createKeyedQueue();

  function record(inbound: MessageRow, decision: Decision): Reply {
    const { replies, turn } = decision;
    const reply = asReply(replies);
    const first = replies[0];
    storeOutbound(db, {
      contactId: inbound.contactId,
      inReplyTo: inbound.id,
      kind: !first ? 'silent' : replies.length > 1 ? 'several' : replyKind(first),
      text: first ? replies.map(describeReply).join('\n') : `(no reply: ${decision.note})`,
      mediaUrl: first && 'params' in first ? ('image' in first.params ? first.params.image.url : first.params.document.url) : null,
      replyJson: JSON.stringify(reply),
      model: turn?.model ?? (first ? (decision.note ?? null) : null),
      llmLatencyMs: decision.llmLatencyMs,
      fellBack: decision.fallback !== null,
      fallbackReason: decision.fallback,
      promptTokens: turn?.promptTokens ?? null,
      completionTokens: turn?.completionTokens ?? null,
      at: deps.now(),
    });
    return reply;
  }

  /** True while a human has the conversation; a handoff older than HANDOFF_HOURS ends by itself. */
  function waitingForHuman(contactId: number): boolean {
    const contact = findContact(db, contactId);
    if (contact?.handoffAt == null) return false;
    if (deps.now() - contact.handoffAt < deps.handoffHours * HOUR_MS) return true;
    endHandoff(db, { contactId });
    logger.info({ contact: contact.phone }, 'handoff expired; the bot answers again');
    return false;
  }

  async function answer(inbound: MessageRow, message: InboundMessage, receivedAt: number): Promise<Reply> {
    if (waitingForHuman(inbound.contactId)) return record(inbound, silent('waiting for a human'));
    // A burst of short messages gets one answer: the newest message answers them all.
    if (senders.waitingBehind(message.from) > 0) return record(inbound, silent('answered together with the next message'));

    const history = currentSession(
      recentMessages(db, { contactId: inbound.contactId, current: inbound.id, limit: deps.historyLimit }),
      inbound.createdAt,
      deps.sessionIdleHours * HOUR_MS,
    );
    const decision = await decide(deps, {
      inbound,
      history,
      newMessage: describeInbound(message.content),
      timeLeftMs: deps.deadlineMs - (deps.now() - receivedAt) - RESPONSE_MARGIN_MS,
    });
    if (decision.handoffReason) {
      startHandoff(db, { contactId: inbound.contactId, at: deps.now(), reason: decision.handoffReason });
      logger.info({ from: message.from, reason: decision.handoffReason }, 'handed over to a human');
    }
    logger.info(
      { messageId: message.messageId, from: message.from, fallback: decision.fallback, llmLatencyMs: decision.llmLatencyMs },
      'replied',
    );
    return record(inbound, decision);
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
    return senders.run(message.from, () => answer(inbound, message, receivedAt));
  }

  return {
    respond(message, receivedAt) {
      const running = inFlight.get(message.messageId);
      if (running) return running;
      const reply = handle(message, receivedAt)
        .catch((error: unknown) => {
          logger.error({ err: error instanceof Error ? error.message : String(error), messageId: message.messageId }, 'could not handle message; sending the fallback');
          return asReply(fallbackDecision(deps.prompts, 'internal_error').replies);
        })
        .finally(() => inFlight.delete(message.messageId));
      inFlight.set(message.messageId, reply);
      return reply;
    },
  };
}
