// What every transcripts command is, and the two that write: taking a conversation over and handing it back.
import type { ParseArgsConfig } from 'node:util';
import { isWaitingForHuman } from '../agent/handoff-rule.js';
import type { Config } from '../config.js';
import type { Storage } from '../store/storage.js';
import { textMessages } from '../agent/outgoing.js';
import { whatspieApiFrom } from '../compose.js';
import { startOutboxWorker } from '../delivery/outbox-worker.js';
import { silentLogger } from '../logger.js';
import type { Contact, ConversationStore } from '../store/conversation-store.js';
import { replyRecord } from '../agent/reply-record.js';
import { OPERATOR } from './format.js';
import { UsageError } from './args.js';
import { takeNumber } from './numbers.js';
import { cell } from './terminal-text.js';

/** The settings the transcripts tool reads; config.ts parses them like the server's. */
export const TOOL_SETTINGS = ['DATABASE_PATH', 'DATABASE_URL', 'HANDOFF_HOURS', 'DEFAULT_COUNTRY_CODE', 'WHATSPIE_API_TOKEN', 'WHATSPIE_DEVICE', 'WHATSPIE_API_URL'] as const;
/** The settings the transcripts tool reads (the Whatspie ones only for reply); tests may leave those out. */
export type ToolSettings = Pick<Config, 'DATABASE_PATH' | 'HANDOFF_HOURS'> & Partial<Pick<Config, (typeof TOOL_SETTINGS)[number]>>;

export interface Io {
  out: (text: string) => void;
  settings: ToolSettings;
  now: number;
}

export type ParsedArgs = { values: Record<string, string | boolean | undefined>; positionals: string[] };

export interface Command {
  usage: string;
  options: ParseArgsConfig['options'];
  /** Opens the database for writing; the others read only. */
  writes?: boolean;
  /** `storage` opens the database on first use (so that --help and usage errors never touch it). */
  run(storage: () => Promise<Storage>, args: ParsedArgs, io: Io): Promise<number>;
}

export const waitingForHuman = (handoffAt: number | null, io: Io) => isWaitingForHuman(handoffAt, io.now, io.settings.HANDOFF_HOURS);

/** The number at the start of the positionals, as typed ("0812 3456 789", "+62 812-3456-789"), and the words after it. */
export function requireNumber(positionals: string[], io: Io): { phone: string; rest: string[] } {
  const { number, rest } = takeNumber(positionals, io.settings.DEFAULT_COUNTRY_CODE);
  if (!number) throw new UsageError('which number? e.g. 62856123456');
  return { phone: number, rest };
}

/** A contact's name for messages to the operator: bounded and free of control characters. */
export const shownName = (contact: { displayName: string | null }, fallback: string) => cell(contact.displayName ?? fallback, 60);

async function existingContact(store: ConversationStore, phone: string): Promise<Contact> {
  const contact = await store.contactByPhone(phone);
  if (!contact) throw new UsageError(`no conversation with ${cell(phone, 40)}; "npm run transcripts -- list" shows every number`);
  return contact;
}

const resendHint = (ids: number[]) => ids.map((id) => `"npm run transcripts -- resend ${id}"`).join(', ');

/** How long `reply` tries to deliver before leaving the message to the server's retries. */
const REPLY_WAIT_MS = 20_000;

export const handoffCommands: Record<string, Command> = {
  reply: {
    usage: `reply <number> <text…>
  Sends your message to the customer through Whatspie's API (WHATSPIE_API_TOKEN, WHATSPIE_DEVICE), records it in
  the transcript as the operator's, and pauses the bot for this customer as a handoff does (until "resume" or
  HANDOFF_HOURS), so that it never talks over you. Works whether the server runs or not.`,
    options: {},
    writes: true,
    async run(storage, { positionals }, io) {
      const { phone, rest } = requireNumber(positionals, io);
      const text = rest.join(' ').trim();
      if (!text) throw new UsageError('what to send? e.g. reply 62856123456 Your order ships today.');
      const api = whatspieApiFrom({
        WHATSPIE_API_TOKEN: io.settings.WHATSPIE_API_TOKEN,
        WHATSPIE_DEVICE: io.settings.WHATSPIE_DEVICE,
        WHATSPIE_API_URL: io.settings.WHATSPIE_API_URL ?? 'https://api.whatspie.com',
      });
      if (!api) throw new UsageError("reply sends through Whatspie's API: set WHATSPIE_API_TOKEN and WHATSPIE_DEVICE (in .env or the environment)");
      const { conversations: store, outbox } = await storage();
      const contact = await existingContact(store, phone);
      const messages = textMessages(text, 'model');
      if (messages.length === 0) throw new UsageError('the message is empty once formatted');
      const rowId = await outbox.enqueue({
        record: replyRecord({ contactId: contact.id, inReplyTo: null }, messages, { turn: null, note: OPERATOR, llmLatencyMs: null, fallback: null }),
        messages,
        at: io.now,
      });
      await store.startHandoff({ contactId: contact.id, at: io.now, reason: 'an operator replied' });
      // Delivered here, so that it works without the server; a running server would take it just the same.
      const worker = startOutboxWorker({ outbox, api, logger: silentLogger, pollMs: 200 });
      const started = Date.now();
      await worker.drain(REPLY_WAIT_MS);
      worker.stop();
      let delivery = await outbox.deliveryOfRow(rowId);
      // A running server (any instance) may have taken it first: wait for its answer as long as we would have.
      while (delivery.state === 'pending' && Date.now() - started < REPLY_WAIT_MS) {
        await new Promise((resolve) => setTimeout(resolve, 200));
        delivery = await outbox.deliveryOfRow(rowId);
      }
      const who = `${shownName(contact, phone)} (${phone})`;
      if (delivery.state === 'sent') io.out(`Sent to ${who} (Whatspie id ${delivery.whatspieIds.join(', ')}).`);
      else if (delivery.state === 'failed') io.out(`NOT sent to ${who}: ${cell(delivery.error ?? 'unknown reason', 200)}`);
      else if (delivery.state === 'unknown') io.out(`Delivery to ${who} unknown: ${cell(delivery.error ?? 'no answer', 200)}. It may have arrived and is not sent again by itself; if it did not: ${resendHint(delivery.unknownIds)}.`);
      else io.out(`Queued for ${who}, not delivered yet (${cell(delivery.error ?? 'no answer', 200)}): the server retries it when it runs.`);
      io.out('The bot stays silent for this customer until "npm run transcripts -- resume" (or HANDOFF_HOURS).');
      return delivery.state === 'failed' || delivery.state === 'unknown' ? 1 : 0;
    },
  },
  pause: {
    usage: `pause <number> [reason…]
  Takes the conversation over by hand: the bot stays silent for this contact (messages are still stored)
  until "resume", or HANDOFF_HOURS after now.`,
    options: {},
    writes: true,
    async run(storage, { positionals }, io) {
      const { phone, rest } = requireNumber(positionals, io);
      const store = (await storage()).conversations;
      const contact = await existingContact(store, phone);
      const reason = rest.join(' ') || 'taken over by an operator';
      await store.startHandoff({ contactId: contact.id, at: io.now, reason });
      io.out(`Paused: the bot stays silent for ${shownName(contact, phone)} (${phone}) until you resume it.`);
      return 0;
    },
  },
  resume: {
    usage: `resume <number>
  Ends a handoff: the bot answers this contact again from the next message on.`,
    options: {},
    writes: true,
    async run(storage, { positionals }, io) {
      const { phone } = requireNumber(positionals, io);
      const store = (await storage()).conversations;
      const contact = await existingContact(store, phone);
      if (!waitingForHuman(contact.handoff?.at ?? null, io)) {
        if (contact.handoff) await store.endHandoff(contact.id);
        io.out(`${phone} was not waiting for a human; the bot already answers.`);
        return 0;
      }
      await store.endHandoff(contact.id);
      io.out(`Resumed: the bot answers ${shownName(contact, phone)} (${phone}) again.`);
      return 0;
    },
  },
};
