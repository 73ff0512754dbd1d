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
  timeoutSeconds?: number;
}): Promise<LoadResult> {
  const sender = options.sender ?? (() => `62${Math.floor(1e10 + Math.random() * 9e10)}`);
  let fallbacks = 0;
  const result = await autocannon({
    url: options.url,
    connections: options.connections,
    duration: options.durationSeconds,
    timeout: options.timeoutSeconds ?? 10,
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    requests: [
      {
        setupRequest: (request) => {
          const from = sender();
          request.body = JSON.stringify({
            message: 'Hello, when does my order ship?',
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
