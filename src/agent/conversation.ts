// The messages sent to the LLM: the system prompt first and unchanged (so providers can cache it),
// then this sender's history, then the new message.
import type { ChatMessage } from '../llm/client.js';
import type { MessageRow } from '../store/queries.js';
import { describeStoredInbound, describeStoredReply } from './describe.js';

export function historyTurns(rows: MessageRow[]): ChatMessage[] {
  return rows.flatMap((row): ChatMessage[] => {
    if (row.direction === 'in') return [{ role: 'user', content: describeStoredInbound(row) }];
    const said = describeStoredReply(row);
    return said ? [{ role: 'assistant', content: said }] : [];
  });
}

export function buildConversation(input: { systemPrompt: string; history: MessageRow[]; newMessage: string }): ChatMessage[] {
  return [
    { role: 'system', content: input.systemPrompt },
    ...historyTurns(input.history),
    { role: 'user', content: input.newMessage },
  ];
}
