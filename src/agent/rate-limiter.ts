// The per-customer rate limit over a sliding minute, decided from what the database holds (so it is the same on
// every instance and survives a restart): the messages the customer sent in the minute up to this one.

export type RateVerdict = 'allowed' | 'notice' | 'silent';

export const RATE_WINDOW_MS = 60_000;

/**
 * How many of the customer's latest rows to look at: enough to hold `perMinute + 2` messages with their replies (a
 * reply, and a late answer), so that the count is exact up to the point where the verdict no longer changes.
 */
export const rowsToScan = (perMinute: number) => 3 * (perMinute + 2);

/** `sent`: messages in the window, this one included. The first one over the limit gets a notice, later ones silence. */
export function rateVerdict(sent: number, perMinute: number): RateVerdict {
  if (perMinute <= 0 || sent <= perMinute) return 'allowed';
  return sent === perMinute + 1 ? 'notice' : 'silent';
}
