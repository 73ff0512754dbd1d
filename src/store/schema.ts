// The conversation store. Times are Unix milliseconds; the `transcript` view shows them readably.
import { sql } from 'drizzle-orm';
import { index, integer, primaryKey, sqliteTable, sqliteView, text, uniqueIndex } from 'drizzle-orm/sqlite-core';

export const contacts = sqliteTable('contacts', {
  id: integer('id').primaryKey({ autoIncrement: true }),
  /** Whatspie's `from`: the customer's number, or a group's id. */
  phone: text('phone').notNull().unique(),
  jid: text('jid').notNull(),
  displayName: text('display_name'),
  firstSeenAt: integer('first_seen_at').notNull(),
  lastSeenAt: integer('last_seen_at').notNull(),
  /** Set while the conversation waits for a human: the bot stays silent until resumed or HANDOFF_HOURS pass. */
  handoffAt: integer('handoff_at'),
  handoffReason: text('handoff_reason'),
  /** HANDOFF_HOURS count from here: the handoff, or the next opening when it came while the business was closed. */
  handoffCountsFrom: integer('handoff_counts_from'),
  /** Whether the business was open at the handoff; null when not known (no opening hours, an operator's pause). */
  handoffWithinHours: integer('handoff_within_hours', { mode: 'boolean' }),
});

export const messages = sqliteTable(
  'messages',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    contactId: integer('contact_id')
      .notNull()
      .references(() => contacts.id),
    direction: text('direction', { enum: ['in', 'out'] }).notNull(),
    /** WhatsApp's id of an inbound message; unique per sender, so a redelivery is recognised. */
    waMessageId: text('wa_message_id'),
    /** For a reply: the inbound message it answers. */
    inReplyTo: integer('in_reply_to'),
    /** in: text, image, document, audio, contact or unknown:<type>; out: text, image, document, reaction, several or silent. */
    kind: text('kind').notNull(),
    text: text('text'),
    mediaUrl: text('media_url'),
    mediaCaption: text('media_caption'),
    mediaFileName: text('media_file_name'),
    /** Inbound media: the file as downloaded into MEDIA_DIR (Whatspie's links expire), or why it was not. */
    mediaPath: text('media_path'),
    mediaBytes: integer('media_bytes'),
    mediaType: text('media_type'),
    mediaSha256: text('media_sha256'),
    mediaError: text('media_error'),
    /** Inbound voice note: what TRANSCRIPTION_MODEL heard. */
    transcription: text('transcription'),
    /** Inbound: the exact JSON Whatspie posted. */
    rawPayload: text('raw_payload'),
    /** Outbound: the exact JSON answered to Whatspie. */
    replyJson: text('reply_json'),
    model: text('model'),
    llmLatencyMs: integer('llm_latency_ms'),
    fellBack: integer('fell_back', { mode: 'boolean' }),
    fallbackReason: text('fallback_reason'),
    /** Outbound: 'api' when sent through Whatspie's REST API (a late answer, an operator's reply); null for the webhook answer. */
    via: text('via'),
    /** Outbound: the operator who wrote it (the console's account name, or "terminal" for the transcripts tool); null: the bot. */
    operator: text('operator'),
    /**
     * On a holding reply: its late answer is still being worked on. Cleared by whoever settles it first: the answer,
     * or the sweep that sends the fallback when the process working on it died.
     */
    latePending: integer('late_pending', { mode: 'boolean' }),
    promptTokens: integer('prompt_tokens'),
    /** Of the prompt tokens, how many the provider read from its cache (when it reports it). */
    cachedTokens: integer('cached_tokens'),
    completionTokens: integer('completion_tokens'),
    /** Outbound: the operators' tools (prompts/tools/) called for this reply, as JSON: tool, arguments, status, outcome, ms, the answer's start. */
    toolCalls: text('tool_calls'),
    /** When WhatsApp says the customer sent it (inbound only). */
    sentAt: integer('sent_at'),
    createdAt: integer('created_at').notNull(),
  },
  (t) => [
    // A redelivery is the same sender AND the same id: WhatsApp ids are not promised unique across chats, and anyone
    // who knows the webhook URL can replay another customer's id. Partial: replies have no WhatsApp id.
    uniqueIndex('messages_contact_wa_id').on(t.contactId, t.waMessageId).where(sql`${t.waMessageId} IS NOT NULL`),
    index('messages_contact_id').on(t.contactId, t.id),
    // Retention (RETENTION_DAYS) deletes the oldest first, a batch at a time.
    index('messages_created_at').on(t.createdAt),
    index('messages_late_pending').on(t.latePending).where(sql`${t.latePending} = 1`),
    // The console's "needs a reply": a contact's fallbacks, found without reading every message of every contact.
    index('messages_fallbacks').on(t.contactId, t.id).where(sql`${t.fellBack} = 1`),
  ],
);

/**
 * What Whatspie's v2 webhook reports besides messages: read receipts, failed sends, a disconnected device, and any
 * event type this version does not know. Kept as received, with a one-line summary for reviewers.
 */
export const events = sqliteTable(
  'events',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    type: text('type').notNull(),
    /** Whatspie's id of the message the event is about, when it names one. */
    whatspieMessageId: text('whatspie_message_id'),
    summary: text('summary').notNull(),
    /** The exact JSON Whatspie posted. */
    payload: text('payload').notNull(),
    createdAt: integer('created_at').notNull(),
  },
  (t) => [index('events_type_time').on(t.type, t.createdAt)],
);

/**
 * Messages to send through Whatspie's REST API (answers that outlived the webhook's window, operators' replies),
 * written before the first attempt so that none is lost to a crash. One row per WhatsApp message, in order.
 */
export const outbox = sqliteTable(
  'outbox',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    contactId: integer('contact_id')
      .notNull()
      .references(() => contacts.id),
    /** The transcript row (messages.id) this message belongs to. */
    messageRowId: integer('message_row_id').notNull(),
    /** The customer's message it answers; null for an operator's reply. */
    inReplyTo: integer('in_reply_to'),
    /** The OutgoingMessage, as JSON. */
    payload: text('payload').notNull(),
    /**
     * pending → sending → sent, failed (with error), or unknown (with error): the request went out and no answer came
     * back, or `sending` ran past its lease (its process stopped mid-send). Unknown is never sent again by itself; an
     * operator's resend makes it pending once more. No CHECK constraint: the states are this list, not the database's.
     */
    state: text('state', { enum: ['pending', 'sending', 'sent', 'failed', 'unknown'] }).notNull(),
    attempts: integer('attempts').notNull().default(0),
    nextAttemptAt: integer('next_attempt_at').notNull(),
    leaseUntil: integer('lease_until'),
    /** Whatspie's id of the sent message, to match its v2 message_failed event. */
    whatspieId: text('whatspie_id'),
    error: text('error'),
    createdAt: integer('created_at').notNull(),
    sentAt: integer('sent_at'),
  },
  (t) => [
    index('outbox_due').on(t.state, t.nextAttemptAt),
    index('outbox_contact').on(t.contactId, t.id),
    index('outbox_reply_to').on(t.inReplyTo),
    index('outbox_whatspie_id').on(t.whatspieId),
  ],
);

/** Small key/value facts the server keeps about itself, such as the generated webhook secret. */
export const settings = sqliteTable('settings', {
  key: text('key').primaryKey(),
  value: text('value').notNull(),
});

/**
 * The people who sign in to the console. The password is kept as an scrypt hash with its own salt and parameters
 * (src/console/password.ts says the format), never in clear.
 */
export const operators = sqliteTable('operators', {
  id: integer('id').primaryKey({ autoIncrement: true }),
  name: text('name').notNull().unique(),
  passwordHash: text('password_hash').notNull(),
  createdAt: integer('created_at').notNull(),
});

/**
 * Signed-in console sessions, kept in the database so that every instance accepts them. Only a hash of the cookie's
 * id is stored: reading the database gives no live cookie.
 */
export const operatorSessions = sqliteTable(
  'operator_sessions',
  {
    idHash: text('id_hash').primaryKey(),
    operatorId: integer('operator_id')
      .notNull()
      .references(() => operators.id, { onDelete: 'cascade' }),
    createdAt: integer('created_at').notNull(),
    lastSeenAt: integer('last_seen_at').notNull(),
  },
  (t) => [index('operator_sessions_operator').on(t.operatorId)],
);

/** Wrong passwords, by account ("account:NAME") and by address ("address:IP"), for the sign-in throttle. */
export const signInFailures = sqliteTable(
  'sign_in_failures',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    key: text('key').notNull(),
    at: integer('at').notNull(),
  },
  (t) => [index('sign_in_failures_key').on(t.key, t.at)],
);

/** What operators did, who and when: take over, reply, hand back, note, label, sign in and out. */
export const operatorActions = sqliteTable(
  'operator_actions',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    at: integer('at').notNull(),
    operator: text('operator').notNull(),
    action: text('action').notNull(),
    contactId: integer('contact_id'),
    detail: text('detail'),
  },
  (t) => [index('operator_actions_contact').on(t.contactId, t.id)],
);

/** Operators' internal notes on a conversation: shown to operators in the transcript, never sent to the customer. */
export const contactNotes = sqliteTable(
  'contact_notes',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    contactId: integer('contact_id')
      .notNull()
      .references(() => contacts.id),
    operator: text('operator').notNull(),
    text: text('text').notNull(),
    createdAt: integer('created_at').notNull(),
  },
  (t) => [index('contact_notes_contact').on(t.contactId, t.id)],
);

/** Free words operators put on a conversation, to find it again (a filter of the console's inbox). */
export const contactLabels = sqliteTable(
  'contact_labels',
  {
    contactId: integer('contact_id')
      .notNull()
      .references(() => contacts.id),
    label: text('label').notNull(),
    operator: text('operator').notNull(),
    createdAt: integer('created_at').notNull(),
  },
  (t) => [primaryKey({ columns: [t.contactId, t.label] }), index('contact_labels_label').on(t.label)],
);

/** A conversation as a person reads it: `SELECT * FROM transcript WHERE phone = '…'`. */
export const transcript = sqliteView('transcript').as((qb) =>
  qb
    .select({
      phone: contacts.phone,
      name: contacts.displayName,
      at: sql<string>`strftime('%Y-%m-%d %H:%M:%S', ${messages.createdAt} / 1000.0, 'unixepoch')`.as('at'),
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

/**
 * The daily totals of `transcripts stats` for the days retention (RETENTION_DAYS) deletes: written, whole, before the
 * first message of a day is deleted, so that the statistics of the past survive the messages. Counts only.
 */
export const dailyTotals = sqliteTable('daily_totals', {
  /** YYYY-MM-DD, in UTC. */
  day: text('day').primaryKey(),
  received: integer('received').notNull(),
  modelReplies: integer('model_replies').notNull(),
  fallbacks: integer('fallbacks').notNull(),
  promptTokens: integer('prompt_tokens').notNull(),
  cachedTokens: integer('cached_tokens'),
  completionTokens: integer('completion_tokens').notNull(),
});

/**
 * That data was deleted, when and by whom: a customer forgotten on request, or a retention pass. Never what was
 * deleted nor whose it was (that would keep what the customer asked to be forgotten).
 */
export const deletions = sqliteTable('deletions', {
  id: integer('id').primaryKey({ autoIncrement: true }),
  at: integer('at').notNull(),
  /** 'forget' (a customer, on request) or 'retention'. */
  kind: text('kind').notNull(),
  /** Who asked: the operator's name as the tool or console knows it, or "retention". */
  requestedBy: text('requested_by').notNull(),
  /** Messages deleted. */
  messages: integer('messages').notNull(),
});
