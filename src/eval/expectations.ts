// Whether what the bot sent for one customer message meets the turn's expectations (all but `judge`, which asks a
// model: judge.ts). Each failure says which expectation, and what was sent instead.
import { basename } from 'node:path';
import type { MediaItem } from '../prompts/media-catalog.js';
import type { OutgoingMessage } from '../whatspie/reply.js';
import type { Expectations, Sends } from './cases.js';

/** Everything the customer would have received for one message, and what the bot did besides. */
export interface TurnOutcome {
  /** The webhook's answer, then what went through Whatspie's API (a late answer, answers queued behind one). */
  sent: OutgoingMessage[];
  /** The conversation was handed to a person while this message was answered. */
  handedOver: boolean;
  /** A reply to this message was the fallback text. */
  fellBack: boolean;
}

/** The text the checks read: every text and caption, in order, one per line. */
export function sentText(sent: OutgoingMessage[]): string {
  return sent
    .map((m) => (m.kind === 'text' ? m.text : m.kind === 'image' || m.kind === 'document' ? (m.caption ?? '') : ''))
    .filter(Boolean)
    .join('\n');
}

/** `price-list`, `price_list` and `Price List` name the same file. */
const sameName = (a: string, b: string) => a.toLowerCase().replace(/[\s_-]+/g, '-') === b.toLowerCase().replace(/[\s_-]+/g, '-');
const stem = (name: string) => name.replace(/\.[^./]+$/, '');

/** Whether a sent file is the one an expectation names: by its id in media.json, its file name, or its URL's name. */
function isFile(message: OutgoingMessage, id: string, catalog: MediaItem[]): boolean {
  if (message.kind !== 'image' && message.kind !== 'document') return false;
  if (catalog.some((item) => sameName(item.id, id) && item.url === message.url)) return true;
  const urlName = basename(new URL(message.url).pathname);
  const names = [urlName, stem(urlName), ...(message.kind === 'document' ? [message.fileName, stem(message.fileName)] : [])];
  return names.some((name) => sameName(name, id));
}

function sendsHolds(sends: Sends, outcome: TurnOutcome, catalog: MediaItem[]): boolean {
  switch (sends.kind) {
    case 'nothing':
      return outcome.sent.length === 0;
    case 'handoff':
      return outcome.handedOver;
    case 'text':
    case 'reaction':
      return outcome.sent.some((m) => m.kind === sends.kind);
    case 'image':
    case 'document':
      return outcome.sent.some((m) => m.kind === sends.kind && (sends.id === null || isFile(m, sends.id, catalog)));
  }
}

const sendsText = (sends: Sends) => ('id' in sends && sends.id ? `${sends.kind} ${sends.id}` : sends.kind);
const list = (items: string[]) => items.map((i) => JSON.stringify(i)).join(', ');

/** The expectations that failed, each as one line ("contains: no \"welcome\""); [] when all held. */
export function checkExpectations(expect: Expectations, outcome: TurnOutcome, catalog: MediaItem[]): string[] {
  const failures: string[] = [];
  const text = sentText(outcome.sent);
  const lower = text.toLowerCase();
  if (expect.sends && !sendsHolds(expect.sends, outcome, catalog)) {
    failures.push(`sends: ${sendsText(expect.sends)}: ${expect.sends.kind === 'handoff' ? 'the conversation was not handed over' : 'not sent'}`);
  }
  const missing = expect.contains?.filter((word) => !lower.includes(word.toLowerCase())) ?? [];
  if (missing.length > 0) failures.push(`contains: no ${list(missing)}`);
  if (expect.containsAny && !expect.containsAny.some((word) => lower.includes(word.toLowerCase()))) {
    failures.push(`contains_any: none of ${list(expect.containsAny)}`);
  }
  const present = expect.notContains?.filter((word) => lower.includes(word.toLowerCase())) ?? [];
  if (present.length > 0) failures.push(`not_contains: has ${list(present)}`);
  if (expect.matches && !expect.matches.test(text)) failures.push(`matches: /${expect.matches.source}/ does not match`);
  if (expect.maxChars !== undefined && text.length > expect.maxChars) failures.push(`max_chars: ${text.length} characters, more than ${expect.maxChars}`);
  if (expect.fallback !== undefined && expect.fallback !== outcome.fellBack) {
    failures.push(expect.fallback ? 'fallback: true: the fallback text did not answer' : 'fallback: false: the fallback text answered');
  }
  return failures;
}
