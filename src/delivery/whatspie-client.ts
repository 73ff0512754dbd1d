// Sends one message through Whatspie's REST API and says what happened: sent (with Whatspie's id), worth retrying
// (429, 5xx, a network error, no answer in time), or refused for good (any other 4xx: a bad number, a quota used up).
import type { OutgoingMessage } from '../whatspie/reply.js';
import { redactSecrets } from '../secrets.js';
import { errorReason, sendBody, sentMessageId } from '../whatspie/send-api.js';

export type SendResult = { ok: true; whatspieId: string | null } | { ok: false; retry: boolean; reason: string };

export interface WhatspieApi {
  send(receiver: string, message: OutgoingMessage): Promise<SendResult>;
}

export function createWhatspieApi(options: { baseUrl: string; token: string; device: string; timeoutMs?: number }): WhatspieApi {
  const url = `${options.baseUrl.replace(/\/+$/, '')}/messages`;
  return {
    async send(receiver, message) {
      const body = sendBody(options.device, receiver, message);
      if (!body) return { ok: false, retry: false, reason: "Whatspie's API cannot send a reaction" };
      let response: Response;
      try {
        response = await fetch(url, {
          method: 'POST',
          headers: { authorization: `Bearer ${options.token}`, 'content-type': 'application/json', accept: 'application/json' },
          body: JSON.stringify(body),
          signal: AbortSignal.timeout(options.timeoutMs ?? 10_000),
        });
      } catch (error) {
        const cause = (error as { cause?: { code?: string } }).cause?.code;
        const reason = (error as Error).name === 'TimeoutError' ? 'no answer in time' : `network error${cause ? ` (${cause})` : ''}`;
        return { ok: false, retry: true, reason };
      }
      let answer: unknown = null;
      try {
        answer = await response.json();
      } catch {
        // An answer that is not JSON still has a status.
      }
      if (response.ok) return { ok: true, whatspieId: sentMessageId(answer) };
      const retry = response.status === 429 || response.status >= 500;
      // Whatspie's message may repeat what it was sent (a 401 quoting the Authorization header): the reason is stored,
      // logged and shown by `transcripts show`, so it keeps no secret.
      return { ok: false, retry, reason: redactSecrets(errorReason(response.status, answer), [options.token]) };
    },
  };
}
