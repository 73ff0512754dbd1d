// RETENTION_DAYS: the server deletes messages, events and kept files older than that, a small batch at a time so that
// the webhook never waits behind it (each batch is one short transaction; the event loop runs between two), a first
// pass soon after the start and then every hour. On PostgreSQL one instance deletes at a time (an advisory lock,
// see data-care.ts). A conversation waiting for a human (a handoff or pause still in force) is never cut, nor its
// files; nor a message whose late answer or send is still under way.
import { setImmediate as nextTurn } from 'node:timers/promises';
import { handoffCutoff } from '../agent/handoff-rule.js';
import type { Logger } from '../logger.js';
import type { Storage } from '../store/storage.js';
import { deleteKeptFiles } from './kept-files.js';

const DAY_MS = 86_400_000;

export interface RetentionSettings {
  storage: Storage;
  /** RETENTION_DAYS. */
  days: number;
  /** HANDOFF_HOURS: how long a handoff stays in force. */
  handoffHours: number;
  logger: Logger;
  now: () => number;
  /** Messages per batch (small: a batch holds the database for its few milliseconds). */
  batchSize?: number;
  /** Ends the pass after the batch under way (a shutdown). */
  signal?: AbortSignal;
}

export interface PassResult {
  /** Another instance was running a pass: this one did nothing. */
  skipped: boolean;
  messages: number;
  events: number;
  contacts: number;
  files: number;
}

/** Deletes everything older than RETENTION_DAYS, batch after batch, until nothing is left to delete. */
export async function retentionPass(settings: RetentionSettings): Promise<PassResult> {
  const { storage, logger } = settings;
  const limit = settings.batchSize ?? 500;
  const total = { skipped: false, messages: 0, events: 0, contacts: 0, files: 0 };
  for (;;) {
    const now = settings.now();
    const batch = await storage.data.retentionBatch({ before: now - settings.days * DAY_MS, handoffActiveAfter: handoffCutoff(now, settings.handoffHours), limit });
    // Another instance is deleting (PostgreSQL): the work is its own; this pass stops here.
    if (batch.skipped) {
      total.skipped = total.messages + total.events + total.contacts === 0;
      break;
    }
    const failed = await deleteKeptFiles(batch.files);
    if (failed.length > 0) logger.warn({ files: failed.length }, 'retention could not delete some kept files (see their permissions)');
    total.messages += batch.messages;
    total.events += batch.events;
    total.contacts += batch.contacts;
    total.files += batch.files.length - failed.length;
    if ((batch.messages < limit && batch.events < limit && batch.contacts < limit) || settings.signal?.aborted) break;
    // Whatever waits (a webhook request) runs before the next batch.
    await nextTurn();
  }
  if (total.messages > 0 || total.events > 0) await storage.data.recordRetention({ at: settings.now(), messages: total.messages });
  return total;
}

export interface RetentionSchedule {
  /** Stops the schedule; resolves once a pass under way has finished its batch. */
  stop(): Promise<void>;
}

/** Calls `run` after `ms` (unref'd: it never keeps the process alive); returns how to cancel it. Tests pass their own. */
export type Timer = (ms: number, run: () => void) => () => void;

const realTimer: Timer = (ms, run) => {
  const handle = setTimeout(run, ms).unref();
  return () => clearTimeout(handle);
};

/**
 * Runs a pass `firstAfterMs` after the start (default 30 s: the start's own work first), then `everyMs` after each
 * pass ends (default one hour). A pass that fails is logged and tried again at the next one.
 */
export function scheduleRetention(settings: RetentionSettings & { firstAfterMs?: number; everyMs?: number; timer?: Timer }): RetentionSchedule {
  const timer = settings.timer ?? realTimer;
  const stopping = new AbortController();
  let running: Promise<unknown> = Promise.resolve();
  const run = () => {
    running = retentionPass({ ...settings, signal: stopping.signal }).then(
      (done) => {
        if (done.messages + done.events + done.contacts > 0) {
          settings.logger.info({ messages: done.messages, events: done.events, contacts: done.contacts, files: done.files, days: settings.days }, 'retention deleted old data');
        }
      },
      (error: unknown) => settings.logger.error({ err: (error as Error).message }, 'retention pass failed; tried again at the next one'),
    );
    void running.then(() => {
      if (!stopping.signal.aborted) cancel = timer(settings.everyMs ?? 3_600_000, run);
    });
  };
  let cancel = timer(settings.firstAfterMs ?? 30_000, run);
  return {
    async stop() {
      stopping.abort();
      cancel();
      await running;
    },
  };
}
