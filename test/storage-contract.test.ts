// The storage contract, run once per backend (SQLite always; PostgreSQL where its server programs are installed):
// what the agent, the outbox worker and the tools rely on, including under concurrent use.
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../src/logger.js';
import { openPostgresStorage } from '../src/store/pg/storage.js';
import { openSqliteStorage } from '../src/store/sqlite-storage.js';
import type { Storage } from '../src/store/storage.js';
import { parseInbound } from '../src/whatspie/inbound.js';
import { toWebhookReply } from '../src/whatspie/reply.js';
import { tempDir } from './helpers/app.js';
import { textFrom } from './helpers/fixtures.js';
import { backends, BUSY_MACHINE_CONNECT_MS, freshPostgresDatabase, type Backend } from './helpers/postgres.js';

const opened: Storage[] = [];
afterAll(async () => {
  for (const storage of opened.splice(0)) await storage.close().catch(() => {});
});

/** A fresh, empty storage; `again` opens a second handle on the same database (another instance). */
async function open(backend: Backend): Promise<{ storage: Storage; again: () => Promise<Storage> }> {
  const where = backend === 'sqlite' ? join(tempDir(), 'bot.db') : await freshPostgresDatabase();
  const connect = async () => {
    const storage = backend === 'sqlite' ? openSqliteStorage(where, { busyTimeoutMs: 2000 }) : await openPostgresStorage({ url: where, poolSize: 10, deadlineMs: 2000, logger: silentLogger, connectTimeoutMs: BUSY_MACHINE_CONNECT_MS });
    opened.push(storage);
    return storage;
  };
  return { storage: await connect(), again: connect };
}

const inbound = (from: string, text: string, id?: string) => {
  const parsed = parseInbound(textFrom(from, text, id ? { message_id: id } : {}));
  if (!parsed.ok) throw new Error(parsed.problem);
  return parsed.message;
};

const reply = (contactId: number, inReplyTo: number | null, text: string, at: number) => ({
  contactId,
  inReplyTo,
  kind: 'text',
  text,
  replyJson: JSON.stringify(toWebhookReply([{ kind: 'text', text }])),
  model: 'm',
  llmLatencyMs: 5,
  fellBack: false,
  fallbackReason: null,
  at,
});

describe.each(backends)('storage on %s', (backend) => {
  it('stores a message once: a redelivery, also many at the same moment, returns the first row', async () => {
    const { storage } = await open(backend);
    const message = inbound('6281100000001', 'Hello', 'WA-1');
    const results = await Promise.all(Array.from({ length: 12 }, () => storage.conversations.saveInbound(message, 1000)));
    expect(results.filter((r) => r.isNew)).toHaveLength(1);
    expect(new Set(results.map((r) => r.message.id)).size).toBe(1);
    // The same WhatsApp id from another sender is another message.
    const other = await storage.conversations.saveInbound(inbound('6281100000002', 'Hi', 'WA-1'), 1001);
    expect(other.isNew).toBe(true);
  });

  it('keeps replies, history in order without the current message, and handoffs', async () => {
    const { storage } = await open(backend);
    const c = storage.conversations;
    const first = (await c.saveInbound(inbound('6281100000003', 'one'), 1000)).message;
    await c.saveReply(reply(first.contactId, first.id, 'answer one', 1001));
    const second = (await c.saveInbound(inbound('6281100000003', 'two'), 2000)).message;
    expect(await c.storedReply(first)).toEqual([expect.objectContaining({ kind: 'text', text: 'answer one' })]);
    expect(await c.storedReply(second)).toBeNull();
    const history = await c.history({ contactId: second.contactId, current: second.id, limit: 10 });
    expect(history.messages.map((m) => [m.direction, m.text])).toEqual([['in', 'one'], ['out', 'answer one']]);
    expect(history.earlier).toBe(0);
    // The window's place in the whole history: one older message before the last one.
    const last = await c.history({ contactId: second.contactId, current: second.id, limit: 1 });
    expect(last.messages.map((m) => m.text)).toEqual(['answer one']);
    expect(last.earlier).toBe(1);

    // Handed over while the shop was closed: HANDOFF_HOURS count from its next opening.
    await c.startHandoff({ contactId: first.contactId, at: 5000, reason: 'angry', countsFrom: 9000, withinHours: false });
    expect(await c.handoff(first.contactId)).toEqual({ at: 5000, reason: 'angry', countsFrom: 9000, withinHours: false });
    expect((await c.contactByPhone('6281100000003'))?.handoff).toEqual({ at: 5000, reason: 'angry', countsFrom: 9000, withinHours: false });
    await c.startHandoff({ contactId: first.contactId, at: 6000, reason: 'again', countsFrom: 6000, withinHours: true });
    expect(await c.handoff(first.contactId)).toEqual({ at: 6000, reason: 'again', countsFrom: 6000, withinHours: true });
    await c.endHandoff(first.contactId);
    expect(await c.handoff(first.contactId)).toBeNull();
    expect(await c.contactByPhone('6289999999999')).toBeNull();
  });

  it('counts what a customer sent in the last minute (the rate limit), up to a given message', async () => {
    const { storage } = await open(backend);
    const c = storage.conversations;
    const ids: number[] = [];
    for (let i = 0; i < 5; i++) ids.push((await c.saveInbound(inbound('6281100000004', `m${i}`), 10_000 + i * 20_000)).message.id);
    const contactId = (await c.contactByPhone('6281100000004'))!.id;
    // Messages at 10 s, 30 s, 50 s, 70 s, 90 s: the minute up to the fourth holds the first (at its edge) to the fourth.
    expect(await c.recentInboundCount({ contactId, since: 70_000 - 60_000, upTo: ids[3]!, scan: 100 })).toBe(4);
    expect(await c.recentInboundCount({ contactId, since: 70_001 - 60_000, upTo: ids[3]!, scan: 100 })).toBe(3);
    expect(await c.recentInboundCount({ contactId, since: 0, upTo: ids[4]!, scan: 100 })).toBe(5);
    expect(await c.recentInboundCount({ contactId, since: 0, upTo: ids[4]!, scan: 2 })).toBe(2);
  });

  it('settles a late answer exactly once, however many try at once', async () => {
    const { storage } = await open(backend);
    const c = storage.conversations;
    const message = (await c.saveInbound(inbound('6281100000005', 'slow question'), 1000)).message;
    await c.saveReply({ ...reply(message.contactId, message.id, 'one moment', 1001), latePending: true });
    const wins = await Promise.all(Array.from({ length: 8 }, () => c.settleLateAnswer(message.id)));
    expect(wins.filter(Boolean)).toHaveLength(1);
    expect(await c.takeUnattendedLateAnswers({ now: 100_000, until: 200_000 })).toEqual([]);
  });

  it('a late answer nobody works on is taken by one instance only; one being worked on is not taken before its hold runs out', async () => {
    const { storage, again } = await open(backend);
    const c = storage.conversations;
    const message = (await c.saveInbound(inbound('6281100000006', 'slow question'), 1000)).message;
    await c.saveReply({ ...reply(message.contactId, message.id, 'one moment', 1001), latePending: true });
    await c.holdLateAnswer(message.id, 60_000);
    expect(await c.takeUnattendedLateAnswers({ now: 5000, until: 70_000 })).toEqual([]);
    // Handed on by a server that stops: free at once. (SQLite is one process: a second handle is a restart.)
    await c.releaseLateAnswers([message.id]);
    const instances = backend === 'postgres' ? [c, (await again()).conversations] : [c];
    const takes = await Promise.all(Array.from({ length: 8 }, (_, i) => instances[i % instances.length]!.takeUnattendedLateAnswers({ now: 5000, until: 70_000 })));
    expect(takes.flat()).toEqual([{ inbound: expect.objectContaining({ id: message.id, text: 'slow question' }), holdingId: expect.any(Number) }]);
    expect(takes.flat()[0]!.holdingId).toBeGreaterThan(message.id);
    // Taken, and its taker dies: free again once the hold runs out.
    expect(await c.takeUnattendedLateAnswers({ now: 69_999, until: 130_000 })).toEqual([]);
    expect(await c.takeUnattendedLateAnswers({ now: 70_000, until: 130_000 })).toHaveLength(1);
  });

  it('the outbox hands each message to one worker only, one customer at a time and in order', async () => {
    const { storage, again } = await open(backend);
    const second = await again();
    const c = storage.conversations;
    const contacts = ['6281100000010', '6281100000011', '6281100000012'];
    for (const phone of contacts) {
      const m = (await c.saveInbound(inbound(phone, 'hi'), 1000)).message;
      await storage.outbox.enqueue({
        record: { ...reply(m.contactId, m.id, 'late', 0), via: undefined } as never,
        messages: [1, 2, 3].map((n) => ({ kind: 'text' as const, text: `${phone} part ${n}` })),
        at: 1000,
      });
    }
    // Two "instances" claim at once, many times: never the same message, never two of one customer.
    const claims = await Promise.all(Array.from({ length: 20 }, (_, i) => (i % 2 ? second : storage).outbox.claimNext({ now: 2000, leaseMs: 30_000 })));
    const taken = claims.filter((item) => item !== null);
    expect(taken).toHaveLength(3);
    expect(new Set(taken.map((item) => item.phone)).size).toBe(3);
    expect(taken.every((item) => item.message.kind === 'text' && item.message.text.endsWith('part 1'))).toBe(true);
    // Sent: the customer's next part comes next.
    await storage.outbox.markSent({ id: taken[0]!.id, whatspieId: 'W-1', at: 2100 });
    const next = await second.outbox.claimNext({ now: 2200, leaseMs: 30_000 });
    expect(next?.phone).toBe(taken[0]!.phone);
    expect(next?.message).toMatchObject({ text: `${taken[0]!.phone} part 2` });
    expect(await storage.outbox.claimNext({ now: 2300, leaseMs: 30_000 })).toBeNull();
    // A lease that ran out (its process died mid-send) leaves the message unknown, never pending again; two instances
    // looking at once report each message once. It does not hold the customer's later messages back.
    const lapsed = await Promise.all([storage, second].map((s) => s.outbox.lapseLeases({ now: 40_000, reason: 'lease ran out' })));
    expect(new Set(lapsed.flat().map((m) => m.id))).toEqual(new Set([next!.id, ...taken.slice(1).map((item) => item.id)]));
    expect(await storage.outbox.entry(next!.id)).toMatchObject({ state: 'unknown', error: 'lease ran out', attempts: 1 });
    const after = await storage.outbox.claimNext({ now: 40_000, leaseMs: 30_000 });
    expect(after?.message).toMatchObject({ text: expect.stringMatching(/part [23]$/) });
    expect(await storage.outbox.failByWhatspieId({ whatspieId: 'W-1', reason: 'Whatspie: failed' })).toBe(true);
    expect(await storage.outbox.undelivered((await c.contactByPhone(taken[0]!.phone))!.id)).toBeGreaterThan(0);
  });

  it('indexes the knowledge base once per version, and finds sections by stemmed words, headings first', async () => {
    const { storage, again } = await open(backend);
    const sections = [
      { file: 'faq.md', heading: 'Shipping and delivery', body: 'Orders ship the same day. Delivery takes 2–3 working days.' },
      { file: 'faq.md', heading: 'Payment methods', body: 'We accept bank transfer and QRIS. Shipping costs are paid on delivery.' },
    ];
    const other = await again();
    // Two instances seeing the same files at the same moment: one of them indexes.
    const indexed = await Promise.all([storage.knowledge.replace(sections, 'v1'), other.knowledge.replace(sections, 'v1')]);
    expect(indexed.filter(Boolean)).toHaveLength(1);
    expect(await storage.knowledge.replace(sections, 'v1')).toBe(false);
    const hits = await storage.knowledge.search({ terms: ['shipped'], limit: 5 });
    expect(hits.map((h) => h.heading)).toEqual(['Shipping and delivery', 'Payment methods']);
    expect(await storage.knowledge.countMatchingTerms({ rowid: hits[0]!.rowid, terms: ['shipping', 'delivery', 'banana'] })).toBe(2);
    expect(await storage.knowledge.replace([sections[1]!], 'v2')).toBe(true);
    expect((await other.knowledge.search({ terms: ['delivery'], limit: 5 })).map((h) => h.heading)).toEqual(['Payment methods']);
  });

  it('reports list, show, search and events for the transcripts tool', async () => {
    const { storage } = await open(backend);
    const c = storage.conversations;
    const ana = (await c.saveInbound(inbound('6281100000020', 'Where is my ORDER?'), 1000)).message;
    await c.saveReply({ ...reply(ana.contactId, ana.id, 'Sorry, trouble', 1001), fellBack: true, fallbackReason: 'llm_timeout' });
    const budi = (await c.saveInbound(inbound('6281100000021', 'hello'), 3000)).message;
    await c.saveReply(reply(budi.contactId, budi.id, 'hi', 3001));
    await c.startHandoff({ contactId: ana.contactId, at: 4000, reason: 'angry', countsFrom: 8000, withinHours: false });
    await c.saveEvent({ type: 'device_disconnected', whatspieMessageId: null, summary: 'logged out', payload: '{}', at: 5000 });

    // Waiting first, by when HANDOFF_HOURS count (8000), not by when it was handed over (4000).
    const list = await storage.reports.listContacts({ handoffActiveAfter: 6000 });
    expect(list.map((row) => [row.phone, row.messages, row.fallbacks, row.handoffReason, row.handoffAt, row.handoffCountsFrom, row.handoffWithinHours])).toEqual([
      ['6281100000020', 2, 1, 'angry', 4000, 8000, false],
      ['6281100000021', 2, 0, null, null, null, null],
    ]);
    expect(await storage.reports.listContacts({ handoffActiveAfter: 0, limit: 1, since: 2000 })).toHaveLength(1);
    const rows = await storage.reports.transcriptRows({ phone: '6281100000020' });
    expect(rows.map((r) => [r.direction, r.text, r.fellBack, r.delivery])).toEqual([
      ['in', 'Where is my ORDER?', null, null],
      ['out', 'Sorry, trouble', 1, null],
    ]);
    expect((await storage.reports.searchMessages({ words: ['order', 'where'], limit: 10 })).map((r) => r.text)).toEqual(['Where is my ORDER?']);
    expect(await storage.reports.searchMessages({ words: ['100%_'], limit: 10 })).toEqual([]);
    expect((await storage.reports.recentEvents({ limit: 10 })).map((e) => [e.type, e.summary, e.createdAt])).toEqual([['device_disconnected', 'logged out', 5000]]);
  });

  it('text holding NUL that we write ourselves (transcript, errors, a queued message, a knowledge section) is kept', async () => {
    const { storage } = await open(backend);
    const c = storage.conversations;
    // SQLite keeps the NUL; PostgreSQL cannot, and keeps U+FFFD in its place: either way nothing is lost.
    const shown = (text: string | null | undefined) => text?.replaceAll('\0', '\uFFFD');
    const m = (await c.saveInbound(inbound('6281100000030', 'voice'), 1000)).message;
    await c.saveTranscription(m.id, 'heard\0this');
    await c.saveMediaFile(m.id, { error: 'host said\0no' });
    await c.saveReply(reply(m.contactId, m.id, 'an\0swer', 1001));
    await c.startHandoff({ contactId: m.contactId, at: 1002, reason: 'rea\0son', countsFrom: 1002, withinHours: null });
    await c.saveEvent({ type: 'other', whatspieMessageId: null, summary: 'sum\0mary', payload: '{}', at: 1003 });
    await storage.outbox.enqueue({ record: { ...reply(m.contactId, m.id, 'la\0te', 0), via: undefined } as never, messages: [{ kind: 'text', text: 'la\0te' }], at: 1004 });
    const queued = await storage.outbox.claimNext({ now: 2000, leaseMs: 30_000 });
    await storage.outbox.retryLater({ id: queued!.id, reason: 'Whatspie said\0busy', at: 3000 });
    await storage.knowledge.replace([{ file: 'faq.md', heading: 'Ship\0ping', body: 'Orders ship\0 today.' }], 'v1');

    const rows = await storage.reports.transcriptRows({ phone: '6281100000030' });
    expect(rows.map((r) => [shown(r.text), shown(r.transcription), shown(r.mediaError), shown(r.deliveryError)])).toEqual([
      ['voice', 'heard\uFFFDthis', 'host said\uFFFDno', undefined],
      ['an\uFFFDswer', undefined, undefined, undefined],
      ['la\uFFFDte', undefined, undefined, 'Whatspie said\uFFFDbusy'],
    ]);
    expect(shown((await c.handoff(m.contactId))?.reason)).toBe('rea\uFFFDson');
    expect((await storage.reports.recentEvents({ limit: 1 })).map((e) => shown(e.summary))).toEqual(['sum\uFFFDmary']);
    expect(queued!.message).toMatchObject({ text: expect.stringMatching(/^la(\0|\uFFFD)te$/) });
    expect((await storage.knowledge.search({ terms: ['today'], limit: 1 })).map((h) => shown(h.heading))).toEqual(['Ship\uFFFDping']);
  });

  it('keeps the first value of a setting written by two instances at once', async () => {
    const { storage, again } = await open(backend);
    const other = await again();
    const [a, b] = await Promise.all([storage.settings.init('webhook_secret', 'aaaa'), other.settings.init('webhook_secret', 'bbbb')]);
    expect(a).toBe(b);
    expect(await storage.settings.read('webhook_secret')).toBe(a);
    expect(await storage.settings.read('nothing')).toBeUndefined();
  });

  it('turns: a customer’s messages one at a time in arrival order; the older one knows a newer one waits', async () => {
    const { storage, again } = await open(backend);
    // With PostgreSQL the second message goes to another instance; SQLite runs one process, so the same one.
    const other = backend === 'postgres' ? await again() : storage;
    const c = storage.conversations;
    const first = (await c.saveInbound(inbound('6281100000030', 'one'), Date.now())).message;
    const second = (await c.saveInbound(inbound('6281100000030', 'two'), Date.now())).message;
    const order: string[] = [];
    const deadline = Date.now() + 3000;
    const runFirst = storage.turns.run(first, deadline, async (newerWaiting) => {
      order.push(`first starts (newer waiting: ${newerWaiting})`);
      await new Promise((resolve) => setTimeout(resolve, 150));
      await c.saveReply(reply(first.contactId, first.id, 'a', Date.now()));
      order.push('first done');
    });
    const runSecond = other.turns.run(second, deadline, async (newerWaiting) => {
      order.push(`second starts (newer waiting: ${newerWaiting})`);
    });
    await Promise.all([runFirst, runSecond]);
    expect(order).toEqual(['first starts (newer waiting: true)', 'first done', 'second starts (newer waiting: false)']);
  });
});

describe.runIf(backends.includes('postgres'))('PostgreSQL only', () => {
  it('claims a message for one instance; a claim lapses when its holder does not answer in time', async () => {
    const { storage, again } = await open('postgres');
    const other = await again();
    const now = Date.now();
    const { message } = await storage.conversations.saveInbound(inbound('6281100000040', 'hello'), now);
    // The instance that stored it holds it: a redelivery on another instance does not get it...
    expect(await other.turns.claim(message.id, now + 100)).toBe(false);
    // ...until the window (deadline + 1 s) has passed without an answer: its holder died.
    expect(await other.turns.claim(message.id, now + 3100)).toBe(true);
    expect(await storage.turns.claim(message.id, now + 3200)).toBe(false);
  });

  it('stems Indonesian as well as English (both configurations are indexed)', async () => {
    const { storage } = await open('postgres');
    await storage.knowledge.replace(
      [
        { file: 'faq.md', heading: 'Pembayaran', body: 'Kami menerima transfer bank dan QRIS. Pesanan dibayarkan sebelum dikirim.' },
        { file: 'faq.md', heading: 'Jam buka', body: 'Toko buka setiap hari kerja.' },
      ],
      'v1',
    );
    // "membayar" and "bayar" reach "Pembayaran"/"dibayarkan" only through the Indonesian stemmer.
    expect((await storage.knowledge.search({ terms: ['membayar'], limit: 5 })).map((h) => h.heading)).toEqual(['Pembayaran']);
    expect((await storage.knowledge.search({ terms: ['bayar'], limit: 5 })).map((h) => h.heading)).toEqual(['Pembayaran']);
    expect((await storage.knowledge.search({ terms: ['accepting'], limit: 5 })).map((h) => h.heading)).toEqual([]);
  });

  it('two instances starting at the same moment on an empty database both start (migrations under a lock)', async () => {
    const url = await freshPostgresDatabase();
    const started = await Promise.all(Array.from({ length: 4 }, () => openPostgresStorage({ url, poolSize: 2, deadlineMs: 2000, logger: silentLogger, connectTimeoutMs: BUSY_MACHINE_CONNECT_MS })));
    opened.push(...started);
    expect(await Promise.all(started.map((s) => s.conversations.healthy()))).toEqual([true, true, true, true]);
  });

  it('an unreachable server is one clear startup error, without the password', async () => {
    const error = await openPostgresStorage({ url: 'postgres://bot:hunter2@127.0.0.1:1/bot', poolSize: 1, deadlineMs: 2000, logger: silentLogger }).catch((e: unknown) => e);
    expect((error as Error).message).toBe('cannot open the database postgres://127.0.0.1:1/bot: connection refused (is PostgreSQL running, and on that port?)');
  });
});
