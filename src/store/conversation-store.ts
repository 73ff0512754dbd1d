// What the agent keeps and reads of conversations, in our own types and async, so that the agent does not know which
// database runs (SQLite here; a second backend can implement the same interface). Built on the named queries.
import type { InboundMessage } from '../whatspie/inbound.js';
import { readWebhookReply, type OutgoingMessage } from '../whatspie/reply.js';
import { eq } from 'drizzle-orm';
import type { Db } from './db.js';
import { messages } from './schema.js';
import { storeEvent } from './events.js';
import { groupCommit } from './group-commit.js';
import {
  databaseAnswers,
  endHandoff,
  findContact,
  findContactByPhone,
  findReplyTo,
  pendingLateAnswers,
  recentInboundCount,
  supersedeLateAnswers,
  recentMessages,
  settleLateAnswer,
  startHandoff,
  storeInbound,
  storeOutbound,
  type OutboundRecord,
} from './queries.js';

/** The end of a contact's history: its last messages, and how many came before them. */
export interface History {
  messages: StoredMessage[];
  earlier: number;
}

/** A message as the conversation needs it: what was said, by whom, when. */
export interface StoredMessage {
  id: number;
  contactId: number;
  direction: 'in' | 'out';
  /** in: text, image, document, audio, contact or unknown:<type>; out: text, image, document, reaction, several or silent. */
  kind: string;
  text: string | null;
  mediaCaption: string | null;
  mediaFileName: string | null;
  /** A voice note's transcript, once heard. */
  transcription: string | null;
  createdAt: number;
}

/** A late answer still owed that nobody works on: the customer's message, and the holding reply ("one moment") it got. */
export interface UnattendedLateAnswer {
  inbound: StoredMessage;
  holdingId: number;
}

/** When a conversation went to a human, and from when HANDOFF_HOURS count (agent/handoff-rule.ts decides). */
export interface HandoffTimes {
  at: number;
  /** The handoff itself, or the next opening when the business was closed at the handoff. */
  countsFrom: number;
  /** Whether the business was open at the handoff; null when not known (no opening hours, an operator's pause). */
  withinHours: boolean | null;
}

export interface Handoff extends HandoffTimes {
  reason: string | null;
}

export interface Contact {
  id: number;
  /** Whatspie's `from`: the customer's number, or a group's id. */
  phone: string;
  displayName: string | null;
  handoff: Handoff | null;
}

export type ReplyRecord = Omit<OutboundRecord, 'at'> & { at: number };

export interface ConversationStore {
  /** Stores an inbound message once; a redelivery (same sender, same id) returns the first one. */
  saveInbound(message: InboundMessage, at: number): Promise<{ message: StoredMessage; isNew: boolean }>;
  /** The messages stored as the answer to an inbound message, or null when none was stored (or it is unreadable). */
  storedReply(inbound: StoredMessage): Promise<OutgoingMessage[] | null>;
  saveReply(record: ReplyRecord): Promise<void>;
  /**
   * The contact's last `limit` earlier messages, oldest first, without `current` and any inbound message that arrived
   * after it; `earlier`: how many of its messages are older still (where the window stands in the whole history).
   */
  history(input: { contactId: number; current: number; limit: number }): Promise<History>;
  contactByPhone(phone: string): Promise<Contact | null>;
  /** The name the contact last gave WhatsApp (Whatspie's from_user.name), as stored: raw text from outside. */
  contactName(contactId: number): Promise<string | null>;
  /** The contact's number (Whatspie's `from`), which the operators' tools are called for. */
  contactPhone(contactId: number): Promise<string | null>;
  /** The handoff the contact is in, if any (expired or not: the caller applies the rule). */
  handoff(contactId: number): Promise<Handoff | null>;
  startHandoff(input: { contactId: number; reason: string } & HandoffTimes): Promise<void>;
  endHandoff(contactId: number): Promise<void>;
  /** Claims the right to settle an inbound message's late answer; false when someone else did. */
  settleLateAnswer(inboundId: number): Promise<boolean>;
  /**
   * Gives up every late answer to the contact still being worked on, wherever (another instance may be working on
   * it): settles them, so that their answers are never sent. Returns the inbound messages they answered.
   */
  supersedeLateAnswers(contactId: number): Promise<number[]>;
  /**
   * This instance works on the late answer to `inboundId` until `until`: no other takes it over before then (see
   * takeUnattendedLateAnswers). In memory with SQLite (one process); in the database with PostgreSQL.
   */
  holdLateAnswer(inboundId: number, until: number): Promise<void>;
  /** Lets go of the late answers to these messages, still owed, so that any instance may take them at once. */
  releaseLateAnswers(inboundIds: number[]): Promise<void>;
  /**
   * Takes the late answers still owed that no instance holds (their server stopped and handed them on, or died) and
   * holds them until `until`: each is taken by one caller only. Oldest first, with the holding reply's row id.
   */
  takeUnattendedLateAnswers(input: { now: number; until: number }): Promise<UnattendedLateAnswer[]>;
  saveTranscription(messageId: number, text: string): Promise<void>;
  /** Records the downloaded file of an inbound message, or why it could not be kept. */
  saveMediaFile(messageId: number, file: { path: string; bytes: number; contentType: string | null; sha256: string } | { error: string }): Promise<void>;
  saveEvent(input: { type: string; whatspieMessageId: string | null; summary: string; payload: string; at: number }): Promise<void>;
  /**
   * How many messages the contact sent from `since` up to and including message `upTo`, counted among its last
   * `scan` rows (the rate limit needs to know only whether a handful were sent, not to walk a long history).
   */
  recentInboundCount(input: { contactId: number; since: number; upTo: number; scan: number }): Promise<number>;
  /** Whether the database answers (GET /healthz). */
  healthy(): Promise<boolean>;
}

/** The messages of a stored webhook answer (reply_json), or null when there is none or it cannot be read. */
/** The handoff columns of a contact's row, as a Handoff (null: not handed over). */
export function handoffOf(row: { handoffAt: number | null; handoffReason: string | null; handoffCountsFrom: number | null; handoffWithinHours: boolean | null }): Handoff | null {
  if (row.handoffAt == null) return null;
  // A handoff stored by an older version (or instance, during a rolling deploy) counts from itself, as it did then.
  return { at: row.handoffAt, reason: row.handoffReason, countsFrom: row.handoffCountsFrom ?? row.handoffAt, withinHours: row.handoffWithinHours ?? null };
}

export function readStoredReply(replyJson: string | null | undefined): OutgoingMessage[] | null {
  if (!replyJson) return null;
  try {
    return readWebhookReply(JSON.parse(replyJson));
  } catch {
    return null;
  }
}

const toStored = (row: StoredMessage): StoredMessage => ({
  id: row.id,
  contactId: row.contactId,
  direction: row.direction,
  kind: row.kind,
  text: row.text,
  mediaCaption: row.mediaCaption,
  mediaFileName: row.mediaFileName,
  transcription: row.transcription,
  createdAt: row.createdAt,
});

export function sqliteConversations(db: Db): ConversationStore {
  const commit = groupCommit(db);
  // One process: who works on which late answer is known here, and a new process starts holding none.
  const lateHolds = new Map<number, number>();
  return {
    async saveInbound(message, at) {
      const { row, isNew } = await commit(() => storeInbound(db, { message, at }));
      return { message: toStored(row), isNew };
    },
    async storedReply(inbound) {
      return readStoredReply(findReplyTo(db, inbound)?.replyJson);
    },
    async saveReply(record) {
      await commit(() => storeOutbound(db, record));
    },
    async history(input) {
      const { rows, earlier } = recentMessages(db, input);
      return { messages: rows.map((row) => toStored({ ...row, contactId: input.contactId })), earlier };
    },
    async contactByPhone(phone) {
      const row = findContactByPhone(db, phone);
      if (!row) return null;
      return { id: row.id, phone: row.phone, displayName: row.displayName, handoff: handoffOf(row) };
    },
    async contactName(contactId) {
      return findContact(db, contactId)?.displayName ?? null;
    },
    async contactPhone(contactId) {
      return findContact(db, contactId)?.phone ?? null;
    },
    async handoff(contactId) {
      const contact = findContact(db, contactId);
      return contact ? handoffOf(contact) : null;
    },
    async startHandoff(input) {
      startHandoff(db, input);
    },
    async endHandoff(contactId) {
      endHandoff(db, { contactId });
    },
    async settleLateAnswer(inboundId) {
      return settleLateAnswer(db, inboundId);
    },
    async supersedeLateAnswers(contactId) {
      return supersedeLateAnswers(db, contactId);
    },
    async holdLateAnswer(inboundId, until) {
      lateHolds.set(inboundId, until);
    },
    async releaseLateAnswers(inboundIds) {
      for (const id of inboundIds) lateHolds.delete(id);
    },
    async takeUnattendedLateAnswers({ now, until }) {
      const taken = pendingLateAnswers(db).filter(({ inbound }) => (lateHolds.get(inbound.id) ?? 0) <= now);
      for (const { inbound } of taken) lateHolds.set(inbound.id, until);
      return taken.map(({ inbound, holdingId }) => ({ inbound: toStored(inbound), holdingId }));
    },
    async saveTranscription(messageId, text) {
      db.update(messages).set({ transcription: text }).where(eq(messages.id, messageId)).run();
    },
    async saveMediaFile(messageId, file) {
      const values = 'error' in file
        ? { mediaError: file.error.slice(0, 500) }
        : { mediaPath: file.path, mediaBytes: file.bytes, mediaType: file.contentType, mediaSha256: file.sha256, mediaError: null };
      db.update(messages).set(values).where(eq(messages.id, messageId)).run();
    },
    async saveEvent(input) {
      storeEvent(db, input);
    },
    async recentInboundCount(input) {
      return recentInboundCount(db, input);
    },
    async healthy() {
      return databaseAnswers(db);
    },
  };
}
