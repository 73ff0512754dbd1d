// What every transcripts command is, and the two that write: taking a conversation over and handing it back.
import type { ParseArgsConfig } from 'node:util';
import { isWaitingForHuman } from '../agent/handoff-rule.js';
import type { Config } from '../config.js';
import type { Db } from '../store/db.js';
import { endHandoff, findContactByPhone, startHandoff, type ContactRow } from '../store/queries.js';
import { UsageError } from './args.js';
import { takeNumber } from './numbers.js';
import { cell } from './terminal-text.js';

/** The settings the transcripts tool reads; config.ts parses them like the server's. */
export type ToolSettings = Pick<Config, 'DATABASE_PATH' | 'HANDOFF_HOURS' | 'DEFAULT_COUNTRY_CODE'>;
export const TOOL_SETTINGS = ['DATABASE_PATH', 'HANDOFF_HOURS', 'DEFAULT_COUNTRY_CODE'] as const;

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
  run(db: () => Db, args: ParsedArgs, io: Io): number;
}

export const waitingForHuman = (handoffAt: number | null, io: Io) => isWaitingForHuman(handoffAt, io.now, io.settings.HANDOFF_HOURS);

/** The number at the start of the positionals, as typed ("0812 3456 789", "+62 812-3456-789"), and the words after it. */
export function requireNumber(positionals: string[], io: Io): { phone: string; rest: string[] } {
  const { number, rest } = takeNumber(positionals, io.settings.DEFAULT_COUNTRY_CODE);
  if (!number) throw new UsageError('which number? e.g. 62856123456');
  return { phone: number, rest };
}

/** A contact's name for messages to the operator: bounded and free of control characters. */
export const shownName = (contact: Pick<ContactRow, 'displayName'>, fallback: string) => cell(contact.displayName ?? fallback, 60);

function existingContact(db: Db, phone: string) {
  const contact = findContactByPhone(db, phone);
  if (!contact) throw new UsageError(`no conversation with ${cell(phone, 40)}; "npm run transcripts -- list" shows every number`);
  return contact;
}

export const handoffCommands: Record<string, Command> = {
  pause: {
    usage: `pause <number> [reason…]
  Takes the conversation over by hand: the bot stays silent for this contact (messages are still stored)
  until "resume", or HANDOFF_HOURS after now.`,
    options: {},
    writes: true,
    run(db, { positionals }, io) {
      const { phone, rest } = requireNumber(positionals, io);
      const contact = existingContact(db(), phone);
      const reason = rest.join(' ') || 'taken over by an operator';
      startHandoff(db(), { contactId: contact.id, at: io.now, reason });
      io.out(`Paused: the bot stays silent for ${shownName(contact, phone)} (${phone}) until you resume it.`);
      return 0;
    },
  },
  resume: {
    usage: `resume <number>
  Ends a handoff: the bot answers this contact again from the next message on.`,
    options: {},
    writes: true,
    run(db, { positionals }, io) {
      const { phone } = requireNumber(positionals, io);
      const contact = existingContact(db(), phone);
      if (!waitingForHuman(contact.handoffAt, io)) {
        if (contact.handoffAt !== null) endHandoff(db(), { phone });
        io.out(`${phone} was not waiting for a human; the bot already answers.`);
        return 0;
      }
      endHandoff(db(), { phone });
      io.out(`Resumed: the bot answers ${shownName(contact, phone)} (${phone}) again.`);
      return 0;
    },
  },
};
