// Sends one message through Whatspie's REST API and says what happened: sent (with Whatspie's id), not sent and worth
// retrying (no connection, a 429, a 5xx), refused for good (any other 4xx: a bad number, a quota used up), or fate
// unknown: the request reached Whatspie's side and no answer came back. Whatspie has no idempotency key, so only the
// caller that knows the request never arrived may send it again.
import type { OutgoingMessage } from '../whatspie/reply.js';
import { redactSecrets } from '../secrets.js';
import { errorReason, sendBody, sentMessageId } from '../whatspie/send-api.js';
import { postJson } from './http-post.js';

export type SendResult =
  | { outcome: 'sent'; whatspieId: string | null }
  /** Certainly not sent: no connection, or Whatspie said so (429, 5xx). */
  | { outcome: 'retry'; reason: string }
  /** Whatspie refused it; sending it again would be refused again. */
  | { outcome: 'refused'; reason: string }
  /** The request was sent and no answer came back: it may or may not have gone out. */
  | { outcome: 'unknown'; reason: string };

export interface WhatspieApi {
  send(receiver: string, message: OutgoingMessage): Promise<SendResult>;
}

/**
 * 504 and Cloudflare's 524 are a gateway in front of Whatspie saying that Whatspie had the request and did not answer
 * in time: the same unknown as our own timeout, only seen through a proxy.
 */
const GATEWAY_TIMEOUTS = new Set([504, 524]);

export function createWhatspieApi(options: { baseUrl: string; token: string; device: string; timeoutMs?: number }): WhatspieApi {
  const url = new URL(`${options.baseUrl.replace(/\/+$/, '')}/messages`);
  const timeoutMs = options.timeoutMs ?? 10_000;
  const seconds = `${timeoutMs / 1000} s`;
  return {
    async send(receiver, message) {
      const body = sendBody(options.device, receiver, message);
      if (!body) return { outcome: 'refused', reason: "Whatspie's API cannot send a reaction" };
      const headers = { authorization: `Bearer ${options.token}`, 'content-type': 'application/json', accept: 'application/json' };
      const result = await postJson(url, headers, JSON.stringify(body), timeoutMs);
      if (!result.answered) {
        const code = result.code ? ` (${result.code})` : '';
        if (!result.written) return { outcome: 'retry', reason: result.timedOut ? `the request could not be sent within ${seconds}` : `connection failed${code} before the request was sent` };
        return { outcome: 'unknown', reason: result.timedOut ? `no answer within ${seconds} after the request was sent` : `connection cut${code} after the request was sent` };
      }
      if (result.status >= 200 && result.status < 300) return { outcome: 'sent', whatspieId: sentMessageId(result.body) };
      // Whatspie's message may repeat what it was sent (a 401 quoting the Authorization header): the reason is stored,
      // logged and shown by `transcripts show`, so it keeps no secret.
      const reason = redactSecrets(errorReason(result.status, result.body), [options.token]);
      if (GATEWAY_TIMEOUTS.has(result.status)) return { outcome: 'unknown', reason: `${reason} (a gateway gave up waiting for Whatspie)` };
      if (result.status === 429 || result.status >= 500) return { outcome: 'retry', reason };
      return { outcome: 'refused', reason };
    },
  };
}
