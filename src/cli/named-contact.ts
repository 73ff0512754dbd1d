// Which customer a command that sends or changes a conversation (reply, pause, resume) names. It never guesses:
// "reply 62812345678 1 more day" names 62812345678 or 628123456781, and when both are customers (or neither is)
// nothing is done, and the operator is told to put -- between the number and the text.
import type { Contact, ConversationStore } from '../store/conversation-store.js';
import { UsageError } from './args.js';
import { isNumberPart, normaliseNumber, numberReadings } from './numbers.js';
import { cell } from './terminal-text.js';

export interface NamedContactOptions {
  command: string;
  /** The words after the command. */
  positionals: string[];
  /** How many of them came before a `--`, if one was given: those are the number, the rest is the text. */
  beforeDashes: number | undefined;
  /** Whether words may follow the number (reply's text, pause's reason); resume takes the number alone. */
  takesText: boolean;
  defaultCountryCode: string | undefined;
}

const ONE_LINE = false;

export async function namedContact(store: ConversationStore, options: NamedContactOptions): Promise<{ contact: Contact; phone: string; rest: string[] }> {
  const { command, positionals, beforeDashes, takesText, defaultCountryCode } = options;
  const nothing = command === 'reply' ? 'nothing was sent' : 'nothing was changed';
  const words = command === 'reply' || command === 'note' ? 'text' : command === 'pause' ? 'reason' : 'word';
  const howToWrite = takesText
    ? `put -- between the number and the ${words} (${command} NUMBER -- ${words.toUpperCase()})`
    : `write the number alone, in one word (${command} NUMBER)`;
  if (positionals.length === 0 || beforeDashes === 0) throw new UsageError(`which number? e.g. ${command} 62856123456`);

  let readings: { number: string; rest: string[] }[];
  if (beforeDashes === undefined) readings = numberReadings(positionals, defaultCountryCode);
  else {
    // With --, the number is every word before it: there is one reading.
    const numberWords = positionals.slice(0, beforeDashes);
    if (numberWords.length > 1 && !numberWords.every(isNumberPart)) throw new UsageError(`only the number goes before --, so ${nothing}`, ONE_LINE);
    readings = [{ number: normaliseNumber(numberWords.join(' '), defaultCountryCode), rest: positionals.slice(beforeDashes) }];
  }

  const found: { contact: Contact; phone: string; rest: string[] }[] = [];
  for (const reading of readings) {
    const contact = await store.contactByPhone(reading.number);
    if (contact) found.push({ contact, phone: reading.number, rest: reading.rest });
  }
  if (found.length === 0) throw noConversation(readings.map((r) => r.number), nothing);
  if (found.length > 1) {
    const numbers = found.map((f) => cell(f.phone, 40)).join(' or ');
    throw new UsageError(
      `"${cell(positionals.join(' '), 40)}" can be read as ${numbers}, and each is a customer, so ${nothing}: ${howToWrite}`,
      ONE_LINE,
    );
  }
  const [target] = found as [(typeof found)[0]];
  if (!takesText && target.rest.length > 0) throw new UsageError(`${command} takes only the number, so ${nothing}: ${command} NUMBER`, ONE_LINE);
  return target;
}

function noConversation(numbers: string[], nothing: string): UsageError {
  const shown = numbers.slice(-3).map((n) => cell(n, 40)).join(' or ');
  return new UsageError(`no conversation with ${shown}, so ${nothing}; "npm run transcripts -- list" shows every number`, ONE_LINE);
}
