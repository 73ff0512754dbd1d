// transcripts resend <outbox id>: an operator's deliberate second try of a message whose delivery is unknown. The
// outbox never repeats such a message by itself (Whatspie may have sent it already); this queues it once more, only
// from the `unknown` state, and delivers it here as `reply` does.
import { whatspieApiFrom } from '../compose.js';
import type { OutboxEntry } from '../store/outbox.js';
import { UsageError } from './args.js';
import { shownName, type Command } from './commands.js';
import { deliverNow } from './send-progress.js';
import { cell } from './terminal-text.js';

/** Why a message in another state is not resent, and what to do instead. */
function refusal(entry: OutboxEntry): string {
  const id = entry.id;
  switch (entry.state) {
    case 'sent':
      return `message ${id} was sent (Whatspie id ${cell(entry.whatspieId ?? 'not given', 64)}); resending it would send it twice. To say more, use "transcripts reply".`;
    case 'failed':
      return `message ${id} failed (${cell(entry.error ?? 'no reason', 200)}): Whatspie refused it or gave up, and it would refuse it again. Write to the customer with "transcripts reply".`;
    case 'pending':
    case 'sending':
      return `message ${id} is still being sent; only a message whose delivery is unknown can be resent.`;
    default:
      return `message ${id} is ${cell(entry.state, 20)}; only a message whose delivery is unknown can be resent.`;
  }
}

export const resendCommand: Command = {
  usage: `resend <outbox id>
  Sends once more a message whose delivery is unknown: "show" marks it DELIVERY UNKNOWN and names its id. Its
  request went to Whatspie and no answer came back, so it may or may not have reached the customer, and it is never
  sent again by itself. Check first (ask the customer, or look at the chat on the phone Whatspie is connected to):
  this sends it a second time. Refuses a message in any other state. Works whether the server runs or not.`,
  options: {},
  writes: true,
  async run(storage, { positionals }, io) {
    const [word, ...extra] = positionals;
    if (!word || extra.length > 0 || !/^\d+$/.test(word) || Number(word) <= 0) {
      throw new UsageError('which message? give the one id that "show" prints after DELIVERY UNKNOWN, e.g. resend 12');
    }
    const id = Number(word);
    const api = whatspieApiFrom({
      WHATSPIE_API_TOKEN: io.settings.WHATSPIE_API_TOKEN,
      WHATSPIE_DEVICE: io.settings.WHATSPIE_DEVICE,
      WHATSPIE_API_URL: io.settings.WHATSPIE_API_URL ?? 'https://api.whatspie.com',
    });
    if (!api) throw new UsageError("resend sends through Whatspie's API: set WHATSPIE_API_TOKEN and WHATSPIE_DEVICE (in .env or the environment)");
    const { conversations, outbox } = await storage();
    const entry = await outbox.entry(id);
    if (!entry) throw new UsageError(`no outbox message ${id}; "transcripts show <number>" names the ids of messages whose delivery is unknown`);
    if (entry.state !== 'unknown') throw new UsageError(refusal(entry));
    if (!(await outbox.requeueUnknown({ id, at: io.now }))) throw new UsageError(`message ${id} was changed by someone else just now; look again with "transcripts show"`);
    const contact = await conversations.contactByPhone(entry.phone);
    const who = `${contact ? shownName(contact, entry.phone) : 'unknown name'} (${entry.phone})`;
    io.out(`Sending message ${id} to ${who} once more…`);
    // Read again as it goes; the entry as it was, should it be gone (nothing deletes outbox rows today).
    const now = await deliverNow(outbox, api, io.out, async () => (await outbox.entry(id)) ?? entry);
    const reason = cell(now.error ?? 'no answer', 200);
    switch (now.state) {
      case 'sent':
        io.out(`Sent to ${who} (Whatspie id ${cell(now.whatspieId ?? 'not given', 64)}).`);
        return 0;
      case 'failed':
        io.out(`NOT sent to ${who}: ${reason}`);
        return 1;
      case 'unknown':
        io.out(`Delivery unknown again: ${reason}. It is not sent again by itself; check before another "transcripts resend ${id}".`);
        return 1;
      default:
        io.out(`Queued for ${who}, not delivered yet (${reason}): the server retries it when it runs.`);
        return 0;
    }
  },
};
