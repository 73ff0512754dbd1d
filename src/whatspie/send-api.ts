// Whatspie's REST send API (POST /messages), for answers that outlive the webhook's 5 seconds and for operators'
// replies. The request body for each kind of message and the tolerant reading of the answer live here, once.
// Source: shared/WHATSPIE-API.md (Whatspie's docs: docs/messaging/send-*.md, intro.md).
import { z } from 'zod';
import type { OutgoingMessage } from './reply.js';

export type SendBody = {
  device: string;
  receiver: string;
  type: 'chat' | 'image' | 'file';
  params: Record<string, unknown>;
  simulate_typing: 1;
};

/** The request for one message, or null for a reaction: the API has no documented call for one. */
export function sendBody(device: string, receiver: string, message: OutgoingMessage): SendBody | null {
  const base = { device, receiver, simulate_typing: 1 as const };
  switch (message.kind) {
    case 'text':
      return { ...base, type: 'chat', params: { text: message.text } };
    case 'image':
      return { ...base, type: 'image', params: { image: { url: message.url }, ...(message.caption ? { caption: message.caption } : {}) } };
    case 'document':
      // Note the spelling: `mimetype` here, `mimeType` in the webhook reply.
      return { ...base, type: 'file', params: { document: { url: message.url }, fileName: message.fileName, mimetype: message.mimeType, ...(message.caption ? { caption: message.caption } : {}) } };
    case 'reaction':
      return null;
  }
}

// The docs show {"status": 200, "data": {"id": 36259782, …}} and once {"code": 200, "data": {"id": "msg_…"}}: read both.
const answerSchema = z.looseObject({
  message: z.string().nullish(),
  error: z.unknown().optional(),
  errors: z.unknown().optional(),
  data: z.looseObject({ id: z.union([z.string(), z.number()]).nullish() }).nullish(),
});

/** Whatspie's id of the sent message, when its answer names one. */
export function sentMessageId(body: unknown): string | null {
  const parsed = answerSchema.safeParse(body);
  const id = parsed.success ? parsed.data.data?.id : null;
  return id == null ? null : String(id).slice(0, 64);
}

/** A short reason from an error answer, for the outbox and the log. */
export function errorReason(status: number, body: unknown): string {
  const parsed = answerSchema.safeParse(body);
  const message = parsed.success ? parsed.data.message : null;
  const errors = parsed.success && parsed.data.errors ? ` ${JSON.stringify(parsed.data.errors).slice(0, 200)}` : '';
  return `HTTP ${status}${message ? `: ${message.slice(0, 200)}` : ''}${errors}`;
}
