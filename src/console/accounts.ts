// Signing in and sessions, below the routes: the throttle on wrong passwords, the session ids and their hashes.
// Everything lives in the database (store/operators.ts), so that every instance accepts a session and counts the
// same wrong passwords.
import { createHash, randomBytes } from 'node:crypto';
import type { AccountStore, Operator } from '../store/operators.js';
import { decoyHash, verifyPassword } from './password.js';

/** A session ends after a day without a request. */
export const SESSION_IDLE_MS = 24 * 3_600_000;

/**
 * The throttle: within any 15 minutes, at most 5 wrong passwords for one account and 20 from one address; beyond that,
 * sign-ins to that account (or from that address) are refused, whatever the password, until the oldest of those
 * wrong passwords is 15 minutes old. A correct sign-in forgets the account's wrong passwords.
 */
export const THROTTLE = { windowMs: 15 * 60_000, perAccount: 5, perAddress: 20 } as const;

export type SignInOutcome =
  | { outcome: 'signed-in'; operator: Operator; sessionId: string }
  | { outcome: 'wrong' }
  | { outcome: 'throttled'; retryAfterMs: number };

const accountKey = (name: string) => `account:${name}`;
const addressKey = (address: string) => `address:${address}`;

/** What the database keeps of a session id: its hash, so that a copy of the database gives no live cookie. */
export const sessionIdHash = (sessionId: string) => createHash('sha256').update(sessionId).digest('hex');

export async function signIn(
  accounts: AccountStore,
  input: { name: string; password: string; address: string; now: number },
): Promise<SignInOutcome> {
  const { name, password, address, now } = input;
  const keys = [accountKey(name), addressKey(address)];
  const since = now - THROTTLE.windowMs;
  const failures = await accounts.failuresSince({ keys, since });
  if ((failures.get(keys[0]!) ?? 0) >= THROTTLE.perAccount || (failures.get(keys[1]!) ?? 0) >= THROTTLE.perAddress) {
    // Not exact to the second (the oldest failure is not read); a window's length is the honest upper bound.
    return { outcome: 'throttled', retryAfterMs: THROTTLE.windowMs };
  }
  const account = await accounts.byName(name);
  const matches = await verifyPassword(password, account?.passwordHash ?? (await decoyHash()));
  if (!account || !matches) {
    await accounts.recordFailure({ keys, at: now, forgetBefore: since });
    return { outcome: 'wrong' };
  }
  await accounts.clearFailures(keys[0]!);
  const sessionId = randomBytes(32).toString('base64url');
  await accounts.createSession({ idHash: sessionIdHash(sessionId), operatorId: account.id, at: now });
  return { outcome: 'signed-in', operator: { id: account.id, name: account.name }, sessionId };
}

/**
 * How stale a session's last-use mark may get before a request writes it again: a day's idle limit needs no finer
 * mark, and an open console (live updates, a page every few seconds) then writes once a minute, not every request.
 */
const TOUCH_EVERY_MS = 60_000;

/** The operator of a live session (and it counts as used now); null when it does not exist, ended or lapsed. */
export function operatorOfSession(accounts: AccountStore, sessionId: string, now: number): Promise<Operator | null> {
  return accounts.useSession({ idHash: sessionIdHash(sessionId), now, idleSince: now - SESSION_IDLE_MS, touchBefore: now - TOUCH_EVERY_MS });
}

export function endSession(accounts: AccountStore, sessionId: string): Promise<void> {
  return accounts.endSession(sessionIdHash(sessionId));
}
