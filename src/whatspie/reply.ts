// What the webhook may answer, per Whatspie's docs. Every reply passes replySchema before it leaves.
import { z } from 'zod';

/** WhatsApp refuses longer text messages; longer text is split before it gets here. */
export const MAX_BODY_CHARS = 4096;

const httpsUrl = z.url({ protocol: /^https?$/ });

export const textReplySchema = z.strictObject({
  type: z.literal('chat'),
  body: z.string().trim().min(1).max(MAX_BODY_CHARS),
  simulation: z.boolean().optional(),
});

export const imageReplySchema = z.strictObject({
  type: z.literal('chat'),
  body: z.string().max(MAX_BODY_CHARS),
  simulation: z.boolean().optional(),
  params: z.strictObject({
    image: z.strictObject({ url: httpsUrl }),
    caption: z.string().max(MAX_BODY_CHARS).optional(),
  }),
});

export const documentReplySchema = z.strictObject({
  type: z.literal('chat'),
  body: z.string().max(MAX_BODY_CHARS),
  simulation: z.boolean().optional(),
  params: z.strictObject({
    document: z.strictObject({ url: httpsUrl }),
    fileName: z.string().min(1).max(255),
    mimeType: z.string().regex(/^[\w.+-]+\/[\w.+-]+$/, 'must be a MIME type like application/pdf'),
  }),
});

export const reactionReplySchema = z.strictObject({
  type: z.literal('reaction'),
  // One emoji, possibly with modifiers and joiners; never free text.
  body: z.string().min(1).max(32).regex(/^(?:\p{Extended_Pictographic}|\p{Regional_Indicator})[\p{Extended_Pictographic}\p{Emoji_Component}\p{Regional_Indicator}\u200d\ufe0f\u20e3]*$/u, 'must be one emoji'),
});

export const singleReplySchema = z.union([textReplySchema, imageReplySchema, documentReplySchema, reactionReplySchema]);

/** At most this many messages go out for one inbound message. */
export const MAX_REPLIES = 5;

export const replySchema = z.union([singleReplySchema, z.array(singleReplySchema).max(MAX_REPLIES)]);

export type SingleReply = z.infer<typeof singleReplySchema>;
export type Reply = z.infer<typeof replySchema>;

/** The name of a reply's kind, as stored and shown in transcripts. */
export function replyKind(reply: SingleReply): 'text' | 'image' | 'document' | 'reaction' {
  if (reply.type === 'reaction') return 'reaction';
  if ('params' in reply) return 'image' in reply.params ? 'image' : 'document';
  return 'text';
}

export function asList(reply: Reply): SingleReply[] {
  return Array.isArray(reply) ? reply : [reply];
}
