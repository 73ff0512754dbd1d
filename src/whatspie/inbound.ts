// What Whatspie POSTs to the webhook, v1 or v2: strict on the envelope we rely on, lenient where its own docs disagree.
// The program's types of inbound messages and events are inferred from these schemas, never written twice.
import { z } from 'zod';
import { withoutNul } from '../util/nul.js';

/**
 * Every string read from Whatspie: a NUL becomes U+FFFD here, at the edge, so that both databases store (and the
 * model reads) the same text (see util/nul.ts).
 */
const whatspieString = () => z.string().overwrite(withoutNul);
const optionalText = whatspieString().nullish();
const optionalFlag = z.boolean().nullish();

const envelopeSchema = z.looseObject({
  from: whatspieString().trim().min(1).max(128),
  message_id: whatspieString().trim().min(1).max(256),
  timestamp: z.number().int().nonnegative(),
  type: whatspieString().max(64).nullish(),
  from_user: z.looseObject({ name: optionalText, jid: optionalText }).nullish(),
  participant: optionalText,
  is_broadcast: optionalFlag,
  is_forwarded: optionalFlag,
  // An older page of Whatspie's docs spells it this way.
  is_forwared: optionalFlag,
});

const fileSchema = z.looseObject({
  url: whatspieString().min(1).max(4096),
  caption: optionalText,
  fileName: optionalText,
  seconds: z.number().nonnegative().nullish(),
});

const contentSchemas = {
  text: z.looseObject({ message: whatspieString() }).transform((b) => ({ kind: 'text' as const, text: b.message })),
  imageMessage: z
    .looseObject({ file: fileSchema })
    .transform((b) => ({ kind: 'image' as const, url: b.file.url, caption: b.file.caption ?? null })),
  documentMessage: z
    .looseObject({ file: fileSchema })
    .transform((b) => ({ kind: 'document' as const, url: b.file.url, caption: b.file.caption ?? null, fileName: b.file.fileName ?? null })),
  audioMessage: z
    .looseObject({ file: fileSchema })
    .transform((b) => ({ kind: 'audio' as const, url: b.file.url, seconds: b.file.seconds ?? null })),
  contactMessage: z
    .looseObject({ contacts: z.array(z.looseObject({ displayName: optionalText, vcard: optionalText })).max(100) })
    .transform((b) => ({ kind: 'contact' as const, contacts: b.contacts.map((c) => ({ name: c.displayName ?? null, vcard: c.vcard ?? null })) })),
};

/** A message type Whatspie's docs do not list (sticker, video, location…): accepted, described by its type, and its
 * file kept when it carries one. */
const unknownFile = z.looseObject({ file: z.looseObject({ url: whatspieString().min(1).max(4096) }).nullish() });
const unknownContent = (type: string, body?: unknown) => {
  const file = unknownFile.safeParse(body);
  return { kind: 'unknown' as const, type, url: (file.success ? file.data.file?.url : undefined) ?? null };
};

export type InboundContent = z.output<(typeof contentSchemas)[keyof typeof contentSchemas]> | ReturnType<typeof unknownContent>;

function describeIssues(error: z.ZodError): string {
  return error.issues
    .slice(0, 5)
    .map((issue) => (issue.path.length > 0 ? `${issue.path.join('.')}: ${issue.message}` : issue.message))
    .join('; ');
}

/** Whatspie's v1 message payload (and the `data` of a v2 message_incoming), as the one shape the program uses. */
const messageSchema = envelopeSchema.transform((e, ctx) => {
  const key = e.type ?? 'text';
  const schema = Object.hasOwn(contentSchemas, key) ? contentSchemas[key as keyof typeof contentSchemas] : undefined;
  let content: InboundContent = unknownContent(key, e);
  if (schema) {
    const parsed = schema.safeParse(e);
    if (!parsed.success) {
      for (const issue of parsed.error.issues) ctx.addIssue({ code: 'custom', message: issue.message, path: issue.path as PropertyKey[] });
      return z.NEVER;
    }
    content = parsed.data;
  }
  return {
    messageId: e.message_id,
    from: e.from,
    jid: e.from_user?.jid ?? `${e.from}@s.whatsapp.net`,
    senderName: e.from_user?.name ?? null,
    sentAt: e.timestamp,
    participant: e.participant ?? null,
    isBroadcast: e.is_broadcast ?? false,
    isForwarded: e.is_forwarded ?? e.is_forwared ?? false,
    content,
  };
});

export type InboundMessage = z.output<typeof messageSchema> & {
  /** The body exactly as Whatspie posted it (re-serialising could fail on hostile nesting). */
  raw: string;
};

/** Group chats have ids like 1203630…@g.us (or the older 628…-1581…); one-to-one chats do not. */
export function isGroupMessage(message: InboundMessage): boolean {
  const isGroupId = (id: string) => id.endsWith('@g.us') || /^\d+-\d+(@|$)/.test(id);
  return Boolean(message.participant) || isGroupId(message.from) || isGroupId(message.jid);
}

/** Status updates and broadcast lists, which no one expects a bot to answer. */
export function isBroadcastMessage(message: InboundMessage): boolean {
  return message.isBroadcast || message.from.endsWith('@broadcast') || message.jid.endsWith('@broadcast');
}

// Whatspie's v2 envelope, {"type": …, "data": …}: events other than an incoming message are facts to keep, not to
// answer. Ids may come as numbers or strings, and every field is optional: an event we cannot read in full must still
// be stored and answered, never refused.
const whatspieId = z.union([z.number(), whatspieString()]).nullish().transform((id) => (id == null ? null : String(id).slice(0, 64)));
const text = whatspieString().nullish().transform((value) => (value == null ? null : value.slice(0, 500)));

const statusEventSchema = z.union([
  z.discriminatedUnion('type', [
    z
      .looseObject({ type: z.literal('message_read'), data: z.looseObject({ message_id: whatspieId, wa_message_id: text, read_at: text }) })
      .transform((e) => ({
        type: e.type as string,
        whatspieMessageId: e.data.message_id,
        reason: null as string | null,
        summary: `message ${e.data.message_id ?? '?'} read${e.data.read_at ? ` at ${e.data.read_at}` : ''}`,
      })),
    z
      .looseObject({ type: z.literal('message_failed'), data: z.looseObject({ message_id: whatspieId, status: text, reason: text }) })
      .transform((e) => ({
        type: e.type as string,
        whatspieMessageId: e.data.message_id,
        reason: e.data.reason,
        summary: `message ${e.data.message_id ?? '?'} failed: ${e.data.reason ?? e.data.status ?? 'no reason given'}`,
      })),
    z
      // The docs spell it device_Id; device_id is read too, in case that is ever corrected.
      .looseObject({ type: z.literal('device_disconnected'), data: z.looseObject({ device_Id: whatspieId, device_id: whatspieId, status: text, reason: text }) })
      .transform((e) => ({
        type: e.type as string,
        whatspieMessageId: null as string | null,
        reason: e.data.reason,
        summary: `device ${e.data.device_Id ?? e.data.device_id ?? '?'} disconnected (${e.data.status ?? 'no status'}): ${e.data.reason ?? 'no reason given'}`,
      })),
  ]),
  z
    .looseObject({ type: whatspieString() })
    .transform((e) => ({ type: e.type.slice(0, 64), whatspieMessageId: null as string | null, reason: null as string | null, summary: 'an event type this version does not know' })),
]);

export type StatusEvent = z.output<typeof statusEventSchema> & { raw: string };

/** What one webhook request carries: a message to answer, or an event to record. */
export type WebhookEvent = { kind: 'message'; format: 'v1' | 'v2'; message: InboundMessage } | { kind: 'status'; event: StatusEvent };

export type ParseResult = { ok: true; event: WebhookEvent } | { ok: false; problem: string };

const isV2Envelope = (body: Record<string, unknown>) => typeof body.type === 'string' && 'data' in body && !('message_id' in body);

function parseMessage(body: unknown, raw: string, format: 'v1' | 'v2', where = ''): ParseResult {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return { ok: false, problem: `${where || 'the body '}must be a JSON object` };
  const parsed = messageSchema.safeParse(body);
  if (!parsed.success) return { ok: false, problem: `${where}${describeIssues(parsed.error)}` };
  return { ok: true, event: { kind: 'message', format, message: { ...parsed.data, raw } } };
}

/** Validates a parsed JSON body, v1 or v2, and turns it into the one shape the rest of the program uses. */
export function parseWebhook(body: unknown, rawText?: string): ParseResult {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return { ok: false, problem: 'the body must be a JSON object' };
  const raw = rawText ?? JSON.stringify(body);
  const record = body as Record<string, unknown>;
  if (!isV2Envelope(record)) return parseMessage(body, raw, 'v1');
  if (record.type === 'message_incoming') return parseMessage(record.data, raw, 'v2', 'data: ');
  return { ok: true, event: { kind: 'status', event: { ...statusEventSchema.parse(body), raw } } };
}

/** A v1 message payload alone (the terminal chat and tests build these). */
export function parseInbound(body: unknown, rawText?: string): { ok: true; message: InboundMessage } | { ok: false; problem: string } {
  const parsed = parseWebhook(body, rawText);
  if (!parsed.ok) return parsed;
  return parsed.event.kind === 'message' ? { ok: true, message: parsed.event.message } : { ok: false, problem: 'not a message' };
}

/** Names and numbers from a shared contact's vCard. */
function summariseVcard(vcard: string): { name: string | null; numbers: string[] } {
  const lines = vcard.split(/\r?\n/);
  const value = (line: string) => line.split(':').slice(1).join(':').trim();
  const name = lines.find((l) => /^FN[:;]/i.test(l));
  const numbers = lines.filter((l) => /^TEL[:;]/i.test(l)).map(value).filter(Boolean);
  return { name: name ? value(name) || null : null, numbers };
}

/** "Name (+62 …)": what a reviewer and the model need of a shared contact card. */
export function describeSharedContact(contact: { name: string | null; vcard: string | null }): string {
  const card = contact.vcard ? summariseVcard(contact.vcard) : { name: null, numbers: [] };
  const name = contact.name ?? card.name ?? 'unnamed';
  return card.numbers.length > 0 ? `${name} (${card.numbers.join(', ')})` : name;
}
