// Drives a webhook with autocannon: a fresh message id, and a fresh sender unless told whom, on every request.
import { randomUUID } from 'node:crypto';
import autocannon from 'autocannon';

export interface LoadResult {
  requestsPerSecond: number;
  p50: number;
  p99: number;
  max: number;
  total: number;
  /** Requests that got no 200 in time (errors, timeouts, other statuses). */
  failed: number;
  /** 200 answers that carried the fallback text. */
  fallbacks: number;
}

const FALLBACK_MARKER = 'team will get back to you';

export async function runLoad(options: {
  /** The full webhook URL, with its ?token= where needed. */
  url: string;
  connections: number;
  durationSeconds: number;
  /** Picks the sender of each request; default: a new number every time. */
  sender?: () => string;
  /** The message's own fields (a media message's type and file); default: a text message. */
  content?: () => Record<string, unknown>;
  timeoutSeconds?: number;
  /** Requests per second over all connections (open loop); default: as fast as answered. */
  rate?: number;
}): Promise<LoadResult> {
  const content = options.content ?? (() => ({ message: 'Hello, when does my order ship?' }));
  const sender = options.sender ?? (() => `62${Math.floor(1e10 + Math.random() * 9e10)}`);
  let fallbacks = 0;
  const result = await autocannon({
    url: options.url,
    connections: options.connections,
    duration: options.durationSeconds,
    timeout: options.timeoutSeconds ?? 10,
    ...(options.rate && { overallRate: options.rate }),
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    requests: [
      {
        setupRequest: (request) => {
          const from = sender();
          request.body = JSON.stringify({
            ...content(),
            from,
            timestamp: Math.floor(Date.now() / 1000),
            message_id: randomUUID(),
            from_user: { name: 'Bench Customer', jid: `${from}@s.whatsapp.net` },
            is_forwarded: false,
            is_broadcast: false,
          });
          return request;
        },
        onResponse: (_status, body) => {
          if (body.includes(FALLBACK_MARKER)) fallbacks += 1;
        },
      },
    ],
  });
  const total = result.requests.total;
  return {
    requestsPerSecond: result.requests.average,
    p50: result.latency.p50,
    p99: result.latency.p99,
    max: result.latency.max,
    total,
    failed: result.errors + result.timeouts + result.non2xx,
    fallbacks,
  };
}

/**
 * A closed loop of `connections` plain node:http clients, each sending its next request when the last is answered.
 * For the hanging-LLM check, where a few milliseconds matter: autocannon's own per-response work, 200 answers
 * arriving at once, added up to 150 ms to the latencies it reported.
 */
export async function runClosedLoop(options: {
  url: string;
  /** More servers behind one address, as a load balancer spreads them: connection i goes to urls[i % n]. */
  urls?: string[];
  connections: number;
  durationSeconds: number;
}): Promise<LoadResult & { latencies: number[] }> {
  const { request, Agent } = await import('node:http');
  const urls = options.urls ?? [options.url];
  const agent = new Agent({ keepAlive: true, maxSockets: options.connections });
  const latencies: number[] = [];
  let failed = 0;
  let fallbacks = 0;
  // Open the sockets first (GET /healthz on each), so that connecting is not counted as the server's reply time.
  await Promise.all(
    Array.from({ length: options.connections }, (_, i) => new Promise<void>((resolve) => request(new URL('/healthz', urls[i % urls.length]), { agent }, (res) => res.resume().on('end', resolve)).end())),
  );
  const end = performance.now() + options.durationSeconds * 1000;
  const one = (url: string) =>
    new Promise<void>((resolve) => {
      const from = `62${Math.floor(1e10 + Math.random() * 9e10)}`;
      const body = JSON.stringify({ message: 'Hello, when does my order ship?', from, timestamp: Math.floor(Date.now() / 1000), message_id: randomUUID() });
      const started = performance.now();
      const req = request(url, { method: 'POST', agent, headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } }, (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (text += chunk));
        res.on('end', () => {
          latencies.push(performance.now() - started);
          if (res.statusCode !== 200) failed += 1;
          if (text.includes(FALLBACK_MARKER)) fallbacks += 1;
          resolve();
        });
      });
      req.on('error', () => {
        failed += 1;
        resolve();
      });
      req.end(body);
    });
  await Promise.all(
    Array.from({ length: options.connections }, async (_, i) => {
      while (performance.now() < end) await one(urls[i % urls.length]!);
    }),
  );
  agent.destroy();
  const sorted = [...latencies].sort((a, b) => a - b);
  const at = (q: number) => Math.round(sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0);
  return {
    requestsPerSecond: latencies.length / options.durationSeconds,
    p50: at(0.5),
    p99: at(0.99),
    max: Math.round(sorted.at(-1) ?? 0),
    total: latencies.length,
    failed,
    fallbacks,
    latencies,
  };
}
