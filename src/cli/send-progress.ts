// What `transcripts reply` says while it sends: each try that did not go through, as it happens, so that an
// unreachable Whatspie is visible at once instead of after the whole wait.
import type { WhatspieApi } from '../delivery/whatspie-client.js';
import { cell } from './terminal-text.js';

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
