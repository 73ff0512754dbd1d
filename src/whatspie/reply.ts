// What the bot sends, and the shape Whatspie's webhook reply gives it. Every message is an OutgoingMessage inside the
// program; the wire format is written and read only here, and every reply passes webhookReplySchema before it leaves.
import { z } from 'zod';

/** WhatsApp refuses longer text messages; longer text is split before it gets here. */
export const MAX_BODY_CHARS = 4096;
/** At most this many messages go out for one inbound message. */
export const MAX_REPLIES = 5;

const httpUrl = z.url({ protocol: /^https?$/ });
const mimeType = z.string().regex(/^[\w.+-]+\/[\w.+-]+$/, 'must be a MIME type like application/pdf');
// One emoji, possibly with modifiers and joiners; never free text.
const emoji = z
  .string()
  .min(1)
  .max(32)
  .regex(/^(?:\p{Extended_Pictographic}|\p{Regional_Indicator})[\p{Extended_Pictographic}\p{Emoji_Component}\p{Regional_Indicator}\u200d\ufe0f\u20e3]*$/u, 'must be one emoji');

export const outgoingMessageSchema = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('text'), text: z.string().trim().min(1).max(MAX_BODY_CHARS) }),
  z.strictObject({ kind: z.literal('image'), url: httpUrl, caption: z.string().max(MAX_BODY_CHARS).optional() }),
  z.strictObject({
    kind: z.literal('document'),
    url: httpUrl,
    fileName: z.string().min(1).max(255),
    mimeType,
    caption: z.string().max(MAX_BODY_CHARS).optional(),
  }),
  z.strictObject({ kind: z.literal('reaction'), emoji }),
]);

export type OutgoingMessage = z.infer<typeof outgoingMessageSchema>;
export type OutgoingKind = OutgoingMessage['kind'];

// The webhook reply format (Whatspie's docs), each shape read back into an OutgoingMessage.
const textReply = z
  .strictObject({ type: z.literal('chat'), body: z.string().trim().min(1).max(MAX_BODY_CHARS), simulation: z.boolean().optional() })
  .transform((r): OutgoingMessage => ({ kind: 'text', text: r.body }));

const imageReply = z
  .strictObject({
    type: z.literal('chat'),
    body: z.string().max(MAX_BODY_CHARS),
    simulation: z.boolean().optional(),
    params: z.strictObject({ image: z.strictObject({ url: httpUrl }), caption: z.string().max(MAX_BODY_CHARS).optional() }),
  })
  .transform((r): OutgoingMessage => {
    const caption = r.params.caption ?? (r.body || undefined);
    return { kind: 'image', url: r.params.image.url, ...(caption ? { caption } : {}) };
  });

const documentReply = z
  .strictObject({
    type: z.literal('chat'),
    body: z.string().max(MAX_BODY_CHARS),
    simulation: z.boolean().optional(),
    params: z.strictObject({ document: z.strictObject({ url: httpUrl }), fileName: z.string().min(1).max(255), mimeType }),
  })
  .transform((r): OutgoingMessage => ({
    kind: 'document',
    url: r.params.document.url,
    fileName: r.params.fileName,
    mimeType: r.params.mimeType,
    ...(r.body ? { caption: r.body } : {}),
  }));

const reactionReply = z
  .strictObject({ type: z.literal('reaction'), body: emoji })
  .transform((r): OutgoingMessage => ({ kind: 'reaction', emoji: r.body }));

const replyItemSchema = z.union([textReply, imageReply, documentReply, reactionReply]);

/** Whatspie's webhook reply: one message or a list of them ([] is deliberate silence). */
export const webhookReplySchema = z.union([replyItemSchema, z.array(replyItemSchema).max(MAX_REPLIES)]);

export type WebhookReplyItem = z.input<typeof replyItemSchema>;
export type WebhookReply = WebhookReplyItem | WebhookReplyItem[];

/** One message in the webhook reply format. */
function toWebhookReplyItem(message: OutgoingMessage): WebhookReplyItem {
  switch (message.kind) {
    case 'text':
      return { type: 'chat', body: message.text, simulation: true };
    case 'image':
      return { type: 'chat', body: message.caption ?? '', params: { image: { url: message.url }, ...(message.caption ? { caption: message.caption } : {}) } };
    case 'document':
      return { type: 'chat', body: message.caption ?? '', params: { document: { url: message.url }, fileName: message.fileName, mimeType: message.mimeType } };
    case 'reaction':
      return { type: 'reaction', body: message.emoji };
  }
}

/** The webhook reply for a list of messages: a single object for one message, as Whatspie's examples show. */
export function toWebhookReply(messages: OutgoingMessage[]): WebhookReply {
  const items = messages.map(toWebhookReplyItem);
  return items.length === 1 ? items[0]! : items;
}

/** A stored or received webhook reply read back as messages; null when it is not one. */
export function readWebhookReply(reply: unknown): OutgoingMessage[] | null {
  const parsed = webhookReplySchema.safeParse(reply);
  if (!parsed.success) return null;
  return Array.isArray(parsed.data) ? parsed.data : [parsed.data];
}

/** The URL of a message's file, if it carries one. */
export function fileUrl(message: OutgoingMessage): string | null {
  return message.kind === 'image' || message.kind === 'document' ? message.url : null;
}
