// The conversation store on PostgreSQL: the same tables, columns and meanings as ../schema.ts (SQLite), in
// PostgreSQL's types. Times are Unix milliseconds (bigint read as a JavaScript number); the `transcript` view shows
// them readably. Generated into drizzle-pg/ by `npm run db:generate`.
import { sql } from 'drizzle-orm';
import { bigint, bigserial, boolean, customType, index, integer, pgTable, pgView, primaryKey, text, uniqueIndex } from 'drizzle-orm/pg-core';

const ms = (name: string) => bigint(name, { mode: 'number' });
const id = () => bigserial('id', { mode: 'number' }).primaryKey();
const tsvector = customType<{ data: string }>({ dataType: () => 'tsvector' });

export const contacts = pgTable('contacts', {
  id: id(),
  /** Whatspie's `from`: the customer's number, or a group's id. */
  phone: text('phone').notNull().unique(),
  jid: text('jid').notNull(),
  displayName: text('display_name'),
  firstSeenAt: ms('first_seen_at').notNull(),
  lastSeenAt: ms('last_seen_at').notNull(),
  /** Set while the conversation waits for a human: the bot stays silent until resumed or HANDOFF_HOURS pass. */
  handoffAt: ms('handoff_at'),
  handoffReason: text('handoff_reason'),
  /** HANDOFF_HOURS count from here: the handoff, or the next opening when it came while the business was closed. */
  handoffCountsFrom: ms('handoff_counts_from'),
  /** Whether the business was open at the handoff; null when not known (no opening hours, an operator's pause). */
  handoffWithinHours: boolean('handoff_within_hours'),
});

export const messages = pgTable(
  'messages',
  {
    id: id(),
    contactId: ms('contact_id')
      .notNull()
      .references(() => contacts.id),
    direction: text('direction', { enum: ['in', 'out'] }).notNull(),
    /** WhatsApp's id of an inbound message; unique per sender, so a redelivery is recognised. */
    waMessageId: text('wa_message_id'),
    /** For a reply: the inbound message it answers. */
    inReplyTo: ms('in_reply_to'),
    kind: text('kind').notNull(),
    text: text('text'),
    mediaUrl: text('media_url'),
    mediaCaption: text('media_caption'),
    mediaFileName: text('media_file_name'),
    mediaPath: text('media_path'),
    mediaBytes: ms('media_bytes'),
    mediaType: text('media_type'),
    mediaSha256: text('media_sha256'),
    mediaError: text('media_error'),
    transcription: text('transcription'),
    rawPayload: text('raw_payload'),
    replyJson: text('reply_json'),
    model: text('model'),
    llmLatencyMs: integer('llm_latency_ms'),
    fellBack: boolean('fell_back'),
    fallbackReason: text('fallback_reason'),
    via: text('via'),
    /** Outbound: the operator who wrote it (the console's account name, or "terminal" for the transcripts tool); null: the bot. */
    operator: text('operator'),
    latePending: boolean('late_pending'),
    promptTokens: integer('prompt_tokens'),
    /** Of the prompt tokens, how many the provider read from its cache (when it reports it). */
    cachedTokens: integer('cached_tokens'),
    completionTokens: integer('completion_tokens'),
    /** Outbound: the operators' tools (prompts/tools/) called for this reply, as JSON (see ../schema.ts). */
    toolCalls: text('tool_calls'),
    /**
     * Inbound: until when an instance holds the right to answer it. A redelivery reaching another instance meanwhile
     * waits for that answer instead of asking the model again; an instance that dies loses the claim when it expires.
     */
    claimedUntil: ms('claimed_until'),
    sentAt: ms('sent_at'),
    createdAt: ms('created_at').notNull(),
  },
  (t) => [
    uniqueIndex('messages_contact_wa_id').on(t.contactId, t.waMessageId).where(sql`${t.waMessageId} IS NOT NULL`),
    index('messages_contact_id').on(t.contactId, t.id),
    // Retention (RETENTION_DAYS) deletes the oldest first, a batch at a time.
    index('messages_created_at').on(t.createdAt),
    index('messages_in_reply_to').on(t.inReplyTo).where(sql`${t.inReplyTo} IS NOT NULL`),
    index('messages_late_pending').on(t.latePending).where(sql`${t.latePending}`),
    // The console's "needs a reply": a contact's fallbacks, found without reading every message of every contact.
    index('messages_fallbacks').on(t.contactId, t.id).where(sql`${t.fellBack}`),
  ],
);

export const events = pgTable(
  'events',
  {
    id: id(),
    type: text('type').notNull(),
    whatspieMessageId: text('whatspie_message_id'),
    summary: text('summary').notNull(),
    payload: text('payload').notNull(),
    createdAt: ms('created_at').notNull(),
  },
  (t) => [index('events_type_time').on(t.type, t.createdAt)],
);

export const outbox = pgTable(
  'outbox',
  {
    id: id(),
    contactId: ms('contact_id')
      .notNull()
      .references(() => contacts.id),
    messageRowId: ms('message_row_id').notNull(),
    inReplyTo: ms('in_reply_to'),
    payload: text('payload').notNull(),
    /** As in ../schema.ts: pending → sending → sent, failed or unknown (fate unknown, never sent again by itself). */
    state: text('state', { enum: ['pending', 'sending', 'sent', 'failed', 'unknown'] }).notNull(),
    attempts: integer('attempts').notNull().default(0),
    nextAttemptAt: ms('next_attempt_at').notNull(),
    leaseUntil: ms('lease_until'),
    whatspieId: text('whatspie_id'),
    error: text('error'),
    createdAt: ms('created_at').notNull(),
    sentAt: ms('sent_at'),
  },
  (t) => [
    index('outbox_due').on(t.state, t.nextAttemptAt),
    index('outbox_contact').on(t.contactId, t.id),
    index('outbox_reply_to').on(t.inReplyTo),
    index('outbox_row').on(t.messageRowId),
    index('outbox_whatspie_id').on(t.whatspieId),
  ],
);

export const settings = pgTable('settings', {
  key: text('key').primaryKey(),
  value: text('value').notNull(),
});

/**
 * The knowledge base: one row per heading section of prompts/knowledge/*.md. `document` is indexed with both the
 * English and the Indonesian stemmer (see ./knowledge.ts for why), headings weighted above bodies.
 */
export const knowledge = pgTable(
  'knowledge',
  {
    id: id(),
    file: text('file').notNull(),
    heading: text('heading').notNull(),
    body: text('body').notNull(),
    document: tsvector('document')
      .notNull()
      .generatedAlwaysAs(
        sql`setweight(to_tsvector('english', heading), 'A') || setweight(to_tsvector('indonesian', heading), 'A') || setweight(to_tsvector('english', body), 'B') || setweight(to_tsvector('indonesian', body), 'B')`,
      ),
  },
  (t) => [index('knowledge_document').using('gin', t.document)],
);

/** The people who sign in to the console; the password as an scrypt hash with its salt and parameters. */
export const operators = pgTable('operators', {
  id: id(),
  name: text('name').notNull().unique(),
  passwordHash: text('password_hash').notNull(),
  createdAt: ms('created_at').notNull(),
});

/** Signed-in console sessions (every instance accepts them); only a hash of the cookie's id is stored. */
export const operatorSessions = pgTable(
  'operator_sessions',
  {
    idHash: text('id_hash').primaryKey(),
    operatorId: ms('operator_id')
      .notNull()
      .references(() => operators.id, { onDelete: 'cascade' }),
    createdAt: ms('created_at').notNull(),
    lastSeenAt: ms('last_seen_at').notNull(),
  },
  (t) => [index('operator_sessions_operator').on(t.operatorId)],
);

/** Wrong passwords, by account ("account:NAME") and by address ("address:IP"), for the sign-in throttle. */
export const signInFailures = pgTable(
  'sign_in_failures',
  {
    id: id(),
    key: text('key').notNull(),
    at: ms('at').notNull(),
  },
  (t) => [index('sign_in_failures_key').on(t.key, t.at)],
);

/** What operators did, who and when. */
export const operatorActions = pgTable(
  'operator_actions',
  {
    id: id(),
    at: ms('at').notNull(),
    operator: text('operator').notNull(),
    action: text('action').notNull(),
    contactId: ms('contact_id'),
    detail: text('detail'),
  },
  (t) => [index('operator_actions_contact').on(t.contactId, t.id)],
);

/** Operators' internal notes on a conversation, never sent to the customer. */
export const contactNotes = pgTable(
  'contact_notes',
  {
    id: id(),
    contactId: ms('contact_id')
      .notNull()
      .references(() => contacts.id),
    operator: text('operator').notNull(),
    text: text('text').notNull(),
    createdAt: ms('created_at').notNull(),
  },
  (t) => [index('contact_notes_contact').on(t.contactId, t.id)],
);

/** Free words operators put on a conversation. */
export const contactLabels = pgTable(
  'contact_labels',
  {
    contactId: ms('contact_id')
      .notNull()
      .references(() => contacts.id),
    label: text('label').notNull(),
    operator: text('operator').notNull(),
    createdAt: ms('created_at').notNull(),
  },
  (t) => [primaryKey({ columns: [t.contactId, t.label] }), index('contact_labels_label').on(t.label)],
);

/** A conversation as a person reads it: `SELECT * FROM transcript WHERE phone = '…'`. */
export const transcript = pgView('transcript').as((qb) =>
  qb
    .select({
      phone: contacts.phone,
      name: contacts.displayName,
      at: sql<string>`to_char(to_timestamp(${messages.createdAt} / 1000.0) AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS')`.as('at'),
      // An operator's reply is theirs, by name; older rows kept only model = 'operator'.
      who: sql<string>`case when ${messages.direction} = 'in' then 'customer' when ${messages.operator} is not null then 'operator ' || ${messages.operator} when ${messages.model} = 'operator' then 'operator' else 'bot' end`.as('who'),
      kind: messages.kind,
      text: messages.text,
      mediaUrl: messages.mediaUrl,
      fellBack: messages.fellBack,
      fallbackReason: messages.fallbackReason,
      llmLatencyMs: messages.llmLatencyMs,
      replyJson: messages.replyJson,
      messageId: messages.id,
    })
    .from(messages)
    .innerJoin(contacts, sql`${contacts.id} = ${messages.contactId}`)
    .orderBy(messages.id),
);

/** As in ../schema.ts: the daily totals of `transcripts stats` for the days retention deletes. */
export const dailyTotals = pgTable('daily_totals', {
  day: text('day').primaryKey(),
  received: ms('received').notNull(),
  modelReplies: ms('model_replies').notNull(),
  fallbacks: ms('fallbacks').notNull(),
  promptTokens: ms('prompt_tokens').notNull(),
  cachedTokens: ms('cached_tokens'),
  completionTokens: ms('completion_tokens').notNull(),
});

/** As in ../schema.ts: that data was deleted, when and by whom; never what nor whose. */
export const deletions = pgTable('deletions', {
  id: id(),
  at: ms('at').notNull(),
  kind: text('kind').notNull(),
  requestedBy: text('requested_by').notNull(),
  messages: ms('messages').notNull(),
});
