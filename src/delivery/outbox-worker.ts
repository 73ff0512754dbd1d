// Works the outbox: takes due messages one customer at a time (several customers at once), sends them through
// Whatspie's API, and records what happened. A send that certainly did not reach Whatspie (no connection, a 429, a
// 5xx) is retried with backoff for a bounded time; any other refusal fails the message at once with Whatspie's
// reason. A send whose fate is unknown (the request went out and no answer came back, or the process sending it
// stopped) is never repeated: Whatspie has no idempotency key, and a blind resend is how a customer gets the same
// message five times. It is marked `unknown` for an operator to check and resend (`transcripts resend`). The
// customer's later messages still go: the unknown one has most likely arrived, and holding everything behind it
// until an operator looks would leave the customer with nothing.
import type { Logger } from '../logger.js';
import type { Outbox, OutboxItem } from '../store/outbox.js';
import type { WhatspieApi } from './whatspie-client.js';

export interface OutboxWorker {
  /** Looks for due messages now (after something was queued). */
  kick(): void;
  /** Sends everything due until nothing is left or `timeoutMs` passes; for the command-line tools. */
  drain(timeoutMs: number): Promise<void>;
  /** Stops taking new work; messages being sent finish on their own. */
  stop(): void;
}

export interface WorkerOptions {
  outbox: Outbox;
  api: WhatspieApi;
  logger: Logger;
  now?: () => number;
  /** How long a message is retried before it is failed for good (default 15 minutes). */
  retryForMs?: number;
  /**
   * How long a message being sent stays with this process (default 30 s; longer than the client's timeout). A lease
   * that runs out means the process died mid-send: the message becomes `unknown`, never pending again.
   */
  leaseMs?: number;
  /** Messages sent at once, to different customers (default 4; Whatspie suggests 1–2 a second). */
  concurrency?: number;
  /** How often due retries are looked for (default 1 s). */
  pollMs?: number;
}

/** What the log and the transcript say about a message whose sender stopped mid-send. */
export const LAPSED_LEASE_REASON = 'the process sending it stopped before recording an answer (its lease ran out)';

/** 1 s, 2 s, 4 s … at most a minute. */
const backoffMs = (attempts: number) => Math.min(60_000, 1000 * 2 ** Math.max(0, attempts - 1));

export function startOutboxWorker(options: WorkerOptions): OutboxWorker {
  const now = options.now ?? Date.now;
  const { outbox, api, logger } = options;
  const retryForMs = options.retryForMs ?? 15 * 60_000;
  const leaseMs = options.leaseMs ?? 30_000;
  const concurrency = options.concurrency ?? 4;
  let inFlight = 0;
  let stopped = false;
  let pumping = false;
  const idle: (() => void)[] = [];

  function warnUnknown(item: { id: number; phone: string; attempts: number }, reason: string) {
    logger.warn(
      { outboxId: item.id, to: item.phone, reason, attempts: item.attempts },
      `delivery unknown: the message may or may not have reached Whatspie; not sent again automatically (check with the customer; "npm run transcripts -- resend ${item.id}" sends it once more)`,
    );
  }

  async function deliver(item: OutboxItem) {
    const result = await api.send(item.phone, item.message);
    const at = now();
    if (result.outcome === 'sent') {
      await outbox.markSent({ id: item.id, whatspieId: result.whatspieId, at });
      logger.info({ outboxId: item.id, to: item.phone, kind: item.message.kind, whatspieId: result.whatspieId, attempts: item.attempts }, 'sent through the Whatspie API');
      return;
    }
    if (result.outcome === 'unknown') {
      await outbox.markUnknown({ id: item.id, reason: result.reason });
      warnUnknown({ id: item.id, phone: item.phone, attempts: item.attempts }, result.reason);
      return;
    }
    const next = at + backoffMs(item.attempts);
    if (result.outcome === 'retry' && next - item.createdAt < retryForMs) {
      await outbox.retryLater({ id: item.id, reason: result.reason, at: next });
      logger.warn({ outboxId: item.id, to: item.phone, reason: result.reason, attempts: item.attempts, retryInMs: next - at }, 'Whatspie API send failed; will retry');
      return;
    }
    const reason = result.outcome === 'retry' ? `gave up after ${item.attempts} attempts: ${result.reason}` : result.reason;
    await outbox.markFailed({ id: item.id, reason });
    logger.error({ outboxId: item.id, to: item.phone, reason }, 'Whatspie API send failed for good');
  }

  /** One look at the outbox: leases that ran out, then due messages up to the concurrency. */
  async function pass() {
    for (const lapsed of await outbox.lapseLeases({ now: now(), reason: LAPSED_LEASE_REASON })) warnUnknown(lapsed, LAPSED_LEASE_REASON);
    while (!stopped && inFlight < concurrency) {
      const item = await outbox.claimNext({ now: now(), leaseMs });
      if (!item) break;
      inFlight += 1;
      void deliver(item)
        .catch((error: unknown) => logger.error({ outboxId: item.id, err: (error as Error).message }, 'could not record a delivery'))
        .finally(() => {
          inFlight -= 1;
          if (inFlight === 0) while (idle.length > 0) idle.shift()!();
          void pump();
        });
    }
  }

  // A kick while a pass runs is not dropped: that pass may have looked before the new message was due (or written),
  // so another follows it.
  let again = false;
  async function pump() {
    if (pumping) {
      again = true;
      return;
    }
    pumping = true;
    try {
      do {
        again = false;
        await pass();
      } while (again && !stopped);
    } catch (error) {
      logger.error({ err: (error as Error).message }, 'could not read the outbox');
    } finally {
      pumping = false;
    }
  }

  const timer = setInterval(() => void pump(), options.pollMs ?? 1000);
  timer.unref();
  void pump();

  return {
    kick: () => void pump(),
    async drain(timeoutMs) {
      const until = now() + timeoutMs;
      while (now() < until) {
        await pump();
        if (inFlight > 0) {
          await new Promise<void>((resolve) => idle.push(resolve));
          continue;
        }
        const due = await outbox.nextDueAt();
        // A claim may have come back while nextDueAt ran: then `due` is our own lease, not work left for later.
        if (inFlight > 0) continue;
        if (due === null || due > until) return;
        if (due > now()) await new Promise((resolve) => setTimeout(resolve, Math.min(due - now(), until - now())));
      }
    },
    stop() {
      stopped = true;
      clearInterval(timer);
    },
  };
}
