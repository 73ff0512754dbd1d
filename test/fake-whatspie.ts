// A stand-in for Whatspie's REST API on loopback: records every request and answers as told (200 with an id, any
// status, a hang, a reset connection, an answer held until the test releases it), for unit, end-to-end and crash
// tests and for the benchmark.
// Run alone: node --import tsx test/fake-whatspie.ts [--port 4020] [--answer-after SECONDS]
import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';

/** `{ okAfter }`: accepted, answered 200 only once the promise settles (a slow Whatspie). */
export type FakeAnswer = 'ok' | 'hang' | 'reset' | { status: number; body?: unknown } | { okAfter: Promise<unknown> };

export interface SentRequest {
  authorization: string | undefined;
  body: { device: string; receiver: string; type: string; params: Record<string, any>; simulate_typing: number };
  at: number;
}

export interface FakeWhatspie {
  url: string;
  /** Requests answered with 200, in the order they arrived. */
  sent: SentRequest[];
  /** Every request, whatever it was answered. */
  requests: SentRequest[];
  /** The answers for the next requests, in order; after them every request gets `ok`. */
  script(answers: FakeAnswer[]): void;
  /** Resolves once `count` messages were accepted. */
  waitForSent(count: number, timeoutMs?: number): Promise<SentRequest[]>;
  close(): Promise<void>;
}

/** `answerAfterMs`: every accepted send is answered only after this long (a slow Whatspie, for trying it by hand). */
export async function startFakeWhatspie(options: { port?: number; answerAfterMs?: number } = {}): Promise<FakeWhatspie> {
  const sent: SentRequest[] = [];
  const requests: SentRequest[] = [];
  let queue: FakeAnswer[] = [];
  let nextId = 36259782;
  const waiters: (() => void)[] = [];
  function answerOk(request: SentRequest, res: ServerResponse) {
    sent.push(request);
    const id = nextId++;
    res.writeHead(200, { 'content-type': 'application/json' }).end(
      JSON.stringify({ status: 200, message: 'OK', data: { id, from_number: request.body.device, to_number: request.body.receiver, msg_type: 'outgoing', status: 'PENDING', wa_id: null } }),
    );
    for (const wake of waiters.splice(0)) wake();
  }
  const server: Server = createServer((req, res) => {
    let raw = '';
    req.on('data', (chunk: Buffer) => (raw += chunk.toString()));
    req.on('end', () => {
      if (req.method !== 'POST' || req.url !== '/messages') {
        res.writeHead(404, { 'content-type': 'application/json' }).end('{"message":"not found"}');
        return;
      }
      const request: SentRequest = { authorization: req.headers.authorization, body: JSON.parse(raw), at: Date.now() };
      requests.push(request);
      const answer = queue.shift() ?? 'ok';
      if (answer === 'hang') return;
      if (answer === 'reset') return void req.socket.destroy();
      if (answer === 'ok') return options.answerAfterMs ? void setTimeout(() => answerOk(request, res), options.answerAfterMs) : answerOk(request, res);
      if ('okAfter' in answer) return void answer.okAfter.then(() => answerOk(request, res));
      res.writeHead(answer.status, { 'content-type': 'application/json' }).end(JSON.stringify(answer.body ?? { status: answer.status, message: `fake failure ${answer.status}` }));
    });
  });
  await new Promise<void>((resolve) => server.listen(options.port ?? 0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    sent,
    requests,
    script(answers) {
      queue = [...answers];
    },
    async waitForSent(count, timeoutMs = 15_000) {
      const until = Date.now() + timeoutMs;
      while (sent.length < count) {
        if (Date.now() > until) throw new Error(`only ${sent.length} of ${count} messages arrived at the fake Whatspie API`);
        await new Promise<void>((resolve) => {
          waiters.push(resolve);
          setTimeout(resolve, 100);
        });
      }
      return sent;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const { values } = parseArgs({ options: { port: { type: 'string', multiple: true }, 'answer-after': { type: 'string' } } });
  const fake = await startFakeWhatspie({ port: Number(values.port?.at(-1) ?? 4020), answerAfterMs: Number(values['answer-after'] ?? 0) * 1000 });
  console.log(`Fake Whatspie API: WHATSPIE_API_URL=${fake.url} (listening ${new URL(fake.url).port})`);
  setInterval(() => console.log(`received ${fake.requests.length} requests, answered ${fake.sent.length} with 200`), 10_000).unref();
}
