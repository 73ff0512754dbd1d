// Answers that outlive the webhook's window: followed until the model is done (or gives up), then written to the
// outbox, which sends them through Whatspie's API. A newer message from the same customer supersedes an answer still
// being worked on: it is answered with both messages in view, as a burst is. A shutdown waits a bounded time for the
// answers being worked on, then hands the rest on: they stay owed in the database, and the next server (or another
// instance) works them again from the stored messages.
import type { OutboxWorker } from '../delivery/outbox-worker.js';
import type { Logger } from '../logger.js';
import type { Outbox } from '../store/outbox.js';
import type { StoredMessage } from '../store/conversation-store.js';
import type { OutgoingMessage } from '../whatspie/reply.js';
import type { Decision, LateAnswer } from './decide.js';
import { describeReply } from './describe.js';
import { replyRecord } from './reply-record.js';

export interface LateAnswers {
  /** Follows the late answer to an inbound message. */
  follow(inbound: StoredMessage, late: LateAnswer): void;
  /** A newer message from this contact is answered: give up any answer still being worked on for it, on any instance. */
  supersede(contactId: number): Promise<void>;
  /** Queues a decision's messages behind what the contact is still owed; returns the transcript row's id. */
  queue(inbound: StoredMessage, decision: Decision): Promise<number | null>;
  /**
   * For a shutdown: waits until `by` (or until `hurry` aborts) for the answers being worked on to be queued, then gives
   * up the rest without settling them, so that they stay owed, and lets go of them; their inbound messages' ids.
   * Answers that come to be followed afterwards are handed on at once.
   */
  finish(by: number, hurry?: AbortSignal): Promise<number[]>;
  /** Resolves once no answer is being followed (`npm run eval` waits for a message's late answer before the next turn). */
  idle(): Promise<void>;
}

export interface LateAnswerDeps {
  outbox: Outbox;
  /** Settles the contact's late answers still being worked on, wherever; their inbound messages' ids. */
  supersedeAll(contactId: number): Promise<number[]>;
  /** Claims the right to settle an inbound message's late answer (false: someone else already did). */
  settle(inboundId: number): Promise<boolean>;
  /** Tells other instances that this one works on the answer until `until` (see ConversationStore.holdLateAnswer). */
  hold(inboundId: number, until: number): Promise<void>;
  /** Lets go of answers handed on, so that another instance may take them at once. */
  release(inboundIds: number[]): Promise<void>;
  /** How long an answer is held: as long as it may take (LATE_ANSWER_SECONDS), with room to queue it. */
  holdMs: number;
  worker: OutboxWorker | null;
  logger: Logger;
  now: () => number;
  /** Checked when the answer is ready: a late answer never talks over a human who took the conversation meanwhile. */
  waitingForHuman(contactId: number): Promise<boolean>;
  startHandoff(contactId: number, handoff: NonNullable<Decision['handoff']>): Promise<void>;
  /** Records a deliberate silence (why a late answer was not sent) in the transcript. */
  recordSilence(inbound: Pick<StoredMessage, 'id' | 'contactId'>, note: string): Promise<unknown>;
  /** Whether Whatspie would accept the messages; otherwise the fallback goes instead. */
  acceptable(decision: Decision): boolean;
  fallback(decision: Decision): Decision;
}

const SUPERSEDED = 'late answer given up: a newer message came, and was answered with this one in view';

/** An answer being followed; `decided` once its decision is in (from then on it is queued, or deliberately not). */
interface Work {
  inbound: StoredMessage;
  superseded: boolean;
  handedOn: boolean;
  decided: boolean;
  abort(): void;
}

export function createLateAnswers(deps: LateAnswerDeps): LateAnswers {
  const { outbox, logger } = deps;
  const working = new Map<number, Work>();
  /** Every answer followed and not yet done with, and the promise that ends with it. */
  const following = new Map<Work, Promise<void>>();
  let handingOn = false;

  async function queue(inbound: StoredMessage, proposed: Decision): Promise<number | null> {
    const decision = deps.acceptable(proposed) ? proposed : deps.fallback(proposed);
    // Whatspie's API has no call for a reaction: it is dropped, and the transcript says so.
    const reactions = decision.messages.filter((m) => m.kind === 'reaction');
    const messages: OutgoingMessage[] = decision.messages.filter((m) => m.kind !== 'reaction');
    if (reactions.length > 0) logger.warn({ dropped: reactions.length }, "a reaction cannot be sent through Whatspie's API; dropped");
    if (messages.length === 0) {
      await deps.recordSilence(inbound, reactions.length > 0 ? 'late answer was only a reaction, which the API cannot send' : 'late answer had nothing to send');
      return null;
    }
    const record = replyRecord({ contactId: inbound.contactId, inReplyTo: inbound.id }, messages, decision);
    if (reactions.length > 0) record.text += `\n[${reactions.map(describeReply).join(', ')}: not sent, the API cannot send reactions]`;
    const id = await outbox.enqueue({ record, messages, at: deps.now() });
    deps.worker?.kick();
    return id;
  }

  async function settle(inbound: StoredMessage, late: LateAnswer, work: Work) {
    let decision: Decision;
    try {
      decision = await late.decision;
    } catch (error) {
      // Given up on purpose: how the abort ended the work does not matter.
      if (work.handedOn || work.superseded) return;
      throw error;
    }
    if (working.get(inbound.contactId) === work) working.delete(inbound.contactId);
    // Handed on (the server is stopping): left owed in the database, for the next server to work again.
    if (work.handedOn) return;
    work.decided = true;
    // Taken over by another (this process was thought dead): the customer gets that one's answer.
    if (!(await deps.settle(inbound.id))) return;
    if (work.superseded) {
      await deps.recordSilence(inbound, SUPERSEDED);
      return;
    }
    if (await deps.waitingForHuman(inbound.contactId)) {
      await deps.recordSilence(inbound, 'late answer not sent: a human has the conversation');
      return;
    }
    if (decision.handoff) await deps.startHandoff(inbound.contactId, decision.handoff);
    await queue(inbound, decision);
    logger.info({ inboundId: inbound.id, outcome: decision.outcome, fallbackReason: decision.fallback, llmLatencyMs: decision.llmLatencyMs }, 'late answer queued for the Whatspie API');
  }

  /** Gives up the answers not decided yet, leaves them owed, and lets go of them; their inbound messages' ids. */
  async function handOn(): Promise<number[]> {
    const works = [...following.keys()].filter((work) => !work.decided && !work.handedOn && !work.superseded);
    if (works.length === 0) return [];
    for (const work of works) {
      work.handedOn = true;
      work.abort();
      if (working.get(work.inbound.contactId) === work) working.delete(work.inbound.contactId);
    }
    const inboundIds = works.map((work) => work.inbound.id);
    // Ids and counts only: what the customers wrote stays out of the log.
    logger.warn(
      { handedOn: inboundIds.length, contacts: new Set(works.map((work) => work.inbound.contactId)).size, inboundIds },
      'stopping before these late answers were ready: handed on, to be worked again from the stored messages by the next server to start (or another instance)',
    );
    await deps.release(inboundIds);
    return inboundIds;
  }

  return {
    follow(inbound, late) {
      const work: Work = { inbound, superseded: false, handedOn: false, decided: false, abort: late.abort };
      working.set(inbound.contactId, work);
      deps.hold(inbound.id, deps.now() + deps.holdMs).catch((error: unknown) => logger.warn({ err: (error as Error).message, inboundId: inbound.id }, 'could not mark a late answer as being worked on'));
      const done = settle(inbound, late, work)
        .catch((error: unknown) => logger.error({ err: (error as Error).message, inboundId: inbound.id }, 'could not queue a late answer'))
        .finally(() => following.delete(work));
      following.set(work, done);
      // Begun while the server stops (a request in flight went late): handed on at once.
      if (handingOn) void handOn().catch((error: unknown) => logger.error({ err: (error as Error).message }, 'could not hand on a late answer'));
    },
    async supersede(contactId) {
      const work = working.get(contactId);
      if (work) {
        working.delete(contactId);
        work.superseded = true;
        work.abort();
      }
      // Settled here, in the database, so that an instance working on one of them never sends it: its settle fails.
      for (const inboundId of await deps.supersedeAll(contactId)) {
        await deps.recordSilence({ id: inboundId, contactId }, SUPERSEDED);
      }
    },
    queue,
    async idle() {
      while (following.size > 0) await Promise.allSettled(following.values());
    },
    async finish(by, hurry) {
      const waiting = [...following.keys()].filter((work) => !work.decided).length;
      if (waiting > 0) logger.info({ lateAnswers: waiting, waitMs: Math.max(0, by - deps.now()) }, 'waiting for late answers still being worked on');
      await settled(by, hurry);
      handingOn = true;
      const handedOn = await handOn();
      if (waiting > 0 && handedOn.length === 0) logger.info('late answers done before stopping');
      // Those handed on end as soon as their requests are aborted; one being queued gets a moment more.
      await settled(Math.max(by, deps.now()) + 1000, hurry);
      return handedOn;
    },
  };

  /** Resolves once no answer is being followed, or at `by`, or when `hurry` aborts, whichever comes first. */
  async function settled(by: number, hurry?: AbortSignal) {
    let timer: NodeJS.Timeout | undefined;
    let over = false;
    const timeUp = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, Math.max(0, by - deps.now()));
      if (hurry?.aborted) resolve();
      hurry?.addEventListener('abort', () => resolve(), { once: true });
    }).then(() => {
      over = true;
    });
    while (following.size > 0 && !over) await Promise.race([Promise.allSettled(following.values()), timeUp]);
    clearTimeout(timer);
  }
}
