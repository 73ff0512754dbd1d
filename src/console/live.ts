// Live updates for open consoles: one poll of the database's change mark per instance (store/console-reads.ts
// changeMark), however many consoles are open, pushed to each as a server-sent event. The mark is read from the
// database, so a message stored by another instance on the same PostgreSQL database shows as soon as one stored here:
// no instance keeps anything in memory that another needs. On SQLite the same poll is a read of one local file.
import type { Context } from 'hono';
import { streamSSE } from 'hono/streaming';
import type { Logger } from '../logger.js';

export interface LiveUpdates {
  /**
   * Calls `listener` whenever the mark differs from the last one it saw, until the returned function is called.
   * `since`: the mark the console's page was rendered at, so that a change between the page and this subscription is
   * not missed (the first poll tells it); without one, the first poll only sets what it has seen.
   */
  subscribe(listener: (mark: string) => void, since?: string): () => void;
  /** How many consoles listen (for tests and the bench). */
  readonly listeners: number;
}

export function createLiveUpdates(deps: { changeMark: () => Promise<string>; pollMs: number; logger: Logger }): LiveUpdates {
  const listeners = new Map<(mark: string) => void, { seen: string | undefined }>();
  let timer: NodeJS.Timeout | undefined;

  async function poll() {
    try {
      const mark = await deps.changeMark();
      for (const [listener, state] of listeners) {
        const changed = state.seen !== undefined && state.seen !== mark;
        state.seen = mark;
        if (changed) listener(mark);
      }
    } catch (error) {
      deps.logger.warn({ err: (error as Error).message }, 'console live updates: could not read the change mark');
    }
    if (listeners.size > 0) timer = setTimeout(poll, deps.pollMs);
    else timer = undefined;
  }

  return {
    subscribe(listener, since) {
      listeners.set(listener, { seen: since });
      if (!timer) timer = setTimeout(poll, 0);
      return () => {
        listeners.delete(listener);
        if (listeners.size === 0 && timer) {
          clearTimeout(timer);
          timer = undefined;
        }
      };
    },
    get listeners() {
      return listeners.size;
    },
  };
}

/** GET /console/live: a stream of "change" events, with a comment every 20 s so that proxies keep it open. */
export function liveStream(c: Context, live: LiveUpdates) {
  return streamSSE(c, async (stream) => {
    let wake: (() => void) | undefined;
    const pending: string[] = [];
    const since = c.req.query('since');
    const unsubscribe = live.subscribe(
      (mark) => {
        pending.push(mark);
        wake?.();
      },
      since && since.length <= 200 ? since : undefined,
    );
    stream.onAbort(() => {
      unsubscribe();
      wake?.();
    });
    await stream.writeSSE({ event: 'ready', data: 'ok' });
    try {
      while (!stream.aborted && !stream.closed) {
        let keepAlive: NodeJS.Timeout | undefined;
        await new Promise<void>((resolve) => {
          wake = resolve;
          keepAlive = setTimeout(resolve, 20_000);
        });
        // A change woke it: the keep-alive timer goes, or every change would leave one behind for 20 s.
        clearTimeout(keepAlive);
        wake = undefined;
        if (stream.aborted || stream.closed) break;
        if (pending.length > 0) {
          const mark = pending[pending.length - 1]!;
          pending.length = 0;
          await stream.writeSSE({ event: 'change', data: mark });
        } else await stream.write(': still here\n\n');
      }
    } finally {
      unsubscribe();
    }
  });
}
