// The operators' console in a real browser (Debian's chromium through playwright-core), against the real server on a
// real port, with the fake Whatspie API and a mocked model: what an operator does, and what a hostile customer cannot.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { HttpResponse } from 'msw';
import type { Browser, BrowserContext, Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addOperator, hasChromium, launchBrowser, listen } from './helpers/browser.js';
import { jsonOf, makeBot, makeBotOn, tempDir, type TestBot } from './helpers/app.js';
import { fakeWhatspieForThisFile } from './helpers/fakes.js';
import { freshInbound, textFrom } from './helpers/fixtures.js';
import { answerWith, replyWith } from './helpers/llm.js';
import { postgresUrl } from './helpers/postgres.js';

const api = fakeWhatspieForThisFile();
const LIVE = { timeout: 20_000 };

/** Waits (playwright's own waiting, no sleep) until the first element the locator finds is visible. */
const shown = (locator: Locator, options: { timeout: number } = { timeout: 10_000 }) => locator.first().waitFor({ state: 'visible', ...options });

async function signIn(page: Page, base: string, name = 'dewi', password = 'correct horse battery') {
  await page.goto(`${base}/console`);
  await page.getByLabel('Username').fill(name);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect.poll(() => page.url()).toBe(`${base}/console`);
}

describe.skipIf(!hasChromium)('the console in a browser (SQLite)', { timeout: 120_000 }, () => {
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let bot: TestBot;
  let server: { url: string; close: () => Promise<void> };
  const mediaDir = tempDir('console-media-');
  const dialogs: string[] = [];
  const A = '6281900000901';
  const B = '6281900000902';

  beforeAll(async () => {
    bot = makeBot({ whatspieApiUrl: api.url, settings: { MEDIA_DIR: mediaDir } });
    server = await listen(bot.app);
    await addOperator(bot.storage, 'dewi', 'correct horse battery');
    browser = await launchBrowser();
    context = await browser.newContext();
    page = await context.newPage();
    page.on('dialog', (dialog) => {
      dialogs.push(dialog.message());
      void dialog.dismiss();
    });
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await server?.close();
  }, 60_000);

  it('signs in, and a webhook message shows in the open inbox without a reload', async () => {
    replyWith({ content: 'We will check your parcel.' });
    await signIn(page, server.url);
    await shown(page.getByRole('heading', { name: 'Inbox' }));
    await shown(page.getByRole('button', { name: 'Sign out' }));
    // Loaded before the message exists: only the live update can bring it.
    await shown(page.getByText('No conversations here.'));
    await page.evaluate(() => ((globalThis as unknown as { notReloaded: boolean }).notReloaded = true));
    expect((await bot.post(textFrom(A, 'Where is my parcel 123?'))).status).toBe(200);
    // The row shows the last message: the bot's answer to it.
    await shown(page.getByRole('link', { name: /Customer 6281900000901.*We will check your parcel\./ }), LIVE);
    expect(await page.evaluate(() => (globalThis as unknown as { notReloaded?: boolean }).notReloaded)).toBe(true);
  });

  it('takes over: the bot then answers that customer with []; the reply reaches that number only; hand back and the bot answers again', async () => {
    replyWith({ content: 'Bot answer' });
    await bot.post(textFrom(B, 'Hello from B'));
    await page.goto(`${server.url}/console/c/${A}`);
    await page.getByRole('button', { name: 'Take over' }).click();
    await shown(page.getByRole('button', { name: 'Hand back to the bot' }));
    await shown(page.getByText('taken over by dewi'));
    expect(await jsonOf(bot.post(textFrom(A, 'Anyone there?')))).toEqual([]);

    await page.getByLabel('Reply').fill('Hi, this is Dewi. Your parcel ships today.');
    await page.getByRole('button', { name: 'Send' }).click();
    await expect.poll(() => api.sent.length, LIVE).toBe(1);
    expect(api.sent[0]!.body).toMatchObject({ receiver: A, params: { text: 'Hi, this is Dewi. Your parcel ships today.' } });
    await shown(page.getByText('operator dewi').first());

    await page.getByRole('button', { name: 'Hand back to the bot' }).click();
    await shown(page.getByRole('button', { name: 'Take over' }));
    replyWith({ content: 'The bot is back.' });
    expect(JSON.stringify(await jsonOf(bot.post(textFrom(A, 'Thanks!'))))).toContain('The bot is back.');
    expect(api.sent.map((r) => r.body.receiver)).toEqual([A]);
  });

  it('keeps a note for operators and never sends it', async () => {
    replyWith({ content: 'Noted by the bot' });
    await page.goto(`${server.url}/console/c/${A}`);
    await page.getByLabel('Note').fill('Promised a discount next time');
    await page.getByRole('button', { name: 'Add note' }).click();
    await shown(page.getByText('Promised a discount next time'));
    await shown(page.getByText('note by dewi (never sent)'));
    expect(JSON.stringify(api.sent)).not.toContain('discount');
    expect(JSON.stringify(await jsonOf(bot.post(textFrom(A, 'ok'))))).not.toContain('discount');
  });

  it('filters by label, and finds messages by search', async () => {
    await page.goto(`${server.url}/console/c/${A}`);
    await page.getByLabel('Label', { exact: true }).fill('vip');
    await page.getByRole('button', { name: 'Add label' }).click();
    await page.goto(`${server.url}/console`);
    await shown(page.getByRole('link', { name: /Customer 6281900000902/ }));
    await page.getByRole('link', { name: '# vip' }).click();
    await shown(page.getByRole('link', { name: /Customer 6281900000901/ }));
    expect(await page.getByRole('link', { name: /Customer 6281900000902/ }).count()).toBe(0);

    await page.getByRole('searchbox', { name: 'Search' }).fill('parcel 123');
    await page.getByRole('button', { name: 'Search' }).click();
    await shown(page.getByText('Where is my parcel 123?'));
    expect(await page.getByText('Hello from B').count()).toBe(0);
  });

  it('shows the waiting filter with its count, and the stats: the day and what the bot could not answer', async () => {
    answerWith(() => HttpResponse.json({ error: { message: 'overloaded' } }, { status: 500 }));
    await bot.post(textFrom(B, 'Do you sell unicorn saddles?'));
    await page.goto(`${server.url}/console`);
    await shown(page.getByRole('link', { name: /^Waiting for a human/ }));
    await shown(page.getByRole('link', { name: /^Needs a reply \([1-9]/ }));

    await page.goto(`${server.url}/console/stats`);
    const received = (bot.db.$client.prepare("SELECT count(*) AS n FROM messages WHERE direction = 'in'").get() as { n: number }).n;
    const today = new Date().toISOString().slice(0, 10);
    const row = page.getByRole('row', { name: new RegExp(`^${today}`) });
    await expect.poll(() => row.getByRole('cell').first().textContent()).toBe(String(received));
    await shown(page.getByRole('list', { name: 'What the bot could not answer' }).getByRole('link', { name: 'Do you sell unicorn saddles?' }));
    await page.getByRole('link', { name: 'Do you sell unicorn saddles?' }).click();
    await expect.poll(() => page.url()).toContain(`/console/c/${B}`);
    await shown(page.getByText(/FALLBACK/).first());
  });

  it('shows a hostile message and name as text, running nothing', async () => {
    replyWith({ content: 'Hello' });
    const hostile = '6281900000903';
    await page.goto(`${server.url}/console`);
    await bot.post(
      freshInbound('text', { from: hostile, message: '<img src=x onerror=alert(1)>', from_user: { name: '<script>window.pwned=1;alert(2)</script>', jid: `${hostile}@s.whatsapp.net` } }),
    );
    await shown(page.getByText('<script>window.pwned=1;alert(2)</script>'), LIVE);
    await page.goto(`${server.url}/console/c/${hostile}`);
    await shown(page.getByText('<img src=x onerror=alert(1)>'));
    await page.goto(`${server.url}/console?q=onerror`);
    await shown(page.getByText('<img src=x onerror=alert(1)>'));
    expect(await page.evaluate(() => (globalThis as unknown as { pwned?: number }).pwned)).toBeUndefined();
    expect(await page.locator('img[src="x"]').count()).toBe(0);
    expect(dialogs).toEqual([]);
    const response = await page.request.get(`${server.url}/console`);
    expect(response.headers()['content-security-policy']).toMatch(/script-src 'self'(;|$)/);
  });

  it('serves a kept file only to a signed-in operator, and a risky type only as a download', async () => {
    const day = join(mediaDir, '2026-11-30');
    mkdirSync(day, { recursive: true });
    writeFileSync(join(day, 'photo.png'), Buffer.from('89504e470d0a1a0a', 'hex'));
    writeFileSync(join(day, 'page.html'), '<script>alert(1)</script>');
    const inbound = bot.db.$client.prepare("SELECT id FROM messages WHERE direction = 'in' ORDER BY id LIMIT 2").all() as { id: number }[];
    const keep = bot.db.$client.prepare('UPDATE messages SET media_path = ?, media_type = ? WHERE id = ?');
    keep.run(join(day, 'photo.png'), 'image/png', inbound[0]!.id);
    keep.run(join(day, 'page.html'), 'text/html', inbound[1]!.id);

    const anonymous = await fetch(`${server.url}/console/media/${inbound[0]!.id}`, { redirect: 'manual' });
    expect(anonymous.status).toBe(303);
    expect(anonymous.headers.get('location')).toContain('/console/login');

    const photo = await page.request.get(`${server.url}/console/media/${inbound[0]!.id}`);
    expect(photo.status()).toBe(200);
    expect(photo.headers()['content-type']).toBe('image/png');
    const html = await page.request.get(`${server.url}/console/media/${inbound[1]!.id}`);
    expect(html.headers()['content-type']).toBe('application/octet-stream');
    expect(html.headers()['content-disposition']).toMatch(/^attachment/);
    expect(html.headers()['x-content-type-options']).toBe('nosniff');
  });

  it('refuses a cross-site POST even with the operator’s cookie', async () => {
    const cookie = (await context.cookies(server.url)).map((c) => `${c.name}=${c.value}`).join('; ');
    const response = await fetch(`${server.url}/console/c/${B}/take-over`, {
      method: 'POST',
      redirect: 'manual',
      headers: { cookie, origin: 'https://evil.example', 'content-type': 'application/x-www-form-urlencoded' },
      body: '',
    });
    expect(response.status).toBe(403);
    const page2 = await context.newPage();
    await page2.goto(`${server.url}/console/c/${B}`);
    await shown(page2.getByRole('button', { name: 'Take over' }));
    await page2.close();
  });

  it("shows the model's lookups in the shop's systems with the reply they served", async () => {
    const reply = bot.db.$client.prepare(`SELECT m.id FROM messages m JOIN contacts c ON c.id = m.contact_id WHERE c.phone = ? AND m.direction = 'out' ORDER BY m.id DESC LIMIT 1`).get(A) as { id: number };
    const call = { tool: 'order_status', arguments: { order_id: 'A-1001' }, status: 200, outcome: 'ok', ms: 42, answer: '{"state":"<b>shipped</b>"}' };
    bot.db.$client.prepare('UPDATE messages SET tool_calls = ? WHERE id = ?').run(JSON.stringify([call]), reply.id);
    await page.goto(`${server.url}/console/c/${A}`);
    await shown(page.getByText('lookup: order_status(order_id: "A-1001") → HTTP 200 in 42 ms: {"state":"<b>shipped</b>"}'));
  });

  it('forgets a customer only when the operator types their number again; then nothing of theirs is left', async () => {
    replyWith({ content: 'Noted' });
    const D = '6281900000904';
    await bot.post(textFrom(D, 'Please delete my data, my secret word is tangerine'));
    await page.goto(`${server.url}/console/c/${D}`);
    await page.getByLabel('Note').fill('Asked to be forgotten');
    await page.getByRole('button', { name: 'Add note' }).click();
    await shown(page.getByText('Asked to be forgotten'));

    await page.getByText('Forget this customer').click();
    await page.getByLabel("Type the customer's number to confirm").fill('6281900000901');
    await page.getByRole('button', { name: 'Forget for good' }).click();
    await shown(page.getByText("Not forgotten: the number typed is not this customer's."));
    await shown(page.getByText('Please delete my data, my secret word is tangerine'));

    await page.getByText('Forget this customer').click();
    await page.getByLabel("Type the customer's number to confirm").fill(`+${D}`);
    await page.getByRole('button', { name: 'Forget for good' }).click();
    await shown(page.getByText(/^Forgotten: 2 messages/));
    // The result is a console page like the others: the operator can go on from its top bar.
    await shown(page.getByRole('navigation', { name: 'Console' }).getByRole('link', { name: 'How the bot is doing' }));
    const everything = JSON.stringify(
      (bot.db.$client.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").all() as { name: string }[]).map(({ name }) => bot.db.$client.prepare(`SELECT * FROM "${name}"`).all()),
    );
    expect(everything).not.toContain(D);
    expect(everything).not.toContain('tangerine');
    expect(everything).not.toContain('Asked to be forgotten');
    await page.goto(`${server.url}/console`);
    await shown(page.getByRole('link', { name: /Customer 6281900000901/ }));
    expect(await page.getByRole('link', { name: /6281900000904/ }).count()).toBe(0);
    // Their conversation's address now finds nothing, on a console page with its top bar.
    const gone = await page.goto(`${server.url}/console/c/${D}`);
    expect(gone?.status()).toBe(404);
    await shown(page.getByRole('navigation', { name: 'Console' }).getByRole('link', { name: 'How the bot is doing' }));
  });

  it('fits every page in 390 pixels', async () => {
    replyWith({ content: 'Fine' });
    const phone = await browser.newContext({ viewport: { width: 390, height: 844 } });
    const small = await phone.newPage();
    await small.goto(`${server.url}/console/login`);
    expect(await small.evaluate(() => (globalThis as unknown as { document: { documentElement: { scrollWidth: number } } }).document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
    await signIn(small, server.url);
    await bot.post(textFrom(A, `A very long link https://example.com/${'x'.repeat(300)} and a long word ${'y'.repeat(200)}`));
    for (const path of ['/console', `/console/c/${A}`, `/console/c/${B}`, '/console/stats', '/console?filter=waiting', '/console?q=parcel']) {
      await small.goto(`${server.url}${path}`);
      expect(await small.evaluate(() => (globalThis as unknown as { document: { documentElement: { scrollWidth: number } } }).document.documentElement.scrollWidth), path).toBeLessThanOrEqual(390);
    }
    await small.getByRole('button', { name: 'Sign out' }).click();
    await shown(small.getByRole('button', { name: 'Sign in' }));
    await phone.close();
  });
});

describe.skipIf(!hasChromium || !postgresUrl)('the console across instances (PostgreSQL)', { timeout: 120_000 }, () => {
  it('shows live, on one instance, a message posted to the other', async () => {
    replyWith({ content: 'Hello' });
    const first = await makeBotOn('postgres');
    const second = await makeBotOn('postgres', { databaseUrl: first.databaseUrl! });
    const server = await listen(first.app);
    const browser = await launchBrowser();
    try {
      await addOperator(first.storage, 'dewi', 'correct horse battery');
      const page = await browser.newPage();
      await signIn(page, server.url);
      await shown(page.getByText('No conversations here.'));
      await second.post(textFrom('6281900000911', 'Posted to the other instance'));
      await shown(page.getByRole('link', { name: /Customer 6281900000911/ }), LIVE);
    } finally {
      await browser.close();
      await server.close();
    }
  });
});
