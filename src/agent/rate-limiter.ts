// Per-sender message rate limit over a sliding minute, in memory (a restart forgives everyone).

export type RateVerdict = 'allowed' | 'notice' | 'silent';

export interface RateLimiter {
  /** Counts a message from `sender` at `at`: allowed, the first one over the limit (gets a notice), or silent. */
  check(sender: string, at: number): RateVerdict;
}

const WINDOW_MS = 60_000;

export function createRateLimiter(perMinute: number): RateLimiter {
  // Only the last `perMinute` arrival times per sender are kept: enough to know if the window is full.
  const senders = new Map<string, { times: number[]; noticeSent: boolean }>();
  let checks = 0;

  function sweep(at: number) {
    for (const [sender, state] of senders) if (at - state.times.at(-1)! > WINDOW_MS) senders.delete(sender);
  }

  return {
    check(sender, at) {
      if (perMinute <= 0) return 'allowed';
      if (++checks % 1000 === 0) sweep(at);
      const state = senders.get(sender) ?? { times: [], noticeSent: false };
      senders.set(sender, state);
      const full = state.times.length >= perMinute && at - state.times[0]! < WINDOW_MS;
      state.times.push(at);
      if (state.times.length > perMinute) state.times.shift();
      if (!full) {
        state.noticeSent = false;
        return 'allowed';
      }
      if (state.noticeSent) return 'silent';
      state.noticeSent = true;
      return 'notice';
    },
  };
}
