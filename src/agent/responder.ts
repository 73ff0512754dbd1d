// Answers one inbound message within the deadline: stores it, sends a redelivery its stored reply, handles each
// sender's messages one at a time, stays silent where it should (groups, bursts, handoffs, floods), asks decide()
// what to answer, and hands the decision to the delivery (delivery.ts). Never throws.
import type { KnowledgeBase } from '../knowledge/knowledge-base.js';
import type { Llm } from '../llm/client.js';
import type { Logger } from '../logger.js';
import type { Prompts } from '../prompts/prompts.js';
import { readFile } from 'node:fs/promises';
import type { Transcriber } from '../llm/transcriber.js';
import type { MediaKeeper } from '../media/media-keeper.js';
import type { ConversationStore, StoredMessage } from '../store/conversation-store.js';
import { isBroadcastMessage, isGroupMessage, type InboundMessage, type StatusEvent } from '../whatspie/inbound.js';
import { toWebhookReply } from '../whatspie/reply.js';
import { currentSession, type SizeLimits } from './conversation.js';
import { decide, fallbackDecision, type Decision, type LateAnswer } from './decide.js';
import { describeInbound, describeStoredInbound } from './describe.js';
import { isWaitingForHuman } from './handoff-rule.js';
import { recordEvent } from './whatspie-events.js';
import type { OutboxWorker } from '../delivery/outbox-worker.js';
import type { Outbox } from '../store/outbox.js';
import type { ContactTurns } from '../store/storage.js';
import { isConnectTimeout } from '../store/db.js';
import { rateVerdict, RATE_WINDOW_MS, rowsToScan, type RateVerdict } from './rate-limiter.js';
import { textMessages } from './outgoing.js';
import { customerLanguage, RECENT_MESSAGES } from './customer-language.js';
import type { OperatorTools } from '../tools/tool-folder.js';
import type { ToolCaller, ToolCallRecord } from '../tools/tool-call.js';

/** Larger images are described in words rather than sent to the model: a data URL of 4 MB is already 5.3 MB of JSON. */
const VISION_MAX_BYTES = 4 * 1024 * 1024;

/** Time kept back from the deadline for storing the reply and writing the response, also when many time out at once. */
const RESPONSE_MARGIN_MS = 250;
const HOUR_MS = 3_600_000;

export interface ResponderDeps {
  store: ConversationStore;
  /** Whose turn it is: in memory with SQLite, in the database with PostgreSQL (several instances). */
  turns: ContactTurns;
  /** Keeps inbound files (null: not kept, as in tests that do not ask for it). */
  media: MediaKeeper | null;
  /** Hears voice notes (TRANSCRIPTION_MODEL); null: the model is told it cannot listen. */
  transcriber: Transcriber | null;
  /** Shows the model the image of a new message (VISION); earlier images stay described in words. */
  vision: boolean;
  llm: Llm | null;
  /** Set when Whatspie's API is configured: late answers and answers queued behind them go through it. */
  outbox: Outbox | null;
  worker: OutboxWorker | null;
  /** How long the model may go on after the window closed; 0 turns late answers off. */
  lateAnswerMs: number;
  prompts: Prompts;
  knowledge: KnowledgeBase;
  logger: Logger;
  now: () => number;
  /** TIME_ZONE: the model is told the local time in it, and the opening hours are read in it. */
  timeZone: string;
  deadlineMs: number;
  handoffHours: number;
  sessionIdleHours: number;
  rateLimitPerMinute: number;
  answerGroups: boolean;
  answerBroadcasts: boolean;
  limits: SizeLimits;
  /** The operators' HTTP tools (prompts/tools/) and who calls them; none when unset. */
  operatorTools?: OperatorTools | null;
  toolCaller?: ToolCaller | null;
  /** Told of each tool call as it ends (metrics). */
  toolCalled?: (record: ToolCallRecord) => void;
}

export type { Answer } from './delivery.js';
import { createDelivery, silent, type Answer } from './delivery.js';

export interface Responder {
  /** Never throws. `receivedAt` is when the message's request arrived; the deadline counts from it. */
  respond(message: InboundMessage, receivedAt: number): Promise<Answer>;
  /** Keeps a Whatspie event that is not a message (answered with silence). Never rejects. */
  note(event: StatusEvent): Promise<void>;
  /** For a shutdown: waits for late answers until `by`, then hands on the rest (Delivery.finishLateAnswers). */
  finishLateAnswers(by: number, hurry?: AbortSignal): Promise<number[]>;
  /** Resolves once no late answer is being worked on (for `npm run eval`, which waits for them between turns). */
  lateAnswersIdle(): Promise<void>;
}

/** SQLite's errors carry SQLITE_* codes; PostgreSQL's are DatabaseErrors, or a connection that failed. */
const isDatabaseError = (error: unknown) => {
  const { code, name } = error as { code?: string; name?: string };
  return code?.startsWith('SQLITE') || name === 'DatabaseError' || code === 'ECONNREFUSED' || isConnectTimeout(error);
};

export function createResponder(deps: ResponderDeps): Responder {
  const { store, logger } = deps;
  const inFlight = new Map<string, Promise<Answer>>();

  const delivery = createDelivery({ ...deps, waitingForHuman, rework: deps.llm ? rework : null });

  /** True while a human has the conversation; a handoff older than HANDOFF_HOURS ends by itself. */
  async function waitingForHuman(contactId: number): Promise<boolean> {
    const handoff = await store.handoff(contactId);
    if (!handoff) return false;
    if (isWaitingForHuman(handoff, deps.now(), deps.handoffHours)) return true;
    await store.endHandoff(contactId);
    logger.info({ contactId }, 'handoff expired; the bot answers again');
    return false;
  }

  /** A voice note's words: its kept file, transcribed. Null (the model is told it cannot listen) when that fails. */
  async function hear(inbound: StoredMessage, signal: AbortSignal, timeoutMs: number): Promise<string | null> {
    if (!deps.transcriber || !deps.media) return null;
    const file = await deps.media.fileOf(inbound.id);
    if (!file) return null;
    try {
      const started = deps.now();
      const text = await deps.transcriber.transcribe({ path: file.path, contentType: file.contentType, signal, timeoutMs });
      await store.saveTranscription(inbound.id, text);
      logger.info({ messageId: inbound.id, ms: deps.now() - started, chars: text.length }, 'voice note transcribed');
      return text || null;
    } catch (error) {
      if (!signal.aborted) logger.warn({ messageId: inbound.id, err: (error as Error).message }, 'could not transcribe a voice note; the model is told it cannot listen to it');
      return null;
    }
  }

  /** The kept image as a data URL (it works when the provider cannot reach Whatspie's host, and after the link expired). */
  async function see(inbound: StoredMessage): Promise<{ dataUrl: string; text: string } | null> {
    const caption = inbound.mediaCaption;
    const file = deps.media ? await deps.media.fileOf(inbound.id) : null;
    if (!file) return null;
    const type = file.contentType?.startsWith('image/') ? file.contentType : /\.(jpe?g|png|webp)$/i.test(file.path) ? `image/${file.path.split('.').pop()!.toLowerCase().replace('jpg', 'jpeg')}` : null;
    if (!type) return null;
    if (file.bytes > VISION_MAX_BYTES) {
      logger.info({ messageId: inbound.id, bytes: file.bytes, limit: VISION_MAX_BYTES }, 'image too large to show the model; described in words instead');
      return null;
    }
    const data = await readFile(file.path);
    const text = caption ? `[The customer sent this image with the caption "${caption.replaceAll('"', "'")}".]` : '[The customer sent this image.]';
    return { dataUrl: `data:${type};base64,${data.toString('base64')}`, text };
  }

  /** Whether the answer to this message reads its file: a voice note to hear, a photo to see. */
  function answerReadsFile(message: InboundMessage): boolean {
    return (message.content.kind === 'audio' && deps.transcriber !== null) || (message.content.kind === 'image' && deps.vision);
  }

  /**
   * Whatspie's file links expire: a new message's file is fetched now, in the background, ahead of any backlog when
   * its answer reads it. A message over the rate limit is stored but its file is not fetched: a flood of files must
   * not cost the server (and the other customers) its downloads. `rate` is null for chats the bot stays out of.
   */
  function keepFileOf(inbound: StoredMessage, message: InboundMessage, rate: RateVerdict | null): void {
    const url = 'url' in message.content ? message.content.url : null;
    if (!url || !deps.media) return;
    if (rate === 'notice' || rate === 'silent') {
      void deps.media.pass(inbound.id, 'not downloaded: over the rate limit');
      return;
    }
    const neededNow = rate === 'allowed' && answerReadsFile(message);
    void deps.media.keep({ messageId: inbound.id, customer: inbound.contactId, neededNow, url, fileName: inbound.mediaFileName, at: inbound.createdAt });
  }

  /**
   * Works a late answer again from the stored message, as answer() does (its server stopped before the answer was
   * ready): the history up to the message, the prompts and the LLM, with all of LATE_ANSWER_SECONDS to answer.
   */
  function rework(inbound: StoredMessage, holdingId: number): LateAnswer {
    const controller = new AbortController();
    const decision = (async () => {
      const history = currentSession(
        await store.history({ contactId: inbound.contactId, current: inbound.id, limit: deps.limits.historyLimit }),
        inbound.createdAt,
        deps.sessionIdleHours * HOUR_MS,
      );
      // The "one moment" it was answered with came after the question: it is no part of what the model answers.
      const messages = history.messages.filter((message) => message.id !== holdingId);
      return decide({ ...deps, lateAnswerMs: 0 }, {
        inbound,
        history: { ...history, messages },
        customerName: await store.contactName(inbound.contactId),
        customerNumber: (await store.contactPhone(inbound.contactId)) ?? undefined,
        newMessage: describeStoredInbound(inbound),
        ...(inbound.kind === 'audio' && !inbound.transcription && { hear: (signal: AbortSignal, timeoutMs: number) => hear(inbound, signal, timeoutMs) }),
        ...(inbound.kind === 'image' && deps.vision && { see: () => see(inbound) }),
        timeLeftMs: deps.lateAnswerMs,
        signal: controller.signal,
      });
    })();
    return { decision, abort: () => controller.abort() };
  }

  /** Chats the bot stays out of, known the moment a message arrives. */
  function screen(message: InboundMessage): Decision | null {
    if (!deps.answerGroups && isGroupMessage(message)) return silent('ignored_group', 'group message; ANSWER_GROUPS is off');
    if (!deps.answerBroadcasts && isBroadcastMessage(message)) return silent('ignored_broadcast', 'broadcast message; ANSWER_BROADCASTS is off');
    return null;
  }

  /** Counted from the database on arrival (so across instances, and while earlier messages are still answered). */
  async function rateOf(inbound: StoredMessage): Promise<RateVerdict> {
    if (deps.rateLimitPerMinute <= 0) return 'allowed';
    const sent = await store.recentInboundCount({
      contactId: inbound.contactId,
      since: inbound.createdAt - RATE_WINDOW_MS,
      upTo: inbound.id,
      scan: rowsToScan(deps.rateLimitPerMinute),
    });
    return rateVerdict(sent, deps.rateLimitPerMinute);
  }

  /** A redelivery another instance is answering right now: its answer, once stored, is this one's too. */
  async function answerOfOther(inbound: StoredMessage, deadlineAt: number): Promise<Answer> {
    while (deps.now() < deadlineAt) {
      await new Promise((resolve) => setTimeout(resolve, 20));
      const messages = await store.storedReply(inbound);
      if (messages) return { reply: toWebhookReply(messages), outcome: 'duplicate', fallbackReason: null, llmLatencyMs: null };
    }
    // Its answer goes out in the other instance's response; a second one here would reach the customer twice.
    logger.warn({ inboundId: inbound.id }, 'a redelivery arrived while another instance answers it, and its answer was not ready in time; answering nothing');
    return { reply: [], outcome: 'duplicate', fallbackReason: null, llmLatencyMs: null };
  }

  /** `answerBy`: when the reply must be ready (the deadline, less the time kept back to store and send it). */
  async function answer(inbound: StoredMessage, message: InboundMessage, answerBy: number, rate: RateVerdict, newerWaiting: boolean): Promise<Answer> {
    // First, so that not even a rate-limit notice talks over a human who has the conversation.
    if (await waitingForHuman(inbound.contactId)) return delivery.deliver(inbound, silent('waiting_for_human', 'waiting for a human'));
    if (rate === 'notice') {
      // Once a minute at most per customer, so its own small read of the history costs nothing that matters.
      const recent = await store.history({ contactId: inbound.contactId, current: inbound.id, limit: 2 * RECENT_MESSAGES });
      const language = customerLanguage(deps.prompts, recent.messages, inbound)();
      const notice = textMessages(deps.prompts.rateLimitedText(language), 'operator').slice(0, 1);
      return delivery.deliver(inbound, { outcome: 'rate_limit_notice', messages: notice, turn: null, fallback: null, llmLatencyMs: null, note: 'rate-limit' });
    }
    if (rate === 'silent') return delivery.deliver(inbound, silent('over_rate_limit', 'over the rate limit'));
    // A burst of short messages gets one answer: the newest message answers them all.
    if (newerWaiting) return delivery.deliver(inbound, silent('merged_into_next', 'answered together with the next message'));

    // This message is answered by the model, with the older one in view: it supersedes an answer to that one still
    // being worked on past the window, as in a burst. (A message that gets no answer of its own supersedes nothing.)
    await delivery.supersede(inbound.contactId);
    const history = currentSession(
      await store.history({ contactId: inbound.contactId, current: inbound.id, limit: deps.limits.historyLimit }),
      inbound.createdAt,
      deps.sessionIdleHours * HOUR_MS,
    );
    const decision = await decide({ ...deps, lateAnswerMs: delivery.lateAnswers ? deps.lateAnswerMs : 0 }, {
      inbound,
      history,
      // As stored on the contact: the name this message gave, else the last one it was known by.
      customerName: await store.contactName(inbound.contactId),
      customerNumber: message.from,
      newMessage: describeInbound(message.content),
      ...(message.content.kind === 'audio' && { hear: (signal: AbortSignal, timeoutMs: number) => hear(inbound, signal, timeoutMs) }),
      ...(message.content.kind === 'image' && deps.vision && { see: () => see(inbound) }),
      timeLeftMs: answerBy - deps.now(),
    });
    if (decision.handoff) {
      const { reason, times } = decision.handoff;
      await store.startHandoff({ contactId: inbound.contactId, reason, ...times });
      logger.info({ from: message.from, reason, withinHours: times.withinHours, countsFrom: new Date(times.countsFrom).toISOString() }, 'handed over to a human');
    }
    if (decision.late) delivery.followLate(inbound, decision.late);
    return delivery.deliver(inbound, decision);
  }

  async function handle(message: InboundMessage, receivedAt: number): Promise<Answer> {
    const answerBy = receivedAt + deps.deadlineMs - RESPONSE_MARGIN_MS;
    const { message: inbound, isNew } = await store.saveInbound(message, receivedAt);
    if (!isNew) {
      // Answered through the API already: saying "one moment" again, after the answer, would confuse the customer.
      const sent = deps.outbox ? await deps.outbox.deliveryOf(inbound.id) : 'none';
      if (sent === 'sent' || sent === 'failed' || sent === 'unknown') return { reply: [], outcome: 'duplicate', fallbackReason: null, llmLatencyMs: null };
      const messages = await store.storedReply(inbound);
      if (messages) return { reply: toWebhookReply(messages), outcome: 'duplicate', fallbackReason: null, llmLatencyMs: null };
      // No reply stored: another instance is answering it now, or the one that stored it died before answering.
      if (!(await deps.turns.claim(inbound.id, deps.now()))) return answerOfOther(inbound, answerBy);
    }
    const screened = screen(message);
    if (screened) {
      if (isNew) keepFileOf(inbound, message, null);
      return delivery.deliver(inbound, screened);
    }
    const rate = await rateOf(inbound);
    if (isNew) keepFileOf(inbound, message, rate);
    return deps.turns.run(inbound, answerBy, (newerWaiting) => answer(inbound, message, answerBy, rate, newerWaiting));
  }

  return {
    finishLateAnswers: (by, hurry) => delivery.finishLateAnswers(by, hurry),
    lateAnswersIdle: () => delivery.lateAnswersIdle(),
    note(event) {
      const work = async () => {
        await recordEvent(deps, event);
        if (event.type === 'message_failed' && event.whatspieMessageId && deps.outbox) {
          await deps.outbox.failByWhatspieId({ whatspieId: event.whatspieMessageId, reason: `Whatspie: ${event.reason ?? 'failed'}` });
        }
      };
      return work().catch((error: unknown) => logger.error({ err: (error as Error).message, event: event.type }, 'could not store a Whatspie event'));
    },
    respond(message, receivedAt) {
      // Keyed like the store: the same id from another sender is another message, never a shared answer.
      const key = `${message.from}\u0000${message.messageId}`;
      const running = inFlight.get(key);
      if (running) return running.then((answer) => ({ ...answer, outcome: 'duplicate' as const }));
      const answer = handle(message, receivedAt)
        .catch((error: unknown): Answer => {
          const err = error instanceof Error ? error.message : String(error);
          const code = (error as { code?: string }).code;
          logger.error({ err, code, messageId: message.messageId }, isDatabaseError(error) ? 'database error; sending the fallback' : 'could not handle message; sending the fallback');
          // The database may be what failed: the language is told from this message alone.
          const words = message.content.kind === 'text' ? message.content.text : 'caption' in message.content ? (message.content.caption ?? '') : '';
          const fallback = fallbackDecision(deps.prompts, 'internal_error', null, null, deps.prompts.languageOf([words]));
          return { reply: toWebhookReply(fallback.messages), outcome: 'fallback', fallbackReason: 'internal_error', llmLatencyMs: null };
        })
        .finally(() => inFlight.delete(key));
      inFlight.set(key, answer);
      return answer;
    },
  };
}
