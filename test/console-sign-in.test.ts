// Signing in to the console over real HTTP: the session cookie, wrong passwords and their throttle, signing out,
// a session's end after a day without use, cross-site requests, and sessions shared by instances on PostgreSQL.
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { serve } from '@hono/node-server';
import { Hono } from 'hono';
import { afterAll, describe, expect, it } from 'vitest';
import { hashPassword } from '../src/console/password.js';
import { requireOperator, sameOriginOnly } from '../src/console/session.js';
import { signInRoutes } from '../src/console/sign-in.js';
import { silentLogger, type Logger } from '../src/logger.js';
import { openPostgresStorage } from '../src/store/pg/storage.js';
import { openSqliteStorage } from '../src/store/sqlite-storage.js';
import type { Storage } from '../src/store/storage.js';
import { captureLogs, tempDir } from './helpers/app.js';
import { freshPostgresDatabase, postgresUrl } from './helpers/postgres.js';

const PASSWORD = 'correct horse battery';
const HOUR = 3_600_000;
const closers: (() => Promise<unknown>)[] = [];
afterAll(async () => {
  for (const close of closers.splice(0).reverse()) await close().catch(() => {});
});

/** The console's sign-in and two guarded routes on a real HTTP server, over `storage`, with a clock the test moves. */
async function startConsole(storage: Storage, options: { publicUrl?: string; clock?: { now: number }; logger?: Logger } = {}) {
  const clock = options.clock ?? { now: Date.UTC(2026, 10, 30, 9) };
  const deps = { accounts: storage.accounts, now: () => clock.now, publicUrl: options.publicUrl, logger: options.logger ?? silentLogger };
  const app = new Hono();
  app.route('/', signInRoutes(deps));
  app.use('/console/*', sameOriginOnly(deps));
  app.get('/console', requireOperator(deps), (c) => c.text(`Signed in as ${c.get('operator').name}`));
  app.get('/console/c/:phone', requireOperator(deps), (c) => c.text(c.req.param('phone')));
  app.post('/console/act', requireOperator(deps), (c) => c.json({ by: c.get('operator').name }));
  const server = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' });
  await new Promise((resolve) => server.once('listening', resolve));
  closers.push(() => new Promise((resolve) => server.close(resolve)));
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const own = options.publicUrl ? new URL(options.publicUrl).origin : origin;
  return {
    origin,
    clock,
    signIn: (username: string, password: string, extra: { address?: string; next?: string; origin?: string } = {}) =>
      fetch(`${origin}/console/login`, {
        method: 'POST',
        redirect: 'manual',
        headers: {
          'content-type': 'application/x-www-form-urlencoded',
          origin: extra.origin ?? own,
          // The server sees every test request from 127.0.0.1, as from a proxy on the same machine.
          ...(extra.address && { 'x-forwarded-for': extra.address }),
        },
        body: new URLSearchParams({ username, password, ...(extra.next && { next: extra.next }) }),
      }),
    get: (path: string, cookie?: string) => fetch(`${origin}${path}`, { redirect: 'manual', headers: cookie ? { cookie } : {} }),
    post: (path: string, cookie: string | undefined, headers: Record<string, string> = { origin: own }) =>
      fetch(`${origin}${path}`, { method: 'POST', redirect: 'manual', headers: { ...headers, ...(cookie && { cookie }) } }),
  };
}

async function sqliteStorage(): Promise<Storage> {
  const storage = openSqliteStorage(join(tempDir(), 'bot.db'));
  closers.push(() => storage.close());
  return storage;
}

async function addOperator(storage: Storage, name: string, password = PASSWORD) {
  await storage.accounts.add({ name, passwordHash: await hashPassword(password), at: Date.now() });
}

/** The cookie to send back ("console_session=…"), from a sign-in's answer. */
const cookieOf = (response: Response) => response.headers.get('set-cookie')!.split(';')[0]!;

describe('signing in to the console', () => {
  it('a right password opens the console with a cookie that scripts cannot read, sent only to /console', async () => {
    const storage = await sqliteStorage();
    await addOperator(storage, 'Dewi');
    const console = await startConsole(storage);

    const before = await console.get('/console');
    expect(before.status).toBe(303);
    expect(before.headers.get('location')).toBe('/console/login?next=%2Fconsole');

    const page = await (await console.get('/console/login')).text();
    expect(page).toMatch(/<label for="username">Username<\/label>/);
    expect(page).toMatch(/<label for="password">Password<\/label>/);
    expect(page).toMatch(/<button type="submit">Sign in<\/button>/);
    expect(page).not.toContain('<script');

    const signedIn = await console.signIn('Dewi', PASSWORD);
    expect(signedIn.status).toBe(303);
    expect(signedIn.headers.get('location')).toBe('/console');
    const cookie = signedIn.headers.get('set-cookie')!;
    expect(cookie).toMatch(/^console_session=[A-Za-z0-9_-]{43};/);
    expect(cookie).toContain('HttpOnly');
    expect(cookie).toContain('SameSite=Lax');
    expect(cookie).toContain('Path=/console');
    expect(cookie).not.toContain('Secure');
    expect(await (await console.get('/console', cookieOf(signedIn))).text()).toBe('Signed in as Dewi');
  }, 120_000);

  it('the cookie is Secure when PUBLIC_URL is https', async () => {
    const storage = await sqliteStorage();
    await addOperator(storage, 'Dewi');
    const console = await startConsole(storage, { publicUrl: 'https://shop.example' });
    const signedIn = await console.signIn('Dewi', PASSWORD);
    expect(signedIn.status).toBe(303);
    expect(signedIn.headers.get('set-cookie')).toContain('Secure');
  }, 120_000);

  it('a wrong password says so, and an unknown name gets the very same answer; no password or session id is logged', async () => {
    const storage = await sqliteStorage();
    await addOperator(storage, 'Dewi');
    const logs = captureLogs();
    const console = await startConsole(storage, { logger: logs.logger });
    const wrong = await console.signIn('Dewi', 'not the password');
    const unknown = await console.signIn('Dewi2', 'not the password');
    expect(wrong.status).toBe(401);
    expect(unknown.status).toBe(401);
    expect(wrong.headers.get('set-cookie')).toBeNull();
    const wrongPage = await wrong.text();
    expect(wrongPage).toContain('Wrong username or password.');
    expect((await unknown.text()).replace('value="Dewi2"', 'value="Dewi"')).toBe(wrongPage);

    const sessionId = cookieOf(await console.signIn('Dewi', PASSWORD)).split('=')[1]!;
    expect(logs.text()).toContain('wrong username or password');
    expect(logs.text()).not.toContain('not the password');
    expect(logs.text()).not.toContain(PASSWORD);
    expect(logs.text()).not.toContain(sessionId);
  }, 120_000);

  it('after 5 wrong passwords for an account, it is refused even with the right one until 15 minutes pass; other accounts are not', async () => {
    const storage = await sqliteStorage();
    await addOperator(storage, 'Dewi');
    await addOperator(storage, 'Budi');
    const console = await startConsole(storage);
    // From five addresses: the account's own limit, not the address's.
    for (let i = 0; i < 5; i++) expect((await console.signIn('Dewi', `guess ${i}`, { address: `198.51.100.${i}` })).status).toBe(401);
    const throttled = await console.signIn('Dewi', PASSWORD, { address: '198.51.100.99' });
    expect(throttled.status).toBe(429);
    expect(throttled.headers.get('set-cookie')).toBeNull();
    expect(await throttled.text()).toContain('Too many wrong passwords. Wait 15 minutes, then try again.');
    expect((await console.signIn('Budi', PASSWORD, { address: '198.51.100.0' })).status).toBe(303);

    console.clock.now += 15 * 60_000 + 1;
    expect((await console.signIn('Dewi', PASSWORD, { address: '198.51.100.99' })).status).toBe(303);
  }, 120_000);

  it('after 20 wrong passwords from one address, it is refused for every account; other addresses are not', async () => {
    const storage = await sqliteStorage();
    await addOperator(storage, 'Dewi');
    const console = await startConsole(storage);
    // Four names, five tries each: no account reaches its own limit.
    for (let i = 0; i < 20; i++) expect((await console.signIn(`user${i % 4}`, 'guess', { address: '203.0.113.7' })).status).toBe(401);
    expect((await console.signIn('Dewi', PASSWORD, { address: '203.0.113.7' })).status).toBe(429);
    expect((await console.signIn('Dewi', PASSWORD, { address: '203.0.113.8' })).status).toBe(303);
  }, 120_000);

  it('signing out ends the session on the server: a copy of the cookie no longer works', async () => {
    const storage = await sqliteStorage();
    await addOperator(storage, 'Dewi');
    const console = await startConsole(storage);
    const cookie = cookieOf(await console.signIn('Dewi', PASSWORD));
    const copy = cookie;
    const out = await console.post('/console/logout', cookie);
    expect(out.status).toBe(303);
    expect(out.headers.get('location')).toBe('/console/login');
    expect(out.headers.get('set-cookie')).toMatch(/^console_session=;.*Max-Age=0/);

    expect((await console.get('/console', copy)).status).toBe(303);
    const action = await console.post('/console/act', copy);
    expect(action.status).toBe(401);
    expect(await action.json()).toEqual({ error: { code: 'unauthorized', message: expect.stringContaining('sign in') } });
  }, 120_000);

  it('a session lasts while it is used, and ends after a day without use', async () => {
    const storage = await sqliteStorage();
    await addOperator(storage, 'Dewi');
    const console = await startConsole(storage);
    const cookie = cookieOf(await console.signIn('Dewi', PASSWORD));
    console.clock.now += 23 * HOUR;
    expect((await console.get('/console', cookie)).status).toBe(200);
    console.clock.now += 23 * HOUR;
    expect((await console.get('/console', cookie)).status).toBe(200);
    console.clock.now += 24 * HOUR + 1;
    const expired = await console.get('/console', cookie);
    expect(expired.status).toBe(303);
    expect(expired.headers.get('location')).toBe('/console/login?next=%2Fconsole');
  }, 120_000);

  it('after signing in, the operator returns to the console page they asked for, never to another site', async () => {
    const storage = await sqliteStorage();
    await addOperator(storage, 'Dewi');
    const console = await startConsole(storage);
    expect((await console.get('/console/c/628123?x=1')).headers.get('location')).toBe('/console/login?next=%2Fconsole%2Fc%2F628123%3Fx%3D1');
    expect((await console.signIn('Dewi', PASSWORD, { next: '/console/c/628123?x=1' })).headers.get('location')).toBe('/console/c/628123?x=1');
    for (const next of ['//evil.example/console', 'https://evil.example/console', '/\\evil.example', '/consolex', '/webhook']) {
      expect((await console.signIn('Dewi', PASSWORD, { next })).headers.get('location')).toBe('/console');
    }
    expect(await (await console.get('/console/login?next=%2F%2Fevil.example')).text()).toContain('name="next" value="/console"');
  }, 120_000);
});

describe('cross-site requests', () => {
  it('a POST from another origin, or with neither Origin nor Referer, is refused with 403, even with a valid session', async () => {
    const storage = await sqliteStorage();
    await addOperator(storage, 'Dewi');
    const console = await startConsole(storage);
    const cookie = cookieOf(await console.signIn('Dewi', PASSWORD));

    const forged = await console.post('/console/act', cookie, { origin: 'https://evil.example' });
    expect(forged.status).toBe(403);
    expect(((await forged.json()) as { error: { code: string } }).error.code).toBe('forbidden');
    expect((await console.post('/console/act', cookie, {})).status).toBe(403);
    expect((await console.post('/console/act', cookie, { origin: 'null' })).status).toBe(403);
    expect((await console.post('/console/act', cookie, { referer: 'https://evil.example/console' })).status).toBe(403);
    // Signing out and signing in are refused too: another site can neither end a session nor plant its own.
    expect((await console.post('/console/logout', cookie, { origin: 'https://evil.example' })).status).toBe(403);
    expect((await console.signIn('Dewi', PASSWORD, { origin: 'https://evil.example' })).status).toBe(403);

    expect(await (await console.post('/console/act', cookie, { referer: `${console.origin}/console` })).json()).toEqual({ by: 'Dewi' });
    expect(await (await console.post('/console/act', cookie)).json()).toEqual({ by: 'Dewi' });
  }, 120_000);

  it('with PUBLIC_URL set, only its origin is the server’s own', async () => {
    const storage = await sqliteStorage();
    await addOperator(storage, 'Dewi');
    const console = await startConsole(storage, { publicUrl: 'https://shop.example/' });
    const cookie = cookieOf(await console.signIn('Dewi', PASSWORD));
    expect((await console.post('/console/act', cookie, { origin: console.origin })).status).toBe(403);
    expect((await console.post('/console/act', cookie, { origin: 'https://shop.example' })).status).toBe(200);
  }, 120_000);
});

describe.runIf(postgresUrl)('on PostgreSQL, several instances', () => {
  it('a session started on one instance is accepted by another, and ended there for both; wrong passwords count across them', async () => {
    const url = await freshPostgresDatabase();
    const open = async () => {
      const storage = await openPostgresStorage({ url, poolSize: 4, deadlineMs: 2000, logger: silentLogger });
      closers.push(() => storage.close());
      return storage;
    };
    const [first, second] = [await open(), await open()];
    await addOperator(first, 'Dewi');
    const clock = { now: Date.UTC(2026, 10, 30, 9) };
    const [a, b] = [await startConsole(first, { clock }), await startConsole(second, { clock })];

    const cookie = cookieOf(await a.signIn('Dewi', PASSWORD));
    expect(await (await b.get('/console', cookie)).text()).toBe('Signed in as Dewi');
    expect((await b.post('/console/logout', cookie)).status).toBe(303);
    expect((await a.get('/console', cookie)).status).toBe(303);

    for (let i = 0; i < 5; i++) expect((await (i % 2 ? a : b).signIn('Dewi', `guess ${i}`)).status).toBe(401);
    expect((await a.signIn('Dewi', PASSWORD)).status).toBe(429);
    expect((await b.signIn('Dewi', PASSWORD)).status).toBe(429);
  }, 120_000);
});
