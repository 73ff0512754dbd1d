// What was sent for a message (or deliberately not sent), as its transcript row: the one place a reply becomes a
// record, whether it left in the webhook's answer, through the outbox, or from an operator.
import type { ReplyRecord } from '../store/conversation-store.js';
import { fileUrl, toWebhookReply, type OutgoingMessage } from '../whatspie/reply.js';
import type { Decision } from './decide.js';
import { describeReply } from './describe.js';

export function replyRecord(
  target: { contactId: number; inReplyTo: number | null },
  messages: OutgoingMessage[],
  about: Pick<Decision, 'turn' | 'note' | 'llmLatencyMs' | 'fallback' | 'toolCalls'>,
  replyJson = JSON.stringify(toWebhookReply(messages)),
): Omit<ReplyRecord, 'at'> {
  const first = messages[0];
  return {
    ...target,
    kind: !first ? 'silent' : messages.length > 1 ? 'several' : first.kind,
    text: first ? messages.map(describeReply).join('\n') : `(no reply: ${about.note})`,
    mediaUrl: first ? fileUrl(first) : null,
    replyJson,
    model: about.turn?.model ?? (first ? (about.note ?? null) : null),
    llmLatencyMs: about.llmLatencyMs,
    fellBack: about.fallback !== null,
    fallbackReason: about.fallback,
    promptTokens: about.turn?.promptTokens ?? null,
    cachedTokens: about.turn?.cachedTokens ?? null,
    completionTokens: about.turn?.completionTokens ?? null,
    toolCalls: about.toolCalls?.length ? JSON.stringify(about.toolCalls) : null,
  };
}
