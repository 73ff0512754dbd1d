// Everything the program keeps, behind one interface with two implementations: SQLite (one file, one instance; the
// default) and PostgreSQL (DATABASE_URL; several instances on one database). The agent, the HTTP layer and the tools
// speak only these types, so they do not know which one runs.
import type { Section } from '../knowledge/sections.js';
import type { ConsoleReads } from './console-reads.js';
import type { ConversationStore, StoredMessage } from './conversation-store.js';
import type { Forgotten, RetentionBatch, RetentionInput } from './data-care.js';
import type { AccountStore, Annotations } from './operators.js';
import type { Outbox } from './outbox.js';
import type { Table } from './tables.js';

export interface KnowledgeHit extends Section {
  rowid: number;
}

export interface KnowledgeIndex {
  /**
   * Replaces the indexed sections, unless the index already holds `version` (the same files, indexed by this or
   * another instance); true when it indexed them.
   */
  replace(sections: Section[], version: string): Promise<boolean>;
  /** Sections matching any of the terms, best first (headings weigh more than bodies). */
  search(input: { terms: string[]; limit: number }): Promise<KnowledgeHit[]>;
  /** How many of the terms occur in one section, with the index's own stemming. */
  countMatchingTerms(input: { rowid: number; terms: string[] }): Promise<number>;
}

export interface ContactSummary {
  phone: string;
  name: string | null;
  firstAt: number | null;
  lastAt: number | null;
  messages: number;
  fallbacks: number;
  handoffAt: number | null;
  handoffReason: string | null;
  /** From when HANDOFF_HOURS count: the handoff, or the next opening (null: no handoff). */
  handoffCountsFrom: number | null;
  /** Whether the business was open at the handoff; null when not known. */
  handoffWithinHours: boolean | null;
}

export interface TranscriptRow {
  id: number;
  direction: 'in' | 'out';
  kind: string;
  text: string | null;
  mediaUrl: string | null;
  mediaCaption: string | null;
  mediaFileName: string | null;
  replyJson: string | null;
  model: string | null;
  llmLatencyMs: number | null;
  /** 1 when the reply was the fallback, 0 when not, null for an inbound message. */
  fellBack: number | null;
  fallbackReason: string | null;
  promptTokens: number | null;
  cachedTokens: number | null;
  completionTokens: number | null;
  /** Outbound: the operators' tools called for this reply, as JSON (ToolCallRecord[]); null when none. */
  toolCalls: string | null;
  waMessageId: string | null;
  createdAt: number;
  phone: string;
  name: string | null;
  /** 'api' for a message sent through Whatspie's API (a late answer, an operator's reply). */
  via: string | null;
  inReplyTo: number | null;
  /**
   * For a message sent through the API: sent, pending (not yet delivered), failed, or unknown (sent to Whatspie, no
   * answer came back: it may or may not have arrived); null otherwise.
   */
  delivery: 'sent' | 'pending' | 'failed' | 'unknown' | null;
  /** Why the delivery failed or is unknown, or the last error while it is retried. */
  deliveryError: string | null;
  /** The outbox ids of this row's messages whose delivery is unknown, comma-separated (for `transcripts resend`); null when none. */
  deliveryUnknownIds: string | null;
  /** An inbound file as kept in MEDIA_DIR, or why it was not. */
  mediaPath: string | null;
  mediaBytes: number | null;
  mediaType: string | null;
  mediaSha256: string | null;
  mediaError: string | null;
  /** A voice note's transcript. */
  transcription: string | null;
  /** Who wrote an outbound message by hand: an operator's name, or "terminal" (the transcripts tool); null: the bot. */
  operator: string | null;
}

export interface EventRow {
  id: number;
  type: string;
  whatspieMessageId: string | null;
  summary: string;
  payload: string;
  createdAt: number;
}

/** Read-side reports for reviewing conversations (the transcripts tool). */
export interface Reports {
  /** Every contact with activity since `since`; those waiting for a human first, then the most recent. */
  listContacts(input: { since?: number; limit?: number; handoffActiveAfter: number }): Promise<ContactSummary[]>;
  /** Messages in the order they happened, optionally for one contact and from a time on. */
  transcriptRows(input: { phone?: string; since?: number }): Promise<TranscriptRow[]>;
  /** Messages containing every word (case-insensitive; a voice note by its transcript too), newest first. */
  searchMessages(input: { words: string[]; limit: number }): Promise<TranscriptRow[]>;
  /** Whatspie's events from `since` on, newest first. */
  recentEvents(input: { since?: number; limit: number }): Promise<EventRow[]>;
  /** What the model was sent and wrote, by day (UTC) from `since` on, oldest first: what the provider bills. */
  usageByDay(input: { since?: number }): Promise<UsageDay[]>;
}

/** One day's messages and tokens. */
export interface UsageDay {
  /** YYYY-MM-DD, in UTC. */
  day: string;
  received: number;
  /** Replies written by the model (the rows with token counts). */
  modelReplies: number;
  fallbacks: number;
  promptTokens: number;
  /** Of the prompt tokens, those the provider read from its cache; null when it never said. */
  cachedTokens: number | null;
  completionTokens: number;
}

/** Small key/value facts the server keeps about itself, such as the generated webhook secret. */
export interface SettingsStore {
  read(key: string): Promise<string | undefined>;
  /** Writes the value only if the key is still unset, and returns whichever value won. */
  init(key: string, value: string): Promise<string>;
}

/**
 * Who answers which message when: one customer's messages one at a time in arrival order, and a redelivery never
 * answered twice. In one process that is a queue in memory; across instances it is kept in the database.
 */
export interface ContactTurns {
  /**
   * Claims the right to answer a stored message that has no reply yet (a redelivery); false while another instance
   * holds it, i.e. is answering it right now. A claim lapses `claimMs` after it was taken (its holder died).
   */
  claim(inboundId: number, now: number): Promise<boolean>;
  /**
   * Runs `task` once every older message of the contact has its reply (or its webhook window closed without one),
   * and not before `deadlineAt` has passed while still waiting (then it runs anyway, and falls back for lack of time).
   * `newerWaiting`: a newer message of the contact waits behind this one (a burst: the newest answers them all).
   */
  run<T>(inbound: StoredMessage, deadlineAt: number, task: (newerWaiting: boolean) => Promise<T>): Promise<T>;
}

/** Deleting data on purpose (data-care.ts), and what the database holds (tables.ts). */
export interface DataCare {
  /** Deletes a customer and everything of theirs (null: no such contact); their kept files are the caller's to delete. */
  forgetContact(input: { contactId: number; at: number; by: string }): Promise<Forgotten | null>;
  /** One small batch of retention (skipped while another instance runs one); its kept files are the caller's to delete. */
  retentionBatch(input: RetentionInput): Promise<RetentionBatch>;
  /** Records that retention deleted data (counts only). */
  recordRetention(input: { at: number; messages: number }): Promise<void>;
  /** Every table and column the database holds (read from its catalogue). */
  tables(): Promise<Table[]>;
}

export interface Storage {
  readonly backend: 'sqlite' | 'postgres';
  /** Where the data is, for logs: the file, or the server and database (never the password). */
  readonly location: string;
  readonly conversations: ConversationStore;
  readonly outbox: Outbox;
  readonly knowledge: KnowledgeIndex;
  readonly reports: Reports;
  /** What the operators' console reads (src/console/). */
  readonly console: ConsoleReads;
  readonly settings: SettingsStore;
  readonly turns: ContactTurns;
  readonly data: DataCare;
  /** The console's operators: accounts, sessions, the sign-in throttle, the audit. */
  readonly accounts: AccountStore;
  /** Operators' notes and labels on conversations. */
  readonly annotations: Annotations;
  close(): Promise<void>;
}
