// How conversations print in a terminal: times, tables, and one line per message as a person reads a chat.
import type { TranscriptRow } from '../store/transcripts.js';
import { asList, replySchema, type SingleReply } from '../whatspie/reply.js';

const pad = (n: number) => String(n).padStart(2, '0');

/** Local time, minute precision: what an operator compares with their own clock. */
export function formatTime(ms: number | null): string {
  if (ms === null) return '-';
  const d = new Date(ms);
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

export function table(headers: string[], rows: string[][]): string {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i]!)).join('  ').trimEnd();
  return [line(headers), ...rows.map(line)].join('\n');
}

const oneLine = (text: string) => text.replace(/\s*\n\s*/g, ' ⏎ ');

/** One reply as a labelled line: "[text] …", "[image] caption <url>", "[document] name <url>", "[reaction] 👍". */
export function describeSentReply(reply: SingleReply): string {
  if (reply.type === 'reaction') return `[reaction] ${reply.body}`;
  if ('params' in reply) {
    if ('image' in reply.params) return `[image] ${reply.params.caption ?? reply.body} <${reply.params.image.url}>`.replace('  ', ' ');
    return `[document] ${reply.params.fileName}${reply.body ? ` "${reply.body}"` : ''} <${reply.params.document.url}>`;
  }
  return `[text] ${oneLine(reply.body)}`;
}

/** What the customer sent, labelled by kind. */
export function describeReceived(row: TranscriptRow): string {
  switch (row.kind) {
    case 'text':
      return oneLine(row.text ?? '');
    case 'image':
      return `[image]${row.mediaCaption ? ` "${oneLine(row.mediaCaption)}"` : ''} <${row.mediaUrl}>`;
    case 'document':
      return `[document] ${row.mediaFileName ?? '(no name)'}${row.mediaCaption ? ` "${oneLine(row.mediaCaption)}"` : ''} <${row.mediaUrl}>`;
    case 'audio':
      return `[voice note${row.text ? `, ${row.text} s` : ''}] <${row.mediaUrl}>`;
    case 'contact':
      return `[shared contact] ${row.text ?? ''}`.trimEnd();
    default:
      return `[${row.kind.replace(/^unknown:/, '')}, not supported]`;
  }
}

/** The lines of what the bot sent in one row; silence and fallbacks say so. */
export function describeSent(row: TranscriptRow): string[] {
  if (row.kind === 'silent') return [row.text ?? '(no reply)'];
  let replies: SingleReply[] = [];
  try {
    const parsed = replySchema.safeParse(JSON.parse(row.replyJson ?? 'null'));
    if (parsed.success) replies = asList(parsed.data);
  } catch {
    // An unreadable row is shown by its text below.
  }
  const lines = replies.length > 0 ? replies.map(describeSentReply) : [oneLine(row.text ?? '')];
  const details = [
    row.fellBack ? `FALLBACK: ${row.fallbackReason}` : null,
    row.model,
    row.llmLatencyMs !== null ? `LLM ${row.llmLatencyMs} ms` : null,
  ].filter(Boolean);
  if (details.length > 0) lines[lines.length - 1] += `   (${details.join(', ')})`;
  return lines;
}

export function chatLines(rows: TranscriptRow[]): string[] {
  const who = (row: TranscriptRow) => (row.direction === 'in' ? (row.name ?? row.phone) : 'bot');
  const width = Math.max(3, ...rows.map((r) => who(r).length));
  return rows.flatMap((row) => {
    const texts = row.direction === 'in' ? [describeReceived(row)] : describeSent(row);
    return texts.map((text, i) => `${i === 0 ? formatTime(row.createdAt) : ' '.repeat(16)}  ${(i === 0 ? who(row) : '').padEnd(width)}  ${text}`);
  });
}

