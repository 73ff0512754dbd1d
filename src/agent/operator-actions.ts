// What an operator does to a conversation, written once below both faces (the console and the transcripts tool):
// take over, reply, hand back, add a note, put on or take off a label. Each records who did it.
import type { WhatspieApi } from '../delivery/whatspie-client.js';
import type { MediaItem } from '../prompts/media-catalog.js';
import type { Contact } from '../store/conversation-store.js';
import type { ContactNote } from '../store/operators.js';
import type { Storage } from '../store/storage.js';
import type { OutgoingMessage } from '../whatspie/reply.js';
import { isWaitingForHuman, operatorHandoff } from './handoff-rule.js';
import { captionText, textMessages } from './outgoing.js';
import { replyRecord } from './reply-record.js';

/** The model column of a message an operator wrote (older rows have only this; newer ones name the operator too). */
export const OPERATOR_MODEL = 'operator';

export interface OperatorActionDeps {
  storage: Pick<Storage, 'conversations' | 'outbox' | 'accounts' | 'annotations'>;
  /** Whatspie's send API; null when WHATSPIE_API_TOKEN or WHATSPIE_DEVICE is not set (replies cannot go out). */
  api: WhatspieApi | null;
  /** The catalog of prompts/media.json, for a reply with one of its files. */
  mediaCatalog?: () => MediaItem[];
  /** Told when a reply is queued (the server's outbox worker, which sends it at once). */
  queued?: () => void;
  now: () => number;
  handoffHours: number;
}

/** Who acts: an operator's account name, or TERMINAL (operator-name.ts) for the transcripts tool. */
export interface ActionInput {
  contact: Contact;
  by: string;
}

/** An action refused with a reason to show as it is (a missing setting, an empty text, an unknown file). */
export class ActionRefused extends Error {
  override name = 'ActionRefused';
  constructor(
    readonly code: 'not-configured' | 'empty' | 'too-long' | 'unknown-media' | 'bad-label',
    message: string,
  ) {
    super(message);
  }
}

export const NOT_CONFIGURED = "Replies go out through Whatspie's API: configure WHATSPIE_API_TOKEN and WHATSPIE_DEVICE (in .env or the environment).";
export const MAX_NOTE_CHARS = 4000;
/** A reply longer than this is refused rather than sent as a string of WhatsApp messages (a paste gone wrong). */
export const MAX_REPLY_CHARS = 4000;
export const MAX_LABEL_CHARS = 40;

const audit = (deps: OperatorActionDeps, input: ActionInput, action: string, detail: string | null = null) =>
  deps.storage.accounts.audit({ at: deps.now(), operator: input.by, action, contactId: input.contact.id, detail });

/** The bot stays silent for this customer (messages are still stored) until handed back, or HANDOFF_HOURS from now. */
export async function takeOver(deps: OperatorActionDeps, input: ActionInput & { reason?: string }): Promise<void> {
  const reason = input.reason?.trim() || `taken over by ${input.by}`;
  await deps.storage.conversations.startHandoff({ contactId: input.contact.id, reason, ...operatorHandoff(deps.now()) });
  await audit(deps, input, 'take over', reason);
}

/** Whether replies can go out at all: the console shows what to configure instead of a reply box that fails. */
export const canReply = (deps: Pick<OperatorActionDeps, 'api'>) => deps.api !== null;

export type ReplyContent = { text: string } | { mediaId: string; caption?: string };

/**
 * Sends a text, or a file of the media catalog, through Whatspie's API and the outbox (written before the first try,
 * so nothing is lost to a crash), recorded under the operator's name; takes the conversation over, so that the bot
 * never talks over the operator. Returns the transcript row, whose delivery the caller may follow
 * (outbox.deliveryOfRow); the server's worker sends it.
 */
export async function reply(deps: OperatorActionDeps, input: ActionInput & ReplyContent): Promise<{ rowId: number; messages: OutgoingMessage[] }> {
  if (!deps.api) throw new ActionRefused('not-configured', NOT_CONFIGURED);
  const written = 'mediaId' in input ? (input.caption ?? '') : input.text;
  if (written.length > MAX_REPLY_CHARS) throw new ActionRefused('too-long', `a reply may have at most ${MAX_REPLY_CHARS} characters`);
  const messages = 'mediaId' in input ? [catalogMessage(deps, input.mediaId, input.caption)] : textMessages(input.text, 'operator');
  if (messages.length === 0) throw new ActionRefused('empty', 'the message is empty once formatted');
  const now = deps.now();
  const record = replyRecord({ contactId: input.contact.id, inReplyTo: null }, messages, { turn: null, note: OPERATOR_MODEL, llmLatencyMs: null, fallback: null });
  const rowId = await deps.storage.outbox.enqueue({ record: { ...record, operator: input.by }, messages, at: now });
  await deps.storage.conversations.startHandoff({ contactId: input.contact.id, reason: `${input.by} replied`, ...operatorHandoff(now) });
  await audit(deps, input, 'reply', 'mediaId' in input ? `file ${input.mediaId}` : null);
  deps.queued?.();
  return { rowId, messages };
}

function catalogMessage(deps: OperatorActionDeps, mediaId: string, caption: string | undefined): OutgoingMessage {
  const item = deps.mediaCatalog?.().find((candidate) => candidate.id === mediaId);
  if (!item) throw new ActionRefused('unknown-media', `no file "${mediaId.slice(0, 64)}" in the media catalog (prompts/media.json)`);
  const text = captionText(caption?.trim() || item.caption, 'operator');
  const withCaption = text ? { caption: text } : {};
  return item.kind === 'image'
    ? { kind: 'image', url: item.url, ...withCaption }
    : { kind: 'document', url: item.url, fileName: item.fileName, mimeType: item.mimeType, ...withCaption };
}

/** Ends a handoff: the bot answers this customer again from the next message on. False when it was not waiting. */
export async function handBack(deps: OperatorActionDeps, input: ActionInput): Promise<{ wasWaiting: boolean }> {
  const wasWaiting = isWaitingForHuman(input.contact.handoff, deps.now(), deps.handoffHours);
  // An expired handoff is cleared too, so that the conversation no longer reads as handed over at all.
  if (input.contact.handoff) await deps.storage.conversations.endHandoff(input.contact.id);
  if (wasWaiting) await audit(deps, input, 'hand back');
  return { wasWaiting };
}

/** An internal note: kept with the conversation for operators, never sent to the customer. */
export async function addNote(deps: OperatorActionDeps, input: ActionInput & { text: string }): Promise<ContactNote> {
  const text = input.text.replace(/\r\n?/g, '\n').trim();
  if (!text) throw new ActionRefused('empty', 'the note is empty');
  if (text.length > MAX_NOTE_CHARS) throw new ActionRefused('too-long', `a note may have at most ${MAX_NOTE_CHARS} characters`);
  const note = await deps.storage.annotations.addNote({ contactId: input.contact.id, operator: input.by, text, at: deps.now() });
  await audit(deps, input, 'note');
  return note;
}

/** A label as stored: one word of letters, digits, "-" or "_", in lower case ("VIP" and "vip" are one label). */
export function normaliseLabel(label: string): string {
  const word = label.trim().toLowerCase();
  if (!word) throw new ActionRefused('bad-label', 'which label? e.g. vip');
  if ([...word].length > MAX_LABEL_CHARS) throw new ActionRefused('bad-label', `a label may have at most ${MAX_LABEL_CHARS} characters`);
  if (!/^[\p{L}\p{N}_-]+$/u.test(word)) throw new ActionRefused('bad-label', 'a label is one word of letters, digits, "-" or "_"');
  return word;
}

/** Puts a label on the conversation; false when it had it already. */
export async function addLabel(deps: OperatorActionDeps, input: ActionInput & { label: string }): Promise<boolean> {
  const label = normaliseLabel(input.label);
  const added = await deps.storage.annotations.addLabel({ contactId: input.contact.id, label, operator: input.by, at: deps.now() });
  if (added) await audit(deps, input, 'label', label);
  return added;
}

/** Takes a label off the conversation; false when it did not have it. */
export async function removeLabel(deps: OperatorActionDeps, input: ActionInput & { label: string }): Promise<boolean> {
  const label = normaliseLabel(input.label);
  const removed = await deps.storage.annotations.removeLabel({ contactId: input.contact.id, label });
  if (removed) await audit(deps, input, 'unlabel', label);
  return removed;
}
