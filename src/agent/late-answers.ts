// Answers that outlive the webhook's window: followed until the model is done (or gives up), then written to the
// outbox, which sends them through Whatspie's API. A newer message from the same customer supersedes an answer still
// being worked on: it is answered with both messages in view, as a burst is.
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
}

export interface LateAnswerDeps {
  outbox: Outbox;
  /** Settles the contact's late answers still being worked on, wherever; their inbound messages' ids. */
  supersedeAll(contactId: number): Promise<number[]>;
  /** Claims the right to settle an inbound message's late answer (false: someone else already did). */
  settle(inboundId: number): Promise<boolean>;
  worker: OutboxWorker | null;
  logger: Logger;
  now: () => number;
  /** Checked when the answer is ready: a late answer never talks over a human who took the conversation meanwhile. */
  waitingForHuman(contactId: number): Promise<boolean>;
  startHandoff(contactId: number, reason: string): Promise<void>;
  /** Records a deliberate silence (why a late answer was not sent) in the transcript. */
  recordSilence(inbound: Pick<StoredMessage, 'id' | 'contactId'>, note: string): Promise<unknown>;
  /** Whether Whatspie would accept the messages; otherwise the fallback goes instead. */
  acceptable(decision: Decision): boolean;
  fallback(decision: Decision): Decision;
}

const SUPERSEDED = 'late answer given up: a newer message came, and was answered with this one in view';

export function createLateAnswers(deps: LateAnswerDeps): LateAnswers {
  const { outbox, logger } = deps;
  const working = new Map<number, { inboundId: number; superseded: boolean; abort(): void }>();

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

  async function settle(inbound: StoredMessage, late: LateAnswer, state: { superseded: boolean }) {
    const decision = await late.decision;
    if (working.get(inbound.contactId)?.inboundId === inbound.id) working.delete(inbound.contactId);
    // Taken over by the sweep (this process was thought dead): the customer already got the fallback.
    if (!(await deps.settle(inbound.id))) return;
    if (state.superseded) {
      await deps.recordSilence(inbound, SUPERSEDED);
      return;
    }
    if (await deps.waitingForHuman(inbound.contactId)) {
      await deps.recordSilence(inbound, 'late answer not sent: a human has the conversation');
      return;
    }
    if (decision.handoffReason) await deps.startHandoff(inbound.contactId, decision.handoffReason);
    await queue(inbound, decision);
    logger.info({ inboundId: inbound.id, outcome: decision.outcome, fallbackReason: decision.fallback, llmLatencyMs: decision.llmLatencyMs }, 'late answer queued for the Whatspie API');
  }

  return {
    follow(inbound, late) {
      const state = { inboundId: inbound.id, superseded: false, abort: late.abort };
      working.set(inbound.contactId, state);
      void settle(inbound, late, state).catch((error: unknown) => logger.error({ err: (error as Error).message, inboundId: inbound.id }, 'could not queue a late answer'));
    },
    async supersede(contactId) {
      const state = working.get(contactId);
      if (state) {
        working.delete(contactId);
        state.superseded = true;
        state.abort();
      }
      // Settled here, in the database, so that an instance working on one of them never sends it: its settle fails.
      for (const inboundId of await deps.supersedeAll(contactId)) {
        await deps.recordSilence({ id: inboundId, contactId }, SUPERSEDED);
      }
    },
    queue,
  };
}
