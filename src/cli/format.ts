// How conversations print in a terminal: times, tables, and one line per message as a person reads a chat.
import { OPERATOR_MODEL } from '../agent/operator-actions.js';
import type { ContactNote } from '../store/operators.js';
import type { TranscriptRow } from '../store/storage.js';
import { readWebhookReply, type OutgoingMessage } from '../whatspie/reply.js';
import { cell } from './terminal-text.js';

/**
 * Who wrote a message, as every transcript reads it (show, search, the export, the SQL view): the customer, the bot,
 * or the operator by name ("operator Dewi"; "operator terminal" from the transcripts tool).
 */
export function writer(row: Pick<TranscriptRow, 'direction' | 'model' | 'operator'>): 'customer' | 'bot' | `operator${string}` {
  if (row.direction === 'in') return 'customer';
  if (row.operator !== null) return `operator ${row.operator}`;
  return row.model === OPERATOR_MODEL ? 'operator' : 'bot';
}

/** The longest message `show` prints in full; the export has every character. */
const MESSAGE_CHARS = 2000;
/** One line of a message (text, caption, file name, URL) as shown: one line, visible, bounded. */
const line = (text: string | null | undefined, max = MESSAGE_CHARS) => cell(text, max);

const pad = (n: number) => String(n).padStart(2, '0');

/** Local time, minute precision: what an operator compares with their own clock. */
export function formatTime(ms: number | null): string {
  if (ms === null) return '-';
  const d = new Date(ms);
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

/** Whether a handoff came while the business was open, as stored (null: not known, e.g. an operator's pause). */
const hoursWord = (withinHours: boolean | null) => (withinHours === null ? '' : withinHours ? 'during opening hours' : 'outside opening hours');

/** A waiting conversation in a list: "handed over 2026-11-27 22:00, outside opening hours". */
export function handedOver(handoff: { at: number; withinHours: boolean | null }): string {
  const hours = hoursWord(handoff.withinHours);
  return `handed over ${formatTime(handoff.at)}${hours ? `, ${hours}` : ''}`;
}

/** A waiting conversation in full: when it was handed over, whether the business was open, and when the bot answers again. */
export function handedOverInFull(handoff: { at: number; countsFrom: number; withinHours: boolean | null }, handoffHours: number): string {
  const hours = hoursWord(handoff.withinHours);
  const until = formatTime(handoff.countsFrom + handoffHours * 3_600_000);
  const countedFrom = handoff.countsFrom > handoff.at ? `HANDOFF_HOURS count from the opening at ${formatTime(handoff.countsFrom)}, so ` : '';
  return `since ${formatTime(handoff.at)}${hours ? `, ${hours}` : ''} (${countedFrom}the bot answers again from ${until} unless resumed)`;
}

export function table(headers: string[], rows: string[][]): string {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i]!)).join('  ').trimEnd();
  return [line(headers), ...rows.map(line)].join('\n');
}

/** One reply as a labelled line: "[text] …", "[image] caption <url>", "[document] name <url>", "[reaction] 👍". */
export function describeSentReply(message: OutgoingMessage): string {
  switch (message.kind) {
    case 'reaction':
      return `[reaction] ${line(message.emoji, 40)}`;
    case 'image':
      return `[image]${message.caption ? ` ${line(message.caption)}` : ''} <${line(message.url, 300)}>`;
    case 'document':
      return `[document] ${line(message.fileName, 255)}${message.caption ? ` "${line(message.caption)}"` : ''} <${line(message.url, 300)}>`;
    case 'text':
      return `[text] ${line(message.text)}`;
  }
}

const size = (bytes: number) => (bytes < 1024 * 1024 ? `${(bytes / 1024).toFixed(1)} kB` : `${(bytes / 1024 / 1024).toFixed(1)} MB`);

/** Where an inbound file was kept (Whatspie's link expires), or why it was not. */
function keptFile(row: TranscriptRow): string {
  if (row.mediaPath) return ` · file: ${line(row.mediaPath, 300)} (${size(row.mediaBytes ?? 0)}${row.mediaType ? `, ${line(row.mediaType, 60)}` : ''})`;
  if (row.mediaError) return ` · file not kept: ${line(row.mediaError, 200)}`;
  return '';
}

/** What the customer sent, labelled by kind, with the kept file. */
export function describeReceived(row: TranscriptRow): string {
  return describeContent(row) + keptFile(row);
}

function describeContent(row: TranscriptRow): string {
  switch (row.kind) {
    case 'text':
      return line(row.text);
    case 'image':
      return `[image]${row.mediaCaption ? ` "${line(row.mediaCaption)}"` : ''} <${line(row.mediaUrl, 300)}>`;
    case 'document':
      return `[document] ${line(row.mediaFileName ?? '(no name)', 255)}${row.mediaCaption ? ` "${line(row.mediaCaption)}"` : ''} <${line(row.mediaUrl, 300)}>`;
    case 'audio':
      return `[voice note${row.text ? `, ${line(row.text, 20)} s` : ''}]${row.transcription ? ` «${line(row.transcription)}»` : ''} <${line(row.mediaUrl, 300)}>`;
    case 'contact':
      return `[shared contact] ${line(row.text)}`.trimEnd();
    default:
      return `[${line(row.kind.replace(/^unknown:/, ''), 64)}, not supported]${row.mediaUrl ? ` <${line(row.mediaUrl, 300)}>` : ''}`;
  }
}

/** A message that may or may not have reached the customer, and how to send it once more. */
function deliveryUnknown(row: TranscriptRow): string {
  const ids = (row.deliveryUnknownIds ?? '').split(',').filter(Boolean);
  const resend = ids.length > 0 ? `; if it did not arrive: ${ids.map((id) => `transcripts resend ${id}`).join(', ')}` : '';
  return `DELIVERY UNKNOWN: ${line(row.deliveryError ?? 'no answer from Whatspie', 160)}, not sent again${resend}`;
}

/** The lines of what the bot sent in one row; silence and fallbacks say so. */
export function describeSent(row: TranscriptRow): string[] {
  if (row.kind === 'silent') return [line(row.text ?? '(no reply)')];
  let replies: OutgoingMessage[] = [];
  try {
    replies = readWebhookReply(JSON.parse(row.replyJson ?? 'null')) ?? [];
  } catch {
    // An unreadable row is shown by its text below.
  }
  const lines = replies.length > 0 ? replies.map(describeSentReply) : [line(row.text)];
  const details = sentMarks(row);
  if (details.length > 0) lines[lines.length - 1] += `   (${details.join(', ')})`;
  return lines;
}

/** What `show` marks on a sent row (late, undelivered, failed, unknown, fallback, model, latency); the console shows the same. */
export function sentMarks(row: TranscriptRow): string[] {
  return [
    row.via === 'api' && row.inReplyTo !== null ? 'LATE, through the API' : null,
    row.delivery === 'pending' ? `UNDELIVERED: still being sent${row.deliveryError ? ` (last try: ${line(row.deliveryError, 120)})` : ''}` : null,
    row.delivery === 'failed' ? `FAILED: ${line(row.deliveryError ?? 'unknown', 160)}` : null,
    row.delivery === 'unknown' ? deliveryUnknown(row) : null,
    row.fellBack ? `FALLBACK: ${line(row.fallbackReason, 60)}` : null,
    row.model === null || row.model === OPERATOR_MODEL ? null : line(row.model, 80),
    row.llmLatencyMs !== null ? `LLM ${row.llmLatencyMs} ms` : null,
  ].filter((mark): mark is string => Boolean(mark));
}

/** The calls of the operators' tools kept with a reply (messages.tool_calls), one line each; none when unreadable. */
export function toolCallLines(row: Pick<TranscriptRow, 'toolCalls'>): string[] {
  let calls: unknown;
  try {
    calls = JSON.parse(row.toolCalls ?? '[]');
  } catch {
    return [];
  }
  if (!Array.isArray(calls)) return [];
  return calls.map((call: { tool?: unknown; arguments?: unknown; status?: unknown; outcome?: unknown; ms?: unknown; answer?: unknown }) => {
    const args = call.arguments && typeof call.arguments === 'object' ? Object.entries(call.arguments).map(([name, value]) => `${name}: ${JSON.stringify(value)}`).join(', ') : '';
    const status = typeof call.status === 'number' ? `HTTP ${call.status}` : String(call.outcome ?? 'failed');
    const outcome = call.outcome === 'ok' || call.outcome === undefined ? '' : ` ${String(call.outcome).toUpperCase()}`;
    return line(`${String(call.tool)}(${args}) → ${status}${outcome} in ${Number(call.ms)} ms: ${String(call.answer ?? '')}`, 300);
  });
}

/** A conversation as chat lines, with the operators' notes in their place, marked as internal, and the lookups of the
 * operators' tools before the reply they served. */
export function chatLines(rows: TranscriptRow[], notes: ContactNote[] = []): string[] {
  const who = (row: TranscriptRow) => (row.direction === 'in' ? line(row.name ?? row.phone, 30) : line(writer(row), 80));
  const noteWho = (note: ContactNote) => `note by ${line(note.operator, 70)}`;
  const width = Math.max(3, ...rows.map((r) => who(r).length), ...notes.map((n) => noteWho(n).length), rows.some((r) => r.toolCalls) ? 4 : 0);
  const entries = [
    ...rows.map((row) => ({
      at: row.createdAt,
      // The lookups the model made come first: they happened before the reply they served.
      lookups: row.direction === 'out' ? toolCallLines(row) : [],
      who: who(row),
      texts: row.direction === 'in' ? [describeReceived(row)] : describeSent(row),
    })),
    ...notes.map((note) => ({ at: note.createdAt, lookups: [] as string[], who: noteWho(note), texts: note.text.split('\n').map((part, i) => `${i === 0 ? '(internal, never sent) ' : ''}${line(part)}`) })),
  ];
  // Stable: a note written in the same millisecond as a message follows it.
  entries.sort((a, b) => a.at - b.at);
  return entries.flatMap((entry) => [
    ...entry.lookups.map((text) => `${formatTime(entry.at)}  ${'tool'.padEnd(width)}  ${text}`),
    ...entry.texts.map((text, i) => `${i === 0 ? formatTime(entry.at) : ' '.repeat(16)}  ${(i === 0 ? entry.who : '').padEnd(width)}  ${text}`),
  ]);
}
