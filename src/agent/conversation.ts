// The messages sent to the LLM, most stable first so that providers can cache the start: the system prompt, the
// customer's WhatsApp name, this sender's history (a window that moves in blocks), then what changes with each
// message (the local time and opening state, knowledge excerpts, the new message).
import type { ChatMessage } from '../llm/client.js';
import type { KnowledgeHit } from '../store/storage.js';
import type { History, StoredMessage } from '../store/conversation-store.js';
import { describeStoredInbound, describeStoredReply } from './describe.js';

export interface SizeLimits {
  /** Longest text of one message that reaches the model; the rest is cut. */
  maxInputChars: number;
  /** Most earlier messages that reach the model (HISTORY_LIMIT). */
  historyLimit: number;
  /** Most characters of history that reach the model (HISTORY_MAX_CHARS). */
  historyMaxChars: number;
  /** How many messages the window drops at once; default half the limit. 1 slides it a message at a time (the bench's baseline). */
  historyBlock?: number;
}

/** Cuts text to `max` characters, saying so, so that one pasted novel cannot cost a fortune. */
function capText(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max)} […cut: the message was ${text.length} characters long]`;
}

type Turn = { role: 'user' | 'assistant'; content: string };

function turnOf(row: StoredMessage, limits: SizeLimits): Turn | null {
  if (row.direction === 'in') return { role: 'user', content: capText(describeStoredInbound(row), limits.maxInputChars) };
  const said = describeStoredReply(row);
  return said ? { role: 'assistant', content: capText(said, limits.maxInputChars) } : null;
}

/**
 * The history turns sent with a message: at most `historyLimit` messages and `historyMaxChars` characters. Once the
 * history is longer, the oldest are dropped half a limit at a time, at fixed positions in the contact's history
 * (multiples of the block, counted from its first message), not one per turn: the window then starts at the same
 * message for several turns in a row, so each request repeats the previous one's start, system prompt and history,
 * and providers bill that prefix as cached. The window holds between half the limit and the limit.
 */
function historyTurns(history: History, limits: SizeLimits): Turn[] {
  const { messages, earlier } = history;
  const end = earlier + messages.length;
  const block = limits.historyBlock ?? Math.max(1, Math.ceil(limits.historyLimit / 2));
  const turns = messages.map((row) => turnOf(row, limits));
  const charsFrom = (position: number) => turns.slice(position - earlier).reduce((sum, turn) => sum + (turn?.content.length ?? 0), 0);
  let start = Math.max(earlier, Math.ceil((end - limits.historyLimit) / block) * block);
  // Too long in characters: the next block boundary, while there is one.
  while (start + block < end && charsFrom(start) > limits.historyMaxChars) start += block;
  const kept = turns.slice(start - earlier).filter((turn): turn is Turn => turn !== null);
  // Still too long (a few very long messages): the oldest turns go one at a time; the bound holds, the cache may not.
  let total = kept.reduce((sum, turn) => sum + turn.content.length, 0);
  let first = 0;
  while (total > limits.historyMaxChars && first < kept.length) total -= kept[first++]!.content.length;
  return kept.slice(first);
}

/**
 * The part of the history in the conversation still going on when a message arrives at `at`: a silence longer
 * than `idleMs` ends a conversation, and the next message starts a fresh one. Messages are oldest first.
 */
export function currentSession(history: History, at: number, idleMs: number): History {
  const rows = history.messages;
  let start = rows.length;
  let next = at;
  while (start > 0 && next - rows[start - 1]!.createdAt <= idleMs) {
    start -= 1;
    next = rows[start]!.createdAt;
  }
  return { messages: rows.slice(start), earlier: history.earlier + start };
}

const KNOWLEDGE_SECTION_CHARS = 2000;

function knowledgeContext(hits: KnowledgeHit[]): string {
  const sections = hits.map((hit) => `### ${hit.heading}\n${capText(hit.body, KNOWLEDGE_SECTION_CHARS)}`).join('\n\n');
  return `Excerpts from the business's knowledge base that may help with the customer's next message. Use them only if they are relevant; they are facts you may rely on.\n\n${sections}`;
}

export function buildConversation(input: {
  systemPrompt: string;
  history: History;
  knowledge: KnowledgeHit[];
  /** The local date and time, and whether the business is open (src/hours/now-note.ts). */
  nowNote?: string;
  /** The customer's WhatsApp name, cleaned and quoted (customer-name.ts); per customer, so never in the shared system prompt. */
  customerNote?: string | null;
  newMessage: string;
  /** The new message's image, as a data URL, for a model that can see (VISION); earlier images stay words. */
  image?: string | null;
  limits: SizeLimits;
}): ChatMessage[] {
  const text = capText(input.newMessage, input.limits.maxInputChars);
  return [
    { role: 'system', content: input.systemPrompt },
    // The name is this customer's and rarely changes: before their history, it is part of the start that their next
    // requests repeat (and providers cache); after the shared system prompt, so that it costs no other customer.
    ...(input.customerNote ? [{ role: 'system' as const, content: input.customerNote }] : []),
    ...historyTurns(input.history, input.limits),
    // After the history, so that everything before it stays the same from turn to turn and providers can cache it.
    ...(input.nowNote ? [{ role: 'system' as const, content: input.nowNote }] : []),
    ...(input.knowledge.length > 0 ? [{ role: 'system' as const, content: knowledgeContext(input.knowledge) }] : []),
    input.image
      ? { role: 'user', content: [{ type: 'text', text }, { type: 'image_url', image_url: { url: input.image } }] }
      : { role: 'user', content: text },
  ];
}
