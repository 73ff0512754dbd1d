// What Whatspie POSTs to the webhook: strict on the envelope we rely on, lenient where its own docs disagree.
import { z } from 'zod';

const optionalText = z.string().nullish();
const optionalFlag = z.boolean().nullish();

const envelopeSchema = z.looseObject({
  from: z.string().trim().min(1).max(128),
  message_id: z.string().trim().min(1).max(256),
  timestamp: z.number().int().nonnegative(),
  type: z.string().max(64).nullish(),
  from_user: z
    .looseObject({ name: optionalText, jid: optionalText })
    .nullish(),
  participant: optionalText,
  is_broadcast: optionalFlag,
  is_forwarded: optionalFlag,
  // An older page of Whatspie's docs spells it this way.
  is_forwared: optionalFlag,
});

const fileSchema = z.looseObject({
  url: z.string().min(1).max(4096),
  caption: optionalText,
  fileName: optionalText,
  seconds: z.number().nonnegative().nullish(),
});

const contentSchemas = {
  text: z.looseObject({ message: z.string() }),
  documentMessage: z.looseObject({ file: fileSchema }),
  imageMessage: z.looseObject({ file: fileSchema }),
  audioMessage: z.looseObject({ file: fileSchema }),
  contactMessage: z.looseObject({
    contacts: z.array(z.looseObject({ displayName: optionalText, vcard: optionalText })).max(100),
  }),
};

export type InboundContent =
  | { kind: 'text'; text: string }
  | { kind: 'image'; url: string; caption: string | null }
  | { kind: 'document'; url: string; caption: string | null; fileName: string | null }
  | { kind: 'audio'; url: string; seconds: number | null }
  | { kind: 'contact'; contacts: { name: string | null; vcard: string | null }[] }
  | { kind: 'unknown'; type: string };

export interface InboundMessage {
  messageId: string;
  from: string;
  jid: string;
  senderName: string | null;
  sentAt: number;
  participant: string | null;
  isBroadcast: boolean;
  isForwarded: boolean;
  content: InboundContent;
  /** The body exactly as Whatspie posted it (re-serialising could fail on hostile nesting). */
  raw: string;
}

/** Group chats have ids like 1203630…@g.us (or the older 628…-1581…); one-to-one chats do not. */
export function isGroupMessage(message: InboundMessage): boolean {
  const isGroupId = (id: string) => id.endsWith('@g.us') || /^\d+-\d+(@|$)/.test(id);
  return Boolean(message.participant) || isGroupId(message.from) || isGroupId(message.jid);
}

/** Status updates and broadcast lists, which no one expects a bot to answer. */
export function isBroadcastMessage(message: InboundMessage): boolean {
  return message.isBroadcast || message.from.endsWith('@broadcast') || message.jid.endsWith('@broadcast');
}

export type ParseResult = { ok: true; message: InboundMessage } | { ok: false; problem: string };

function describeIssues(error: z.ZodError): string {
  return error.issues
    .slice(0, 5)
    .map((issue) => (issue.path.length > 0 ? `${issue.path.join('.')}: ${issue.message}` : issue.message))
    .join('; ');
}

function parseContent(type: string | null | undefined, body: unknown): ParseResult | InboundContent {
  const key = type ?? 'text';
  if (key === 'text') {
    const r = contentSchemas.text.safeParse(body);
    return r.success ? { kind: 'text', text: r.data.message } : { ok: false, problem: describeIssues(r.error) };
  }
  if (key === 'contactMessage') {
    const r = contentSchemas.contactMessage.safeParse(body);
    if (!r.success) return { ok: false, problem: describeIssues(r.error) };
    return {
      kind: 'contact',
      contacts: r.data.contacts.map((c) => ({ name: c.displayName ?? null, vcard: c.vcard ?? null })),
    };
  }
  if (key === 'imageMessage' || key === 'documentMessage' || key === 'audioMessage') {
    const r = contentSchemas[key].safeParse(body);
    if (!r.success) return { ok: false, problem: describeIssues(r.error) };
    const { url, caption, fileName, seconds } = r.data.file;
    if (key === 'imageMessage') return { kind: 'image', url, caption: caption ?? null };
    if (key === 'documentMessage') return { kind: 'document', url, caption: caption ?? null, fileName: fileName ?? null };
    return { kind: 'audio', url, seconds: seconds ?? null };
  }
  return { kind: 'unknown', type: key };
}

/** Validates a parsed JSON body and turns it into the one shape the rest of the program uses. */
export function parseInbound(body: unknown, rawText?: string): ParseResult {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    return { ok: false, problem: 'the body must be a JSON object' };
  }
  const envelope = envelopeSchema.safeParse(body);
  if (!envelope.success) return { ok: false, problem: describeIssues(envelope.error) };
  const e = envelope.data;
  const content = parseContent(e.type, body);
  if ('ok' in content) return content;
  return {
    ok: true,
    message: {
      messageId: e.message_id,
      from: e.from,
      jid: e.from_user?.jid ?? `${e.from}@s.whatsapp.net`,
      senderName: e.from_user?.name ?? null,
      sentAt: e.timestamp,
      participant: e.participant ?? null,
      isBroadcast: e.is_broadcast ?? false,
      isForwarded: e.is_forwarded ?? e.is_forwared ?? false,
      content,
      raw: rawText ?? JSON.stringify(body),
    },
  };
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
