// What every transcripts command is, and the two that write: taking a conversation over and handing it back.
import type { ParseArgsConfig } from 'node:util';
import type { Db } from '../store/db.js';
import { endHandoff, findContactByPhone, startHandoff } from '../store/queries.js';
import { normaliseNumber, UsageError } from './args.js';

const HOUR_MS = 3_600_000;

export interface Io {
  out: (text: string) => void;
  env: Record<string, string | undefined>;
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

/** Handoffs that started before this have expired (HANDOFF_HOURS, as the server reads it). */
export function handoffCutoff(io: Io): number {
  return io.now - (Number(io.env.HANDOFF_HOURS) || 24) * HOUR_MS;
}

export function requireNumber(positionals: string[]): string {
  if (!positionals[0]) throw new UsageError('which number? e.g. 62856123456');
  return normaliseNumber(positionals[0]);
}

function existingContact(db: Db, phone: string) {
  const contact = findContactByPhone(db, phone);
  if (!contact) throw new UsageError(`no conversation with ${phone}`);
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
      const phone = requireNumber(positionals);
      const contact = existingContact(db(), phone);
      const reason = positionals.slice(1).join(' ') || 'taken over by an operator';
      startHandoff(db(), { contactId: contact.id, at: io.now, reason });
      io.out(`Paused: the bot stays silent for ${contact.displayName ?? phone} (${phone}) until you resume it.`);
      return 0;
    },
  },
  resume: {
    usage: `resume <number>
  Ends a handoff: the bot answers this contact again from the next message on.`,
    options: {},
    writes: true,
    run(db, { positionals }, io) {
      const phone = requireNumber(positionals);
      const contact = existingContact(db(), phone);
      if (contact.handoffAt === null) {
        io.out(`${phone} was not waiting for a human; the bot already answers.`);
        return 0;
      }
      endHandoff(db(), { phone });
      io.out(`Resumed: the bot answers ${contact.displayName ?? phone} (${phone}) again.`);
      return 0;
    },
  },
};
