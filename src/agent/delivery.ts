// Hands a decision over to the customer: in the webhook's answer now, or through the outbox (Whatspie's API) later:
// a late answer, or an answer that must wait behind one the customer is still owed. The last check of what leaves
// is here, and so is the one record of every reply in the transcript.
import type { OutboxWorker } from '../delivery/outbox-worker.js';
import type { Logger } from '../logger.js';
import type { Prompts } from '../prompts/prompts.js';
import type { ConversationStore, StoredMessage } from '../store/conversation-store.js';
import type { Outbox } from '../store/outbox.js';
import { outgoingMessageSchema, toWebhookReply, webhookReplySchema, type OutgoingMessage, type WebhookReply } from '../whatspie/reply.js';
import { customerLanguage, RECENT_MESSAGES } from './customer-language.js';
import { fallbackDecision, type Decision, type FallbackReason, type LateAnswer, type Outcome } from './decide.js';
import { createLateAnswers } from './late-answers.js';
import { replyRecord } from './reply-record.js';

/** The reply to send, and what happened, for logs and metrics. */
export interface Answer {
  reply: WebhookReply;
  /** The reply as JSON text, when it was serialised already (to be stored): sent as it is. */
  replyJson?: string;
  outcome: Outcome;
  fallbackReason: FallbackReason | null;
  llmLatencyMs: number | null;
}

export interface Delivery {
  /** In the webhook's answer, unless the customer is still owed earlier messages through the API. */
  deliver(inbound: StoredMessage, decision: Decision): Promise<Answer>;
  /** Whether answers may outlive the webhook's window (Whatspie's API is configured and late answers are on). */
  readonly lateAnswers: boolean;
  /** Follows an answer still being worked on after the window closed. */
  followLate(inbound: StoredMessage, late: LateAnswer): void;
  /** A newer message from this contact is answered: give up any answer still being worked on for it, on any instance. */
  supersede(contactId: number): Promise<void>;
  /** For a shutdown: takes no more unattended late answers, and finishes or hands on those in flight (LateAnswers.finish). */
  finishLateAnswers(by: number, hurry?: AbortSignal): Promise<number[]>;
  /** Resolves once no late answer is being worked on (LateAnswers.idle). */
  lateAnswersIdle(): Promise<void>;
}

export interface DeliveryDeps {
  store: ConversationStore;
  outbox: Outbox | null;
  worker: OutboxWorker | null;
  prompts: Prompts;
  logger: Logger;
  now: () => number;
  lateAnswerMs: number;
  /** The handoff rule: a late answer never talks over a human who took the conversation meanwhile. */
  waitingForHuman(contactId: number): Promise<boolean>;
  /**
   * Works a late answer again from the stored message, through the same pipeline as a new message (its server stopped
   * before the answer was ready); null when it cannot be (no LLM configured): the fallback goes instead.
   */
  rework: ((inbound: StoredMessage, holdingId: number) => LateAnswer) | null;
}

/**
 * A late answer left unfinished (its server stopped, or died) is worked again while its message is younger than this;
 * an older one gets the fallback: by then the answer would come too long after the question (the outbox, too, gives
 * up a send after 15 minutes).
 */
export const REWORK_WITHIN_MS = 15 * 60_000;

/** How often unattended late answers are looked for: another instance may have handed some on. */
const SWEEP_MS = 5000;

export const silent = (outcome: Outcome, note: string): Decision => ({ outcome, messages: [], turn: null, fallback: null, llmLatencyMs: null, note });

/** The reply for these messages when every one is ours and Whatspie accepts the whole; else null. */
function acceptedReply(messages: OutgoingMessage[]): WebhookReply | null {
  if (!messages.every((message) => outgoingMessageSchema.safeParse(message).success)) return null;
  const reply = toWebhookReply(messages);
  return webhookReplySchema.safeParse(reply).success ? reply : null;
}

const acceptable = (decision: Decision) => acceptedReply(decision.messages) !== null;

export function createDelivery(deps: DeliveryDeps): Delivery {
  const { store, logger } = deps;

  /** Stores the reply given in the webhook's answer (silence included), after the last check. */
  async function storeReply(inbound: Pick<StoredMessage, 'id' | 'contactId'>, proposed: Decision): Promise<Answer> {
    // The last check before anything leaves: a reply Whatspie would not accept becomes the fallback.
    const accepted = acceptedReply(proposed.messages);
    if (!accepted) logger.warn({ outcome: proposed.outcome, messages: proposed.messages }, 'a reply Whatspie would not accept; sending the fallback');
    const decision = accepted ? proposed : fallbackDecision(deps.prompts, 'invalid_reply', proposed.llmLatencyMs, proposed.turn, proposed.customerLanguage?.() ?? null);
    const reply = accepted ?? toWebhookReply(decision.messages);
    // Serialised once: the same text is stored and sent.
    const replyJson = JSON.stringify(reply);
    await store.saveReply({
      ...replyRecord({ contactId: inbound.contactId, inReplyTo: inbound.id }, decision.messages, decision, replyJson),
      latePending: decision.late ? true : null,
      at: deps.now(),
    });
    return { reply, replyJson, outcome: decision.outcome, fallbackReason: decision.fallback, llmLatencyMs: decision.llmLatencyMs };
  }

  const late =
    deps.outbox && deps.lateAnswerMs > 0
      ? createLateAnswers({
          outbox: deps.outbox,
          settle: (inboundId) => store.settleLateAnswer(inboundId),
          hold: (inboundId, until) => store.holdLateAnswer(inboundId, until),
          release: (inboundIds) => store.releaseLateAnswers(inboundIds),
          holdMs: deps.lateAnswerMs + 60_000,
          supersedeAll: (contactId) => store.supersedeLateAnswers(contactId),
          worker: deps.worker,
          logger,
          now: deps.now,
          waitingForHuman: deps.waitingForHuman,
          startHandoff: (contactId, { reason, times }) => store.startHandoff({ contactId, reason, ...times }),
          recordSilence: (inbound, note) => storeReply(inbound, silent('holding', note)),
          acceptable,
          fallback: (proposed) => fallbackDecision(deps.prompts, 'invalid_reply', proposed.llmLatencyMs, proposed.turn, proposed.customerLanguage?.() ?? null),
        })
      : null;

  /**
   * A late answer that nobody works on any more (its server stopped and handed it on, or died) would leave the customer
   * with only "one moment": it is worked again, or, when that cannot be done, the fallback goes through the API.
   * Checked at start and every few seconds; each is taken by one instance only (a hold in the database).
   */
  async function recoverUnattended() {
    if (!late || stopping) return;
    const now = deps.now();
    for (const { inbound, holdingId } of await store.takeUnattendedLateAnswers({ now, until: now + deps.lateAnswerMs + 60_000 })) {
      // Neither the answer nor the fallback talks over a human who took the conversation meanwhile.
      if (await deps.waitingForHuman(inbound.contactId)) {
        if (await store.settleLateAnswer(inbound.id)) await storeReply(inbound, silent('holding', 'late answer not sent: a human has the conversation'));
        continue;
      }
      if (deps.rework && inbound.createdAt >= now - REWORK_WITHIN_MS) {
        logger.info({ inboundId: inbound.id, ageMs: now - inbound.createdAt }, 'a late answer was left unfinished by a server that stopped; working on it again');
        late.follow(inbound, deps.rework(inbound, holdingId));
        continue;
      }
      if (!(await store.settleLateAnswer(inbound.id))) continue;
      const why = deps.rework ? `its message is older than ${REWORK_WITHIN_MS / 60_000} minutes` : 'no LLM is configured';
      logger.warn({ inboundId: inbound.id }, `a late answer was interrupted (the process working on it stopped) and is not worked again: ${why}; sending the fallback through the API`);
      // In the language of the "one moment" it got: told from the customer's latest messages, read for this rare case.
      const recent = await store.history({ contactId: inbound.contactId, current: inbound.id, limit: 2 * RECENT_MESSAGES });
      await late.queue(inbound, fallbackDecision(deps.prompts, 'interrupted', null, null, customerLanguage(deps.prompts, recent.messages, inbound)()));
    }
  }
  let stopping = false;
  let recovering: Promise<void> = Promise.resolve();
  const sweep = () => {
    recovering = recovering.then(recoverUnattended).catch((error: unknown) => logger.error({ err: (error as Error).message }, 'could not check for unattended late answers'));
  };
  const sweeper = late ? setInterval(sweep, SWEEP_MS).unref() : null;
  if (late) sweep();

  return {
    lateAnswers: late !== null,
    async deliver(inbound, proposed) {
      if (late && deps.outbox && proposed.messages.length > 0 && proposed.outcome !== 'holding' && (await deps.outbox.undelivered(inbound.contactId)) > 0) {
        // Answering in the webhook now would overtake them: this answer goes behind them, in order.
        await late.queue(inbound, proposed);
        return { reply: [], outcome: 'queued', fallbackReason: proposed.fallback, llmLatencyMs: proposed.llmLatencyMs };
      }
      return storeReply(inbound, proposed);
    },
    followLate(inbound, answer) {
      late?.follow(inbound, answer);
    },
    async supersede(contactId) {
      await late?.supersede(contactId);
    },
    async lateAnswersIdle() {
      await recovering;
      await late?.idle();
    },
    async finishLateAnswers(by, hurry) {
      stopping = true;
      if (sweeper) clearInterval(sweeper);
      // Answers the sweep is taking right now are followed first, so that they are waited for or handed on too.
      await recovering;
      return late ? late.finish(by, hurry) : [];
    },
  };
}
