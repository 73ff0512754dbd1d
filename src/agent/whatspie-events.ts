// What the bot does with Whatspie's events that are not messages: keep them, and tell the operator about the ones
// that need a person (a disconnected device stays disconnected until someone re-pairs the phone).
import type { Logger } from '../logger.js';
import type { ConversationStore } from '../store/conversation-store.js';
import type { StatusEvent } from '../whatspie/inbound.js';

export async function recordEvent(deps: { store: ConversationStore; logger: Logger; now: () => number }, event: StatusEvent): Promise<void> {
  await deps.store.saveEvent({ type: event.type, whatspieMessageId: event.whatspieMessageId, summary: event.summary, payload: event.raw, at: deps.now() });
  if (event.type === 'device_disconnected') {
    deps.logger.warn({ event: event.type, reason: event.reason }, `Whatspie reports the WhatsApp device disconnected: ${event.summary}. Re-pair the phone in Whatspie's dashboard; no message arrives until then.`);
  } else if (event.type === 'message_failed') {
    deps.logger.warn({ event: event.type, whatspieMessageId: event.whatspieMessageId, reason: event.reason }, 'Whatspie could not deliver a message');
  } else {
    deps.logger.info({ event: event.type, whatspieMessageId: event.whatspieMessageId }, event.summary);
  }
}
