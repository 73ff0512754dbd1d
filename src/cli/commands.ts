// What every transcripts command is, and the two that write: taking a conversation over and handing it back.
import type { ParseArgsConfig } from 'node:util';
import { isWaitingForHuman } from '../agent/handoff-rule.js';
import { ActionRefused, addLabel, addNote, handBack, NOT_CONFIGURED, removeLabel, reply, takeOver, type OperatorActionDeps } from '../agent/operator-actions.js';
import { TERMINAL } from '../console/operator-name.js';
import type { WhatspieApi } from '../delivery/whatspie-client.js';
import type { Config } from '../config.js';
import type { Storage } from '../store/storage.js';
import { whatspieApiFrom } from '../compose.js';
import type { ConversationStore } from '../store/conversation-store.js';
import type { Ask } from './confirm.js';
import { UsageError } from './args.js';
import { namedContact } from './named-contact.js';
import { takeNumber } from './numbers.js';
import { apiHost, DELIVER_WAIT_MS, deliverNow } from './send-progress.js';
import { cell } from './terminal-text.js';

/** The settings the transcripts tool reads; config.ts parses them like the server's. */
export const TOOL_SETTINGS = ['DATABASE_PATH', 'DATABASE_URL', 'HANDOFF_HOURS', 'DEFAULT_COUNTRY_CODE', 'WHATSPIE_API_TOKEN', 'WHATSPIE_DEVICE', 'WHATSPIE_API_URL', 'MEDIA_DIR'] as const;
/** The settings the transcripts tool reads (the Whatspie ones only for reply); tests may leave those out. */
export type ToolSettings = Pick<Config, 'DATABASE_PATH' | 'HANDOFF_HOURS'> & Partial<Pick<Config, (typeof TOOL_SETTINGS)[number]>>;

export interface Io {
  out: (text: string) => void;
  /** Standard error: what must not mix into data written to standard output (export's note on files). */
  err?: (text: string) => void;
  /** A question on the terminal (forget's confirmation); absent when not on one. */
  ask?: Ask;
  settings: ToolSettings;
  now: number;
}

export type ParsedArgs = {
  values: Record<string, string | boolean | undefined>;
  positionals: string[];
  /** With a `--` among the words: how many positionals came before it. */
  beforeDashes?: number;
};

export interface Command {
  usage: string;
  options: ParseArgsConfig['options'];
  /** Opens the database for writing; the others read only. */
  writes?: boolean;
  /** `storage` opens the database on first use (so that --help and usage errors never touch it). */
  run(storage: () => Promise<Storage>, args: ParsedArgs, io: Io): Promise<number>;
}

export const waitingForHuman = (handoff: { countsFrom: number } | null, io: Io) => isWaitingForHuman(handoff, io.now, io.settings.HANDOFF_HOURS);

/**
 * The number at the start of the positionals, as typed ("0812 3456 789", "+62 812-3456-789"), and the words after it.
 * Lenient (the longest reading): for the commands that only read; those that write use `writeTarget`.
 */
export function requireNumber(positionals: string[], io: Io): { phone: string; rest: string[] } {
  const { number, rest } = takeNumber(positionals, io.settings.DEFAULT_COUNTRY_CODE);
  if (!number) throw new UsageError('which number? e.g. 62856123456');
  return { phone: number, rest };
}

/** A contact's name for messages to the operator: bounded and free of control characters. */
export const shownName = (contact: { displayName: string | null }, fallback: string) => cell(contact.displayName ?? fallback, 60);

/** The customer a command that writes names: never a guess between two readings of the words (named-contact.ts). */
const writeTarget = (store: ConversationStore, command: string, args: ParsedArgs, io: Io, takesText = true) =>
  namedContact(store, { command, positionals: args.positionals, beforeDashes: args.beforeDashes, takesText, defaultCountryCode: io.settings.DEFAULT_COUNTRY_CODE });

const resendHint = (ids: number[]) => ids.map((id) => `"npm run transcripts -- resend ${id}"`).join(', ');

/** The operator actions as the transcripts tool runs them: recorded as the terminal's, refusals as usage errors. */
function actionDeps(storage: Storage, io: Io, api: WhatspieApi | null = null): OperatorActionDeps {
  return { storage, api, now: () => io.now, handoffHours: io.settings.HANDOFF_HOURS };
}

async function refusedAsUsage<T>(action: Promise<T>): Promise<T> {
  try {
    return await action;
  } catch (error) {
    if (error instanceof ActionRefused) throw new UsageError(error.message, false);
    throw error;
  }
}

export const handoffCommands: Record<string, Command> = {
  reply: {
    usage: `reply <number> [--] <text…>
  Sends your message to the customer through Whatspie's API (WHATSPIE_API_TOKEN, WHATSPIE_DEVICE), records it in
  the transcript as the operator's ("operator terminal"), and pauses the bot for this customer as a handoff does
  (until "resume" or HANDOFF_HOURS), so that it never talks over you. Works whether the server runs or not.
  When the text starts with a digit, put -- between the number and the text (reply 62812345678 -- 1 more day):
  words that can be read as two customers' numbers, or as no customer's, are refused and nothing is sent.`,
    options: {},
    writes: true,
    async run(storage, args, io) {
      const apiUrl = io.settings.WHATSPIE_API_URL ?? 'https://api.whatspie.com';
      const api = whatspieApiFrom({ WHATSPIE_API_TOKEN: io.settings.WHATSPIE_API_TOKEN, WHATSPIE_DEVICE: io.settings.WHATSPIE_DEVICE, WHATSPIE_API_URL: apiUrl });
      if (!api) throw new UsageError(NOT_CONFIGURED, false);
      const opened = await storage();
      const { contact, phone, rest } = await writeTarget(opened.conversations, 'reply', args, io);
      const text = rest.join(' ').trim();
      if (!text) throw new UsageError('what to send? e.g. reply 62856123456 Your order ships today.');
      const { rowId } = await refusedAsUsage(reply(actionDeps(opened, io, api), { contact, by: TERMINAL, text }));
      const { outbox } = opened;
      const who = `${shownName(contact, phone)} (${phone})`;
      // Said before the first try: an unreachable Whatspie takes the whole wait, which must not pass in silence.
      io.out(`Sending to ${who} through Whatspie's API at ${apiHost(apiUrl)} (for up to ${DELIVER_WAIT_MS / 1000} s)…`);
      const delivery = await deliverNow(outbox, api, io.out, () => outbox.deliveryOfRow(rowId));
      if (delivery.state === 'sent') io.out(`Sent to ${who} (Whatspie id ${delivery.whatspieIds.join(', ')}).`);
      else if (delivery.state === 'failed') io.out(`NOT sent to ${who}: ${cell(delivery.error ?? 'unknown reason', 200)}`);
      else if (delivery.state === 'unknown') io.out(`Delivery to ${who} unknown: ${cell(delivery.error ?? 'no answer', 200)}. It may have arrived and is not sent again by itself; if it did not: ${resendHint(delivery.unknownIds)}.`);
      else io.out(`Queued for ${who}, not delivered yet (${cell(delivery.error ?? 'no answer', 200)}): the server retries it when it runs.`);
      io.out('The bot stays silent for this customer until "npm run transcripts -- resume" (or HANDOFF_HOURS).');
      return delivery.state === 'failed' || delivery.state === 'unknown' ? 1 : 0;
    },
  },
  pause: {
    usage: `pause <number> [--] [reason…]
  Takes the conversation over by hand: the bot stays silent for this contact (messages are still stored)
  until "resume", or HANDOFF_HOURS after now. A reason that starts with a digit goes after --, as in reply.`,
    options: {},
    writes: true,
    async run(storage, args, io) {
      const opened = await storage();
      const { contact, phone, rest } = await writeTarget(opened.conversations, 'pause', args, io);
      await takeOver(actionDeps(opened, io), { contact, by: TERMINAL, reason: rest.join(' ') || 'taken over by an operator' });
      io.out(`Paused: the bot stays silent for ${shownName(contact, phone)} (${phone}) until you resume it.`);
      return 0;
    },
  },
  resume: {
    usage: `resume <number>
  Ends a handoff: the bot answers this contact again from the next message on.`,
    options: {},
    writes: true,
    async run(storage, args, io) {
      const opened = await storage();
      const { contact, phone } = await writeTarget(opened.conversations, 'resume', args, io, false);
      const { wasWaiting } = await handBack(actionDeps(opened, io), { contact, by: TERMINAL });
      io.out(wasWaiting ? `Resumed: the bot answers ${shownName(contact, phone)} (${phone}) again.` : `${phone} was not waiting for a human; the bot already answers.`);
      return 0;
    },
  },
  note: {
    usage: `note <number> [--] <text…>
  Adds an internal note to the conversation: shown to operators ("transcripts show", the console), never sent
  to the customer. A text that starts with a digit goes after --, as in reply.`,
    options: {},
    writes: true,
    async run(storage, args, io) {
      const opened = await storage();
      const { contact, phone, rest } = await writeTarget(opened.conversations, 'note', args, io);
      const text = rest.join(' ').trim();
      if (!text) throw new UsageError('what is the note? e.g. note 62856123456 Called back, refund approved.');
      await refusedAsUsage(addNote(actionDeps(opened, io), { contact, by: TERMINAL, text }));
      io.out(`Note added to ${shownName(contact, phone)} (${phone}); it is never sent to the customer.`);
      return 0;
    },
  },
  label: {
    usage: `label <number> <word>
  Puts a label (a free word, such as vip or refund) on the conversation; the console filters by it.`,
    options: {},
    writes: true,
    run: (storage, args, io) => labelCommand(storage, args, io, 'label'),
  },
  unlabel: {
    usage: `unlabel <number> <word>
  Takes a label off the conversation.`,
    options: {},
    writes: true,
    run: (storage, args, io) => labelCommand(storage, args, io, 'unlabel'),
  },
};

async function labelCommand(storage: () => Promise<Storage>, args: ParsedArgs, io: Io, command: 'label' | 'unlabel'): Promise<number> {
  const opened = await storage();
  const { contact, phone, rest } = await writeTarget(opened.conversations, command, args, io);
  if (rest.length !== 1) throw new UsageError(`${command} takes one word after the number, e.g. ${command} 62856123456 vip`);
  const deps = actionDeps(opened, io);
  const input = { contact, by: TERMINAL, label: rest[0]! };
  const who = `${shownName(contact, phone)} (${phone})`;
  const label = cell(rest[0]!.trim().toLowerCase(), 40);
  if (command === 'label') {
    const added = await refusedAsUsage(addLabel(deps, input));
    io.out(added ? `Labelled ${who} "${label}".` : `${who} already has the label "${label}".`);
  } else {
    const removed = await refusedAsUsage(removeLabel(deps, input));
    io.out(removed ? `Took the label "${label}" off ${who}.` : `${who} has no label "${label}".`);
  }
  return 0;
}
