// The console's guards: who is signed in (requireOperator), and that a request that changes something comes from the
// console's own pages (sameOriginOnly). Every console route but the sign-in page sits behind both.
import type { Context, MiddlewareHandler } from 'hono';
import { deleteCookie, getCookie, setCookie } from 'hono/cookie';
import { getConnInfo } from '@hono/node-server/conninfo';
import { jsonError } from '../http/errors.js';
import type { AccountStore, Operator } from '../store/operators.js';
import { operatorOfSession, SESSION_IDLE_MS } from './accounts.js';

declare module 'hono' {
  interface ContextVariableMap {
    /** The signed-in operator, set by requireOperator. */
    operator: Operator;
  }
}

/** What the console's sign-in and guards need. */
export interface ConsoleAuthDeps {
  accounts: AccountStore;
  now: () => number;
  /** PUBLIC_URL: the server's own origin, and whether the cookie is Secure (https). */
  publicUrl?: string | undefined;
}

export const SESSION_COOKIE = 'console_session';
export const CONSOLE_PATH = '/console';
export const LOGIN_PATH = '/console/login';

/** The session cookie: never readable by scripts, not sent along cross-site requests, only to the console. */
export function setSessionCookie(c: Context, deps: ConsoleAuthDeps, sessionId: string): void {
  setCookie(c, SESSION_COOKIE, sessionId, {
    httpOnly: true,
    sameSite: 'Lax',
    secure: isHttps(deps.publicUrl),
    path: CONSOLE_PATH,
    maxAge: SESSION_IDLE_MS / 1000,
  });
}

export function clearSessionCookie(c: Context, deps: ConsoleAuthDeps): void {
  deleteCookie(c, SESSION_COOKIE, { path: CONSOLE_PATH, secure: isHttps(deps.publicUrl) });
}

export const sessionIdOf = (c: Context): string | undefined => getCookie(c, SESSION_COOKIE) || undefined;

const isHttps = (publicUrl: string | undefined) => publicUrl?.startsWith('https:') ?? false;

/**
 * Where to go after signing in: only a path of the console itself, so that the sign-in page cannot be made to send
 * an operator to another site ("//evil.example", "/\\evil.example", "https://…" are all refused).
 */
export function safeNext(next: string | undefined | null): string {
  if (!next || next.length > 2000) return CONSOLE_PATH;
  if (!/^\/console(?:[/?#]|$)/.test(next) || /[\\\u0000-\u001f]/.test(next) || next.startsWith('//')) return CONSOLE_PATH;
  return next;
}

/**
 * Lets a request through with `c.get('operator')` set when its session is live (and keeps the session alive);
 * otherwise a page request goes to the sign-in page, which brings the operator back here, and anything else gets 401.
 */
export function requireOperator(deps: ConsoleAuthDeps): MiddlewareHandler {
  return async (c, next) => {
    const sessionId = sessionIdOf(c);
    const operator = sessionId ? await operatorOfSession(deps.accounts, sessionId, deps.now()) : null;
    if (!operator) {
      if (sessionId) clearSessionCookie(c, deps);
      if (c.req.method === 'GET' || c.req.method === 'HEAD') {
        const url = new URL(c.req.url);
        return c.redirect(`${LOGIN_PATH}?next=${encodeURIComponent(safeNext(url.pathname + url.search))}`, 303);
      }
      return jsonError(c, 401, 'unauthorized', 'sign in first: the session is missing, ended or expired');
    }
    c.set('operator', operator);
    await next();
  };
}

/**
 * Refuses a request that changes something unless the browser says it comes from this server's own pages: its Origin
 * (or, without one, its Referer) must be the server's origin: PUBLIC_URL when set, else the Host it was asked for.
 * SameSite cookies alone are not enough (a sibling subdomain is "same site"; old browsers ignore SameSite).
 */
export function sameOriginOnly(deps: Pick<ConsoleAuthDeps, 'publicUrl'>): MiddlewareHandler {
  return async (c, next) => {
    if (c.req.method === 'GET' || c.req.method === 'HEAD' || c.req.method === 'OPTIONS') return next();
    const claimed = originOf(c.req.header('origin')) ?? originOf(c.req.header('referer'));
    if (!claimed || !isOwnOrigin(claimed, c, deps.publicUrl)) {
      return jsonError(c, 403, 'forbidden', 'refused: this request did not come from the console’s own pages');
    }
    await next();
  };
}

function originOf(header: string | undefined): URL | null {
  if (!header || header === 'null') return null;
  try {
    return new URL(header);
  } catch {
    return null;
  }
}

function isOwnOrigin(claimed: URL, c: Context, publicUrl: string | undefined): boolean {
  if (publicUrl) return claimed.origin === new URL(publicUrl).origin;
  // Without PUBLIC_URL the scheme in front of a proxy is not known; the host (with its port) must be the one asked for.
  const host = c.req.header('host');
  return host !== undefined && (claimed.protocol === 'http:' || claimed.protocol === 'https:') && claimed.host === host.toLowerCase();
}

/**
 * The address a sign-in comes from, for the throttle. A request passed on by a proxy on this machine (the peer is a
 * loopback address) is counted under the last address its X-Forwarded-For names, the one that proxy saw; any other
 * peer's X-Forwarded-For is ignored, since a client can write anything there.
 */
export function clientAddress(c: Context): string {
  let peer: string | undefined;
  try {
    peer = getConnInfo(c).remote.address;
  } catch {
    // Not behind node's server (app.request() in a test): no peer to count.
  }
  if (peer && isLoopback(peer)) {
    const forwarded = c.req.header('x-forwarded-for')?.split(',').map((part) => part.trim()).filter(Boolean).at(-1);
    if (forwarded && forwarded.length <= 64) return forwarded;
  }
  return peer ?? 'unknown';
}

const isLoopback = (address: string) => address === '::1' || address.startsWith('127.') || address.startsWith('::ffff:127.');
