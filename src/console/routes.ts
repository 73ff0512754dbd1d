// The operators' console under /console: sign-in (console-core), then every page and media file behind
// requireOperator, every change behind sameOriginOnly, and a Content-Security-Policy on every answer that lets the
// pages run only the console's own script file.
import { Hono, type Context } from 'hono';
import { html } from 'hono/html';
import { handoffCutoff, isWaitingForHuman } from '../agent/handoff-rule.js';
import { formatTime } from '../cli/format.js';
import { forgetCustomer } from '../agent/forget-customer.js';
import { ActionRefused, addLabel, addNote, canReply, handBack, removeLabel, reply, takeOver, type OperatorActionDeps } from '../agent/operator-actions.js';
import type { Logger } from '../logger.js';
import type { InboxFilter } from '../store/console-reads.js';
import type { Storage } from '../store/storage.js';
import { CONSOLE_CSS, CONSOLE_JS } from './assets.js';
import { ConversationPage } from './conversation.js';
import { conversationUrl, FILTERS, InboxPage } from './inbox.js';
import { ASSETS, Layout } from './layout.js';
import { createLiveUpdates, liveStream } from './live.js';
import { serveMedia } from './media.js';
import { requireOperator, sameOriginOnly } from './session.js';
import { signInRoutes } from './sign-in.js';
import { periodOf, StatsPage, statsDays } from './stats.js';
import { ui } from './text.js';

export interface ConsoleDeps {
  storage: Storage;
  actions: Omit<OperatorActionDeps, 'storage' | 'now' | 'handoffHours'>;
  mediaDir: string;
  handoffHours: number;
  publicUrl?: string | undefined;
  logger: Logger;
  now: () => number;
  /** How often the live updates read the database's change mark (ms). */
  livePollMs?: number;
}

/** Scripts only from the console itself, never inline; nothing from elsewhere; no framing. */
export const CONTENT_SECURITY_POLICY =
  "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self'; media-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

const INBOX_PAGE = 100;

/** The console's routes, to mount at the root (they carry their /console paths). */
export function consoleRoutes(deps: ConsoleDeps) {
  const { storage, now } = deps;
  const auth = { accounts: storage.accounts, now, publicUrl: deps.publicUrl };
  const actionDeps: OperatorActionDeps = { ...deps.actions, storage, now, handoffHours: deps.handoffHours };
  const inboxCache = sharedReads();
  const live = createLiveUpdates({ changeMark: () => storage.console.changeMark(), pollMs: deps.livePollMs ?? 1000, logger: deps.logger });
  const app = new Hono();

  app.use('/console', securityHeaders);
  app.use('/console/*', securityHeaders);
  app.get(ASSETS.css, (c) => c.body(CONSOLE_CSS, 200, { 'Content-Type': 'text/css; charset=utf-8', 'Cache-Control': 'no-cache' }));
  app.get(ASSETS.js, (c) => c.body(CONSOLE_JS, 200, { 'Content-Type': 'text/javascript; charset=utf-8', 'Cache-Control': 'no-cache' }));
  app.route(
    '/',
    signInRoutes({
      ...auth,
      logger: deps.logger,
      layout: ({ title, body }) => html`<html lang="en"><head><meta charset="utf-8" /><meta name="viewport" content="width=device-width, initial-scale=1" /><title>${title}</title><link rel="stylesheet" href="${ASSETS.css}" /></head><body>${body}</body></html>`,
    }),
  );

  const guard = requireOperator(auth);
  const sameOrigin = sameOriginOnly(auth);
  app.use('/console', guard);
  app.use('/console/*', sameOrigin, guard);

  const page = (c: Context, body: unknown, status: 200 | 404 = 200) => c.html(html`<!doctype html>${body}`, status);
  const cutoff = () => handoffCutoff(now(), deps.handoffHours);

  app.get('/console', async (c) => {
    const asked = c.req.query('filter') as InboxFilter | undefined;
    const filter: InboxFilter = asked && FILTERS.includes(asked) ? asked : 'all';
    const label = c.req.query('label')?.slice(0, 100) || undefined;
    const query = (c.req.query('q') ?? '').slice(0, 200).trim();
    const words = query.split(/\s+/).filter(Boolean).slice(0, 10);
    const active = cutoff();
    const liveMark = await storage.console.changeMark();
    // Many consoles open on one instance refresh at the same change: they share one read of the lists per change mark
    // and minute (the waiting state depends on the time too). Derived data only: nothing another instance needs.
    const key = `${liveMark}|${Math.floor(now() / 60_000)}|${filter}|${label ?? ''}`;
    const [rows, counts, labels, hits] = await Promise.all([
      words.length > 0 ? Promise.resolve([]) : inboxCache.get(`rows|${key}`, () => storage.console.inbox({ filter, label, handoffActiveAfter: active, limit: INBOX_PAGE })),
      inboxCache.get(`counts|${key}`, () => storage.console.inboxCounts({ handoffActiveAfter: active })),
      inboxCache.get(`labels|${key}`, () => storage.console.labelsInUse()),
      words.length > 0 ? storage.reports.searchMessages({ words, limit: 50 }) : Promise.resolve(null),
    ]);
    const isWaiting = (row: { handoffCountsFrom: number | null }) => row.handoffCountsFrom !== null && row.handoffCountsFrom > active;
    const operator = c.get('operator');
    const render = () => html`<!doctype html>${InboxPage({ operator, liveMark, filter, label, query, rows, hits, counts, labels, isWaiting })}`;
    // Open consoles refresh on the same change: one operator's consoles share the rendered page too (a search is not shared).
    if (hits !== null) return c.html(render());
    return c.html(await inboxCache.get(`page|${key}|${operator.id}`, async () => String(await render())));
  });

  app.get('/console/live', (c) => liveStream(c, live));

  app.get('/console/stats', async (c) => {
    const period = periodOf({ from: c.req.query('from'), to: c.req.query('to') }, now());
    const liveMark = await storage.console.changeMark();
    const [usage, extra, handoffs, fallbacks, unanswered] = await Promise.all([
      storage.reports.usageByDay({ since: period.since }),
      storage.console.consoleDays({ since: period.since }),
      storage.console.handoffsByDay({ since: period.since }),
      storage.console.fallbacksByDay({ since: period.since }),
      storage.console.unanswered({ since: period.since, limit: 100 }),
    ]);
    const inPeriod = <T extends { day: string }>(rows: T[]) => rows.filter((r) => r.day >= period.from && r.day <= period.to);
    const days = statsDays({ from: period.from, to: period.to, usage: inPeriod(usage), extra: inPeriod(extra), handoffs: inPeriod(handoffs) });
    return page(
      c,
      StatsPage({ operator: c.get('operator'), liveMark, period, days, fallbacks: inPeriod(fallbacks), unanswered: unanswered.filter((r) => r.createdAt < period.until) }),
    );
  });

  app.get('/console/media/:id', (c) => serveMedia(c, { reads: storage.console, mediaDir: deps.mediaDir }));

  app.get('/console/c/:phone', async (c) => {
    const phone = c.req.param('phone');
    const contact = await storage.conversations.contactByPhone(phone);
    if (!contact) return page(c, Layout({ title: ui.notFound, operator: c.get('operator'), children: html`<p>${ui.notFound} <a href="/console">${ui.inbox}</a></p>` }), 404);
    const liveMark = await storage.console.changeMark();
    const [rows, notes, trail, labels] = await Promise.all([
      storage.reports.transcriptRows({ phone: contact.phone }),
      storage.annotations.notes({ contactId: contact.id }),
      storage.accounts.auditTrail({ contactId: contact.id, limit: 200 }),
      storage.annotations.labels(contact.id),
    ]);
    const waiting = isWaitingForHuman(contact.handoff, now(), deps.handoffHours);
    const byBot = waiting && rows.some((r) => r.direction === 'out' && r.inReplyTo !== null && r.kind !== 'silent' && r.createdAt >= contact.handoff!.at);
    const lastOperator = trail.find((entry) => entry.action === 'take over' || entry.action === 'reply')?.operator;
    const state = !waiting ? 'bot' : byBot ? 'waiting' : 'taken-over';
    const stateText =
      state === 'bot' ? ui.botAnswering
      : state === 'waiting' ? `${ui.waitingSince(formatTime(contact.handoff!.at))} · ${contact.handoff!.reason ?? ''}`
      : ui.takenOverBy(lastOperator ?? ui.anOperator);
    const done = c.req.query('done');
    const refused = ui.refused[c.req.query('refused') ?? ''];
    const flash = done && ui.done[done] ? { kind: 'ok' as const, text: ui.done[done] } : refused ? { kind: 'error' as const, text: refused } : null;
    const catalog = (deps.actions.mediaCatalog?.() ?? []).map((item) => ({ id: item.id, label: item.kind === 'document' ? `${item.id} (${item.fileName})` : `${item.id} (image)` }));
    return page(
      c,
      ConversationPage({
        operator: c.get('operator'),
        liveMark,
        contact: { phone: contact.phone, name: contact.displayName },
        state,
        stateText,
        rows,
        notes,
        actions: trail.filter((e) => e.action !== 'note' && e.action !== 'reply').map((e) => ({ ...e })),
        labels: labels.map((l) => l.label),
        catalog,
        apiConfigured: canReply(actionDeps),
        flash,
      }),
    );
  });

  /** Runs an action on the conversation the path names, then shows the conversation again with what happened. */
  const action = (run: (input: { contact: NonNullable<Awaited<ReturnType<Storage['conversations']['contactByPhone']>>>; by: string; form: Record<string, string> }) => Promise<string>) =>
    async (c: Context) => {
      const phone = c.req.param('phone')!;
      const contact = await storage.conversations.contactByPhone(phone);
      if (!contact) return c.text(ui.notFound, 404);
      const body = await c.req.parseBody().catch(() => ({}));
      const form = Object.fromEntries(Object.entries(body).filter(([, v]) => typeof v === 'string')) as Record<string, string>;
      const base = conversationUrl(contact.phone);
      try {
        const done = await run({ contact, by: c.get('operator').name, form });
        return c.redirect(`${base}?done=${encodeURIComponent(done)}`, 303);
      } catch (error) {
        if (!(error instanceof ActionRefused)) throw error;
        // The reason goes by its code: a link cannot make the page say words of someone else's choosing.
        return c.redirect(`${base}?refused=${encodeURIComponent(error.code)}`, 303);
      }
    };

  app.post(
    '/console/c/:phone/take-over',
    action(async (input) => {
      await takeOver(actionDeps, input);
      return 'taken-over';
    }),
  );
  app.post(
    '/console/c/:phone/hand-back',
    action(async (input) => {
      await handBack(actionDeps, input);
      return 'handed-back';
    }),
  );
  app.post(
    '/console/c/:phone/reply',
    action(async ({ form, ...input }) => {
      const mediaId = (form.mediaId ?? '').trim();
      const text = form.text ?? '';
      if (mediaId) await reply(actionDeps, { ...input, mediaId, ...(text.trim() && { caption: text }) });
      else await reply(actionDeps, { ...input, text });
      return 'sent';
    }),
  );
  app.post(
    '/console/c/:phone/note',
    action(async ({ form, ...input }) => {
      await addNote(actionDeps, { ...input, text: form.text ?? '' });
      return 'note-added';
    }),
  );
  app.post(
    '/console/c/:phone/labels',
    action(async ({ form, ...input }) => {
      if (form.remove) {
        await removeLabel(actionDeps, { ...input, label: form.remove });
        return 'label-removed';
      }
      await addLabel(actionDeps, { ...input, label: form.label ?? '' });
      return 'label-added';
    }),
  );

  // Forgetting a customer on their request (transcripts forget is the same action): the operator types the number
  // again, so that a slip of the mouse never deletes a conversation; a number that differs deletes nothing.
  app.post('/console/c/:phone/forget', async (c) => {
    const contact = await storage.conversations.contactByPhone(c.req.param('phone'));
    if (!contact) return c.text(ui.notFound, 404);
    const body = await c.req.parseBody().catch(() => ({}) as Record<string, unknown>);
    const typed = typeof body.confirm === 'string' ? body.confirm.replace(/[\s+().-]/g, '') : '';
    if (typed !== contact.phone) return c.redirect(`${conversationUrl(contact.phone)}?refused=not-confirmed`, 303);
    const by = c.get('operator').name;
    const result = await forgetCustomer(storage, { contact, by, at: now() });
    if (!result) return c.text(ui.notFound, 404);
    deps.logger.info({ operator: by, messages: result.messages, files: result.files, filesLeft: result.filesLeft.length }, 'customer forgotten from the console');
    if (result.filesLeft.length > 0) deps.logger.warn({ files: result.filesLeft }, 'kept files of a forgotten customer could not be deleted');
    return page(
      c,
      Layout({
        title: ui.forget,
        operator: c.get('operator'),
        children: html`<p class="banner ok" role="status">${ui.forgotten(result)}</p>${result.filesLeft.length > 0 ? html`<p class="banner error">${ui.forgottenFilesLeft(result.filesLeft.length)}</p>` : ''}<p><a href="/console">${ui.inbox}</a></p>`,
      }),
    );
  });

  return Object.assign(app, { live });
}

async function securityHeaders(c: Context, next: () => Promise<void>) {
  await next();
  if (!c.res.headers.has('Content-Security-Policy')) c.res.headers.set('Content-Security-Policy', CONTENT_SECURITY_POLICY);
  c.res.headers.set('X-Content-Type-Options', 'nosniff');
  c.res.headers.set('Referrer-Policy', 'same-origin');
  c.res.headers.set('X-Frame-Options', 'DENY');
}

/** Reads shared by identical requests while their key holds; only the newest keys are kept. */
function sharedReads() {
  const entries = new Map<string, Promise<unknown>>();
  return {
    get<T>(key: string, read: () => Promise<T>): Promise<T> {
      let entry = entries.get(key) as Promise<T> | undefined;
      if (!entry) {
        entry = read();
        entries.set(key, entry);
        entry.catch(() => entries.delete(key));
        while (entries.size > 30) entries.delete(entries.keys().next().value!);
      }
      return entry;
    },
  };
}
