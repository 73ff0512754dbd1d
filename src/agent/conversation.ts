// The messages sent to the LLM: the system prompt first and unchanged (so providers can cache it),
// then this sender's history, then the new message.
import type { ChatMessage } from '../llm/client.js';
import type { KnowledgeHit } from '../store/knowledge.js';
import type { MessageRow } from '../store/queries.js';
import { describeStoredInbound, describeStoredReply } from './describe.js';

export function historyTurns(rows: MessageRow[]): ChatMessage[] {
  return rows.flatMap((row): ChatMessage[] => {
    if (row.direction === 'in') return [{ role: 'user', content: describeStoredInbound(row) }];
    const said = describeStoredReply(row);
    return said ? [{ role: 'assistant', content: said }] : [];
  });
}

/**
 * The messages of the conversation still going on when a message arrives at `at`: a silence longer than
 * `idleMs` ends a conversation, and the next message starts a fresh one. Rows are oldest first.
 */
export function currentSession(rows: MessageRow[], at: number, idleMs: number): MessageRow[] {
  let start = rows.length;
  let next = at;
  while (start > 0 && next - rows[start - 1]!.createdAt <= idleMs) {
    start -= 1;
    next = rows[start]!.createdAt;
  }
  return rows.slice(start);
}

function knowledgeContext(hits: KnowledgeHit[]): string {
  const sections = hits.map((hit) => `### ${hit.heading}\n${hit.body}`).join('\n\n');
  return `Excerpts from the business's knowledge base that may help with the customer's next message. Use them only if they are relevant; they are facts you may rely on.\n\n${sections}`;
}

export function buildConversation(input: {
  systemPrompt: string;
  history: MessageRow[];
  knowledge: KnowledgeHit[];
  newMessage: string;
}): ChatMessage[] {
  return [
    { role: 'system', content: input.systemPrompt },
    ...historyTurns(input.history),
    // After the history, so that everything before it stays the same from turn to turn and providers can cache it.
    ...(input.knowledge.length > 0 ? [{ role: 'system' as const, content: knowledgeContext(input.knowledge) }] : []),
    { role: 'user', content: input.newMessage },
  ];
}
