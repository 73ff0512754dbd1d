// The payloads of Whatspie's documentation (copied from shared/fixtures), with fresh ids on request.
import { readFileSync } from 'node:fs';

const root = new URL('../fixtures/whatspie/', import.meta.url);

export const inboundNames = ['text', 'image', 'document', 'audio', 'contact'] as const;
export const replyNames = ['text', 'image', 'document', 'reaction', 'multiple'] as const;

export function inboundFixture(name: (typeof inboundNames)[number]): Record<string, unknown> {
  return JSON.parse(readFileSync(new URL(`inbound/${name}.json`, root), 'utf8'));
}

export function replyFixture(name: (typeof replyNames)[number]): unknown {
  return JSON.parse(readFileSync(new URL(`replies/${name}.json`, root), 'utf8'));
}

let counter = 0;
/** A fixture with its own message id (two documented examples share one), optionally from another sender. */
export function freshInbound(
  name: (typeof inboundNames)[number] = 'text',
  overrides: Record<string, unknown> = {},
): Record<string, unknown> {
  counter += 1;
  return { ...inboundFixture(name), message_id: `TEST${Date.now()}${counter}`, ...overrides };
}

export const textFrom = (from: string, message: string, extra: Record<string, unknown> = {}) =>
  freshInbound('text', { from, message, from_user: { name: `Customer ${from}`, jid: `${from}@s.whatsapp.net` }, ...extra });
