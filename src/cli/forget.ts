// transcripts forget <number>: a customer's request to be forgotten (agent/forget-customer.ts does it).
import { userInfo } from 'node:os';
import { forgetCustomer } from '../agent/forget-customer.js';
import { UsageError } from './args.js';
import type { Command } from './commands.js';
import { confirmed } from './confirm.js';
import { namedContact } from './named-contact.js';
import { cell } from './terminal-text.js';

/** Who asked, for the record of the deletion: --by, else the system user running the tool. */
function operator(by: string | boolean | undefined): string {
  if (typeof by === 'string' && by.trim()) return `${by.trim().slice(0, 80)} (transcripts forget)`;
  try {
    return `${userInfo().username} (transcripts forget)`;
  } catch {
    return 'transcripts forget';
  }
}

export const forgetCommand: Command = {
  usage: `forget <number> [--yes] [--by NAME]
  Deletes a customer who asks to be forgotten: their contact, every message and reply, every send (queued or not),
  the events of their messages, and their kept files in MEDIA_DIR. What remains is only that a deletion happened,
  when, and by whom (--by, else your system user). Asks you to type the number again; --yes when not on a terminal.
  Works while the server runs. Export their data first if they asked for it: export --contact NUMBER --files DIR.`,
  options: { yes: { type: 'boolean' }, by: { type: 'string' } },
  writes: true,
  async run(storage, args, io) {
    const opened = await storage();
    const { contact, phone } = await namedContact(opened.conversations, {
      command: 'forget',
      positionals: args.positionals,
      beforeDashes: args.beforeDashes,
      takesText: false,
      defaultCountryCode: io.settings.DEFAULT_COUNTRY_CODE,
    });
    const answer = await confirmed(io.ask, args.values.yes === true, `Delete everything of ${cell(phone, 40)}, for good? Type the number again to confirm: `, phone);
    if (answer === 'needs --yes') throw new UsageError(`forget deletes for good, so it asks first: on a terminal it asks; elsewhere add --yes. Nothing was deleted.`, false);
    if (!answer) {
      io.out('Not confirmed: nothing was deleted.');
      return 1;
    }
    const done = await forgetCustomer(opened, { contact, by: operator(args.values.by), at: io.now });
    if (!done) {
      io.out(`${cell(phone, 40)} is already forgotten.`);
      return 0;
    }
    io.out(`Forgotten: ${cell(phone, 40)}: ${done.messages} messages, ${done.events} events and ${done.files} kept files deleted.`);
    if (done.filesLeft.length > 0) {
      io.out(`These kept files could not be deleted; delete them by hand:\n${done.filesLeft.map((f) => `  ${cell(f, 300)}`).join('\n')}`);
      return 1;
    }
    return 0;
  },
};
