// GET and POST /console/login (the sign-in page and its form), POST /console/logout. The page is plain HTML: no
// script, nothing loaded from elsewhere (the console's CSP forbids inline script).
import { Hono } from 'hono';
import type { Child } from 'hono/jsx';
import { bodyLimit } from 'hono/body-limit';
import { html } from 'hono/html';
import type { Logger } from '../logger.js';
import { endSession, operatorOfSession, signIn, THROTTLE } from './accounts.js';
import { MAX_NAME_CHARS } from './operator-name.js';
import { MAX_PASSWORD_CHARS } from './password.js';
import { clearSessionCookie, clientAddress, LOGIN_PATH, safeNext, sameOriginOnly, sessionIdOf, setSessionCookie, type ConsoleAuthDeps } from './session.js';
import { text } from './text.js';

export interface SignInDeps extends ConsoleAuthDeps {
  logger: Logger;
  /**
   * Wraps the sign-in page's body in the console's shared layout (its stylesheet); by default a bare page.
   * The console's layout passes its own.
   */
  layout?: (input: { title: string; body: Child }) => Child;
}

const bareLayout = ({ title, body }: { title: string; body: Child }) => (
  <html lang="en">
    <head>
      <meta charset="utf-8" />
      <meta name="viewport" content="width=device-width, initial-scale=1" />
      <title>{title}</title>
    </head>
    <body>{body}</body>
  </html>
);

function SignInForm(props: { next: string; name?: string; message?: string | undefined; noOperators?: boolean }) {
  return (
    <main class="sign-in">
      <h1>{text.signInTitle}</h1>
      {props.message && <p role="alert" class="error">{props.message}</p>}
      {props.noOperators && <p class="notice">{text.noOperatorsYet}</p>}
      <form method="post" action={LOGIN_PATH}>
        <input type="hidden" name="next" value={props.next} />
        <p>
          <label for="username">{text.username}</label>
          <input id="username" name="username" type="text" autocomplete="username" required maxlength={MAX_NAME_CHARS} value={props.name ?? ''} autofocus />
        </p>
        <p>
          <label for="password">{text.password}</label>
          <input id="password" name="password" type="password" autocomplete="current-password" required maxlength={MAX_PASSWORD_CHARS} />
        </p>
        <button type="submit">{text.signIn}</button>
      </form>
    </main>
  );
}

/** The sign-in routes, to mount at the root (they carry their /console paths). */
export function signInRoutes(deps: SignInDeps) {
  const layout = deps.layout ?? bareLayout;
  const page = (props: Parameters<typeof SignInForm>[0]) => html`<!doctype html>${layout({ title: text.signInTitle, body: <SignInForm {...props} /> })}`;
  const app = new Hono();
  app.use('/console/*', sameOriginOnly(deps));

  app.get(LOGIN_PATH, async (c) => {
    const noOperators = (await deps.accounts.count()) === 0;
    return c.html(page({ next: safeNext(c.req.query('next')), noOperators }));
  });

  // A sign-in form is a few hundred bytes; nothing larger is read into memory.
  const small = bodyLimit({ maxSize: 16 * 1024, onError: (c) => c.text('The form is too large.', 413) });

  app.post(LOGIN_PATH, small, async (c) => {
    const form = await c.req.parseBody().catch(() => ({}) as Record<string, unknown>);
    const field = (key: string) => (typeof form[key] === 'string' ? (form[key] as string) : '');
    const next = safeNext(field('next'));
    const name = field('username').slice(0, MAX_NAME_CHARS * 4);
    const password = field('password');
    if (!name || !password) return c.html(page({ next, name, message: text.missingFields }), 400);
    const now = deps.now();
    const result = await signIn(deps.accounts, { name, password: password.slice(0, MAX_PASSWORD_CHARS + 1), address: clientAddress(c), now });
    if (result.outcome === 'throttled') {
      c.header('Retry-After', String(Math.ceil(result.retryAfterMs / 1000)));
      deps.logger.warn({ address: clientAddress(c) }, 'console sign-in refused: too many wrong passwords');
      return c.html(page({ next, name, message: text.throttled(Math.ceil(THROTTLE.windowMs / 60_000)) }), 429);
    }
    if (result.outcome === 'wrong') {
      deps.logger.info({ address: clientAddress(c) }, 'console sign-in: wrong username or password');
      return c.html(page({ next, name, message: text.wrongPassword }), 401);
    }
    await deps.accounts.audit({ at: now, operator: result.operator.name, action: 'sign in', contactId: null, detail: null });
    setSessionCookie(c, deps, result.sessionId);
    return c.redirect(next, 303);
  });

  app.post('/console/logout', async (c) => {
    const sessionId = sessionIdOf(c);
    if (sessionId) {
      const now = deps.now();
      const operator = await operatorOfSession(deps.accounts, sessionId, now);
      await endSession(deps.accounts, sessionId);
      if (operator) await deps.accounts.audit({ at: now, operator: operator.name, action: 'sign out', contactId: null, detail: null });
    }
    clearSessionCookie(c, deps);
    return c.redirect(LOGIN_PATH, 303);
  });

  return app;
}
