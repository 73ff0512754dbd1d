// How `transcripts reply` and `resend` deliver what they queued: here and now, so that they work without the server,
// saying each try that did not go through as it happens (an unreachable Whatspie is visible at once, not after the
// whole wait); a running server that took the message first is waited for just as long.
import { startOutboxWorker } from '../delivery/outbox-worker.js';
import type { WhatspieApi } from '../delivery/whatspie-client.js';
import { silentLogger } from '../logger.js';
import type { Outbox } from '../store/outbox.js';
import { cell } from './terminal-text.js';

/** How long the tools try to deliver before leaving the message to the server's retries. */
export const DELIVER_WAIT_MS = 20_000;

const onItsWay = (state: string) => state === 'pending' || state === 'sending';

/** Delivers what was just queued and returns where it stands then, as `read` tells it. */
export async function deliverNow<T extends { state: string }>(outbox: Outbox, api: WhatspieApi, out: (text: string) => void, read: () => Promise<T>): Promise<T> {
  const progress = sayingEachTry(api, out);
  const worker = startOutboxWorker({ outbox, api: progress.api, logger: silentLogger, pollMs: 200 });
  const started = Date.now();
  await worker.drain(DELIVER_WAIT_MS);
  worker.stop();
  let now = await read();
  if (onItsWay(now.state) && progress.tries() === 0) out('  a running server took it; waiting for its answer…');
  // A running server (any instance) may have taken it first: wait for its answer as long as we would have.
  while (onItsWay(now.state) && Date.now() - started < DELIVER_WAIT_MS) {
    await new Promise((resolve) => setTimeout(resolve, 200));
    now = await read();
  }
  return now;
}

/** The same API, telling `out` about every try that failed and will be tried again; `tries` counts them all. */
export function sayingEachTry(api: WhatspieApi, out: (text: string) => void): { api: WhatspieApi; tries: () => number } {
  let tries = 0;
  return {
    tries: () => tries,
    api: {
      async send(receiver, message) {
        tries += 1;
        const result = await api.send(receiver, message);
        // A refusal for good is the final line's to tell; a success needs no line of its own.
        if (result.outcome === 'retry') out(`  try ${tries} did not go through: ${cell(result.reason, 200)}; trying again…`);
        return result;
      },
    },
  };
}

/** Where the API is, for the operator: the host only (a URL may carry credentials). */
export function apiHost(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return 'its configured address';
  }
}
