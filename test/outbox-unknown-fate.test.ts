// The outbox repeats only a send that certainly did not reach Whatspie. One whose fate is unknown (the request went
// out and no answer came back, or the process sending it stopped) is marked "delivery unknown", shown so, and sent
// again only by an operator's `transcripts resend`. On both backends, against a real HTTP fake of Whatspie's API.
import { createServer } from 'node:net';
import { join } from 'node:path';
import { delay, HttpResponse } from 'msw';
import { afterEach, describe, expect, it } from 'vitest';
import { runTranscripts } from '../src/cli/transcripts.js';
import { LAPSED_LEASE_REASON, startOutboxWorker, type OutboxWorker } from '../src/delivery/outbox-worker.js';
import { createWhatspieApi } from '../src/delivery/whatspie-client.js';
import { silentLogger } from '../src/logger.js';
import { openPostgresStorage } from '../src/store/pg/storage.js';
import { openSqliteStorage } from '../src/store/sqlite-storage.js';
import type { Storage } from '../src/store/storage.js';
import { parseInbound } from '../src/whatspie/inbound.js';
import { toWebhookReply } from '../src/whatspie/reply.js';
import { startFakeWhatspie, type FakeWhatspie } from './fake-whatspie.js';
import { captureLogs, jsonOf, makeBot, tempDir, WHATSPIE_DEVICE, WHATSPIE_TOKEN } from './helpers/app.js';
import { fakeWhatspieForThisFile } from './helpers/fakes.js';
import { textFrom } from './helpers/fixtures.js';
import { answerWith, completion } from './helpers/llm.js';
import { backends, freshPostgresDatabase, type Backend } from './helpers/postgres.js';

const api = fakeWhatspieForThisFile();

/**
 * The client's time limit in these tests (10 s in production). Long enough that a loaded machine still writes the
 * request within it; what is tested is what happens after.
 */
const CLIENT_TIMEOUT_MS = 1500;

const cleanups: (() => Promise<unknown> | unknown)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

type Where = { DATABASE_PATH: string; DATABASE_URL?: string };

/** A fresh database, and where the transcripts tool finds it. */
async function openStore(backend: Backend): Promise<{ storage: Storage; settings: Where }> {
  if (backend === 'sqlite') {
    const path = join(tempDir(), 'bot.db');
    const storage = openSqliteStorage(path, { busyTimeoutMs: 2000 });
    cleanups.push(() => storage.close());
    return { storage, settings: { DATABASE_PATH: path } };
  }
  const url = await freshPostgresDatabase();
  const storage = await openPostgresStorage({ url, poolSize: 4, deadlineMs: 2000, logger: silentLogger });
  cleanups.push(() => storage.close());
  return { storage, settings: { DATABASE_PATH: join(tempDir(), 'unused.db'), DATABASE_URL: url } };
}

/** A customer's message and its late answer (one outbox row per text), as the server queues it; the answer's row id. */
async function queueLateAnswer(storage: Storage, phone: string, texts: string[], at: number): Promise<number> {
  const parsed = parseInbound(textFrom(phone, 'where is my order?'));
  if (!parsed.ok) throw new Error(parsed.problem);
  const inbound = (await storage.conversations.saveInbound(parsed.message, at)).message;
  const messages = texts.map((text) => ({ kind: 'text' as const, text }));
  return storage.outbox.enqueue({
    record: {
      contactId: inbound.contactId,
      inReplyTo: inbound.id,
      kind: 'text',
      text: texts.join('\n'),
      replyJson: JSON.stringify(toWebhookReply(messages)),
      model: 'test-model',
      llmLatencyMs: 6000,
      fellBack: false,
      fallbackReason: null,
    },
    messages,
    at,
  });
}

/** A worker on an injected clock: it acts when kicked (or drained), never on its own timer. */
function workerFor(storage: Storage, baseUrl: string, clock: { now: number }) {
  const logs = captureLogs();
  const worker = startOutboxWorker({
    outbox: storage.outbox,
    api: createWhatspieApi({ baseUrl, token: WHATSPIE_TOKEN, device: WHATSPIE_DEVICE, timeoutMs: CLIENT_TIMEOUT_MS }),
    logger: logs.logger,
    now: () => clock.now,
    pollMs: 3_600_000,
  });
  cleanups.push(() => worker.stop());
  return { worker, logs };
}

/** Lets the worker do everything it would do now, and waits until it has. */
async function settle(worker: OutboxWorker) {
  await worker.drain(1);
}

/** `npm run transcripts -- …` on that database, with Whatspie's API at `fake`. */
async function transcripts(where: Where, argv: string[], fake: FakeWhatspie = api) {
  const lines: string[] = [];
  const settings = { ...where, HANDOFF_HOURS: 24, WHATSPIE_API_TOKEN: WHATSPIE_TOKEN, WHATSPIE_DEVICE, WHATSPIE_API_URL: fake.url };
  const code = await runTranscripts(argv, { out: (t) => lines.push(t), err: (t) => lines.push(t), settings, now: Date.now() });
  return { code, out: lines.join('\n') };
}

/** A port on which nothing listens (for now). */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

describe.each(backends)('the outbox on %s', (backend) => {
  it("a send Whatspie accepts but answers only after the client's timeout goes out once, is marked unknown, and show says so", async () => {
    const { storage, settings } = await open();
    const customer = '6281900000701';
    const clock = { now: 1_000_000 };
    const rowId = await queueLateAnswer(storage, customer, ['Your parcel left our warehouse today.'], clock.now);
    let answerNow!: () => void;
    api.script([{ okAfter: new Promise<void>((resolve) => (answerNow = resolve)) }]);
    const { worker, logs } = workerFor(storage, api.url, clock);

    await expect.poll(() => storage.outbox.entry(1).then((e) => e?.state), { timeout: 10_000 }).toBe('unknown');
    answerNow(); // Whatspie answers at last, to a connection the client has given up.
    expect(await storage.outbox.entry(1)).toMatchObject({ state: 'unknown', attempts: 1, error: 'no answer within 1.5 s after the request was sent' });
    // Long after every backoff and lease, nothing sends it again.
    clock.now += 60 * 60_000;
    await settle(worker);
    expect(api.requests).toHaveLength(1);
    expect(api.requests[0]!.body.params.text).toBe('Your parcel left our warehouse today.');
    expect(await storage.outbox.entry(1)).toMatchObject({ state: 'unknown' });
    expect(await storage.outbox.deliveryOfRow(rowId)).toMatchObject({ state: 'unknown', unknownIds: [1] });
    expect(logs.records().find((r) => r.outboxId === 1 && r.level === 40)).toMatchObject({
      reason: 'no answer within 1.5 s after the request was sent',
      msg: expect.stringMatching(/^delivery unknown: .*not sent again automatically.*npm run transcripts -- resend 1/),
    });

    const show = await transcripts(settings, ['show', customer]);
    expect(show.out).toMatch(
      /bot\s+\[text\] Your parcel left our warehouse today\.\s+\(LATE, through the API, DELIVERY UNKNOWN: no answer within 1\.5 s after the request was sent, not sent again; if it did not arrive: transcripts resend 1, /,
    );
  });

  it('a send whose connection Whatspie cuts after taking the request is not repeated either', async () => {
    const { storage } = await open();
    const clock = { now: 1_000_000 };
    await queueLateAnswer(storage, '6281900000702', ['Cut off'], clock.now);
    api.script(['reset']);
    const { worker } = workerFor(storage, api.url, clock);
    await expect.poll(() => storage.outbox.entry(1).then((e) => e?.state), { timeout: 10_000 }).toBe('unknown');
    clock.now += 60 * 60_000;
    await settle(worker);
    expect(api.requests).toHaveLength(1);
    expect(await storage.outbox.entry(1)).toMatchObject({ state: 'unknown', error: 'connection cut (ECONNRESET) after the request was sent' });
  });

  it('a refused connection (nothing listening) and a 503 are still retried, then sent', async () => {
    const { storage } = await open();
    const clock = { now: 1_000_000 };
    await queueLateAnswer(storage, '6281900000703', ['Third time lucky'], clock.now);
    const port = await closedPort();
    const { worker } = workerFor(storage, `http://127.0.0.1:${port}`, clock);
    await expect.poll(() => storage.outbox.entry(1), { timeout: 10_000 }).toMatchObject({
      state: 'pending',
      attempts: 1,
      error: 'connection failed (ECONNREFUSED) before the request was sent',
    });

    // Whatspie comes back, overloaded at first.
    const whatspie = await startFakeWhatspie({ port });
    cleanups.push(() => whatspie.close());
    whatspie.script([{ status: 503 }]);
    clock.now += 1000;
    worker.kick();
    await expect.poll(() => storage.outbox.entry(1), { timeout: 10_000 }).toMatchObject({ state: 'pending', attempts: 2, error: 'HTTP 503: fake failure 503' });
    clock.now += 2000;
    worker.kick();
    await expect.poll(() => storage.outbox.entry(1).then((e) => e?.state), { timeout: 10_000 }).toBe('sent');
    expect(whatspie.requests).toHaveLength(2);
    expect(whatspie.sent.map((r) => r.body.params.text)).toEqual(['Third time lucky']);
  });

  it('a message whose sender stopped mid-send (its lease ran out) becomes unknown, with a warning, and is not sent', async () => {
    const { storage } = await open();
    const clock = { now: 1_000_000 };
    await queueLateAnswer(storage, '6281900000704', ['Maybe sent'], clock.now);
    // Another process took it and died before recording what Whatspie answered.
    expect(await storage.outbox.claimNext({ now: clock.now, leaseMs: 30_000 })).toMatchObject({ id: 1 });
    clock.now += 10_000;
    const { worker, logs } = workerFor(storage, api.url, clock);
    await settle(worker);
    expect(await storage.outbox.entry(1)).toMatchObject({ state: 'sending' });
    clock.now += 30_000;
    await settle(worker);
    expect(await storage.outbox.entry(1)).toMatchObject({ state: 'unknown', error: LAPSED_LEASE_REASON });
    expect(api.requests).toHaveLength(0);
    expect(logs.records().filter((r) => r.level === 40 && String(r.msg).startsWith('delivery unknown'))).toMatchObject([{ outboxId: 1, reason: LAPSED_LEASE_REASON }]);
  });

  it("the customer's later messages still go out behind one whose delivery is unknown", async () => {
    const { storage, settings } = await open();
    const customer = '6281900000705';
    const clock = { now: 1_000_000 };
    await queueLateAnswer(storage, customer, ['Part one', 'Part two'], clock.now);
    api.script(['reset']);
    const { worker } = workerFor(storage, api.url, clock);
    await expect.poll(() => storage.outbox.entry(2).then((e) => e?.state), { timeout: 10_000 }).toBe('sent');
    await settle(worker);
    expect(api.requests.map((r) => r.body.params.text)).toEqual(['Part one', 'Part two']);
    expect(await storage.outbox.entry(1)).toMatchObject({ state: 'unknown' });
    const show = await transcripts(settings, ['show', customer]);
    expect(show.out).toContain('DELIVERY UNKNOWN: connection cut (ECONNRESET) after the request was sent, not sent again; if it did not arrive: transcripts resend 1');
  });

  it('resend sends a message whose delivery is unknown once more, and refuses one that was sent', async () => {
    const { storage, settings } = await open();
    const customer = '6281900000706';
    const clock = { now: 1_000_000 };
    const rowId = await queueLateAnswer(storage, customer, ['Please resend me'], clock.now);
    api.script(['reset']);
    const { worker } = workerFor(storage, api.url, clock);
    await expect.poll(() => storage.outbox.entry(1).then((e) => e?.state), { timeout: 10_000 }).toBe('unknown');
    worker.stop();

    const resent = await transcripts(settings, ['resend', '1']);
    expect(resent).toEqual({ code: 0, out: expect.stringMatching(/^Sending message 1 to Customer 6281900000706 \(6281900000706\) once more…\nSent to .* \(Whatspie id \d+\)\.$/) });
    expect(api.requests.map((r) => r.body.params.text)).toEqual(['Please resend me', 'Please resend me']);
    expect(await storage.outbox.entry(1)).toMatchObject({ state: 'sent', attempts: 2, error: null });
    expect(await storage.outbox.deliveryOfRow(rowId)).toMatchObject({ state: 'sent', unknownIds: [] });
    expect((await transcripts(settings, ['show', customer])).out).not.toContain('UNKNOWN');

    const twice = await transcripts(settings, ['resend', '1']);
    expect(twice.code).toBe(1);
    expect(twice.out).toMatch(/^Error: message 1 was sent \(Whatspie id \d+\); resending it would send it twice\./);
    expect((await transcripts(settings, ['resend', '99'])).out).toMatch(/^Error: no outbox message 99;/);
    expect((await transcripts(settings, ['resend', 'abc'])).out).toMatch(/^Error: which message\?/);
    expect(api.requests).toHaveLength(2);
  });

  it('resend refuses a message that is still pending or that failed', async () => {
    const { storage, settings } = await open();
    const clock = { now: 1_000_000 };
    await queueLateAnswer(storage, '6281900000707', ['Queued'], clock.now);
    expect((await transcripts(settings, ['resend', '1'])).out).toMatch(/^Error: message 1 is still being sent; only a message whose delivery is unknown can be resent\./);
    await storage.outbox.markFailed({ id: 1, reason: 'HTTP 422: bad number' });
    expect((await transcripts(settings, ['resend', '1'])).out).toMatch(/^Error: message 1 failed \(HTTP 422: bad number\)/);
    expect(api.requests).toHaveLength(0);
  });

  /** A fresh database on this backend. */
  function open() {
    return openStore(backend);
  }
});

describe('the outbox worker', () => {
  it('a kick while it is still looking at the outbox is not lost: the message queued meanwhile goes out', async () => {
    const { storage } = await openStore('sqlite');
    const clock = { now: 1_000_000 };
    // The first look at the outbox is held until the test lets it answer, as a slow database would.
    let releaseLook!: () => void;
    const heldLook = new Promise<void>((resolve) => (releaseLook = resolve));
    let looks = 0;
    const outbox = new Proxy(storage.outbox, {
      get(target, name, receiver) {
        const value = Reflect.get(target, name, receiver);
        if (name !== 'claimNext') return typeof value === 'function' ? value.bind(target) : value;
        return async (...args: Parameters<Storage['outbox']['claimNext']>) => {
          looks += 1;
          if (looks === 1) {
            await heldLook;
            return null; // it looked before the message below was written
          }
          return target.claimNext(...args);
        };
      },
    });
    const worker = startOutboxWorker({
      outbox,
      api: createWhatspieApi({ baseUrl: api.url, token: WHATSPIE_TOKEN, device: WHATSPIE_DEVICE }),
      logger: silentLogger,
      now: () => clock.now,
      pollMs: 3_600_000,
    });
    cleanups.push(() => worker.stop());
    await expect.poll(() => looks).toBe(1);
    await queueLateAnswer(storage, '6281900000709', ['Queued while it looked'], clock.now);
    worker.kick();
    releaseLook();
    await expect.poll(() => storage.outbox.entry(1).then((e) => e?.state), { timeout: 10_000 }).toBe('sent');
    expect(api.sent.map((r) => r.body.params.text)).toEqual(['Queued while it looked']);
  });
});

describe('through the server', () => {
  it('a late answer whose connection is cut after the request: one POST, and a redelivered webhook gets [] and sends nothing', async () => {
    answerWith(async () => {
      await delay(900);
      return HttpResponse.json(completion({ content: 'Your parcel ships tomorrow.' }));
    });
    api.script(['reset']);
    const bot = makeBot({ deadlineMs: 600, whatspieApiUrl: api.url });
    const message = textFrom('6281900000710', 'when does it ship?');
    expect((await jsonOf(bot.post(message))).body).toMatch(/looking into it/);
    const state = () => bot.db.$client.prepare('select state from outbox').pluck().all();
    await expect.poll(state, { timeout: 10_000 }).toEqual(['unknown']);
    // Whatspie redelivers the customer's message: no holding reply, no answer in the webhook, no second send.
    expect(await jsonOf(bot.post(message))).toEqual([]);
    expect(state()).toEqual(['unknown']);
    expect(api.requests.map((r) => r.body.params.text)).toEqual(['Your parcel ships tomorrow.']);
  });
});
