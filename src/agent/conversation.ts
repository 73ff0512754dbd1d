// The messages sent to the LLM: the system prompt first and unchanged (so providers can cache it),
// then this sender's history, then the new message.
import type { ChatMessage } from '../llm/client.js';
import type { KnowledgeHit } from '../store/storage.js';
import type { StoredMessage } from '../store/conversation-store.js';
import { describeStoredInbound, describeStoredReply } from './describe.js';

export interface SizeLimits {
  /** Longest text of one message that reaches the model; the rest is cut. */
  maxInputChars: number;
  /** Most characters of history that reach the model; the oldest turns go first. */
  historyMaxChars: number;
}

/** Cuts text to `max` characters, saying so, so that one pasted novel cannot cost a fortune. */
function capText(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max)} […cut: the message was ${text.length} characters long]`;
}

function historyTurns(rows: StoredMessage[], limits: SizeLimits): ChatMessage[] {
  const turns = rows.flatMap((row): { role: 'user' | 'assistant'; content: string }[] => {
    if (row.direction === 'in') return [{ role: 'user', content: capText(describeStoredInbound(row), limits.maxInputChars) }];
    const said = describeStoredReply(row);
    return said ? [{ role: 'assistant', content: capText(said, limits.maxInputChars) }] : [];
  });
  let total = turns.reduce((sum, turn) => sum + turn.content.length, 0);
  let start = 0;
  while (total > limits.historyMaxChars && start < turns.length) total -= turns[start++]!.content.length;
  return turns.slice(start);
}

/**
 * The messages of the conversation still going on when a message arrives at `at`: a silence longer than
 * `idleMs` ends a conversation, and the next message starts a fresh one. Rows are oldest first.
 */
export function currentSession(rows: StoredMessage[], at: number, idleMs: number): StoredMessage[] {
  let start = rows.length;
  let next = at;
  while (start > 0 && next - rows[start - 1]!.createdAt <= idleMs) {
    start -= 1;
    next = rows[start]!.createdAt;
  }
  return rows.slice(start);
}

const KNOWLEDGE_SECTION_CHARS = 2000;

function knowledgeContext(hits: KnowledgeHit[]): string {
  const sections = hits.map((hit) => `### ${hit.heading}\n${capText(hit.body, KNOWLEDGE_SECTION_CHARS)}`).join('\n\n');
  return `Excerpts from the business's knowledge base that may help with the customer's next message. Use them only if they are relevant; they are facts you may rely on.\n\n${sections}`;
}

export function buildConversation(input: {
  systemPrompt: string;
  history: StoredMessage[];
  knowledge: KnowledgeHit[];
  newMessage: string;
  /** The new message's image, as a data URL, for a model that can see (VISION); earlier images stay words. */
  image?: string | null;
  limits: SizeLimits;
}): ChatMessage[] {
  const text = capText(input.newMessage, input.limits.maxInputChars);
  return [
    { role: 'system', content: input.systemPrompt },
    ...historyTurns(input.history, input.limits),
    // After the history, so that everything before it stays the same from turn to turn and providers can cache it.
    ...(input.knowledge.length > 0 ? [{ role: 'system' as const, content: knowledgeContext(input.knowledge) }] : []),
    input.image
      ? { role: 'user', content: [{ type: 'text', text }, { type: 'image_url', image_url: { url: input.image } }] }
      : { role: 'user', content: text },
  ];
}
