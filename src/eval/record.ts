// `npm run eval -- --record NUMBER`: a stored conversation as a test file. Each customer message becomes a turn, and
// what the bot sent becomes its starting expectation (the kind it sent, and its words as a note), so that a
// conversation that went wrong becomes a test the operator corrects to what the bot should have said.
import { basename } from 'node:path';
import { Document, isMap, isSeq, type YAMLMap } from 'yaml';
import { readStoredReply } from '../store/conversation-store.js';
import type { TranscriptRow } from '../store/storage.js';
import type { MediaItem } from '../prompts/media-catalog.js';
import { localTime } from '../hours/zoned-time.js';
import { describeSentReply } from '../cli/format.js';
import type { OutgoingMessage } from '../whatspie/reply.js';

const pad = (n: number) => String(n).padStart(2, '0');

/** 2026-12-05T21:30, the instant's local time in `zone`: what `at:` takes. */
export function localStamp(instant: number, zone: string): string {
  const t = localTime(instant, zone);
  return `${t.year}-${pad(t.month)}-${pad(t.day)}T${pad(Math.floor(t.minutes / 60))}:${pad(t.minutes % 60)}`;
}

/** What `sends:` says of the messages: a file by its catalog id (or name) before text, text before a reaction. */
function sendsOf(sent: OutgoingMessage[], catalog: MediaItem[]): string {
  const file = sent.find((m) => m.kind === 'document' || m.kind === 'image');
  if (file && (file.kind === 'document' || file.kind === 'image')) {
    const id = catalog.find((item) => item.url === file.url)?.id ?? (file.kind === 'document' ? file.fileName : basename(new URL(file.url).pathname)).replace(/\.[^.]+$/, '');
    return `${file.kind} ${id}`;
  }
  if (sent.some((m) => m.kind === 'text')) return 'text';
  if (sent.some((m) => m.kind === 'reaction')) return 'reaction';
  return 'nothing';
}

/** The turn an inbound message becomes: its text, or its file (the kept one when there is one) and caption. */
function turnOf(row: TranscriptRow): Record<string, unknown> {
  const caption = row.mediaCaption ?? undefined;
  const source = row.mediaPath ?? row.mediaUrl;
  if (row.kind === 'image' && source) return { customer: caption ?? '', image: source };
  if (row.kind === 'document' && source) return { customer: caption ?? '', document: source };
  if (row.kind === 'audio' && source) return { voice: source, ...(row.transcription && { transcript: row.transcription }) };
  return { customer: row.text ?? '' };
}

/** The test file's text for one contact's stored messages; null when the contact never wrote. */
export function recordConversation(rows: TranscriptRow[], options: { zone: string; catalog: MediaItem[]; now: number }): string | null {
  const inbound = rows.filter((r) => r.direction === 'in');
  const first = inbound[0];
  if (!first) return null;
  const turns = inbound.map((row) => {
    const sent = rows.filter((r) => r.direction === 'out' && r.inReplyTo === row.id).flatMap((r) => readStoredReply(r.replyJson) ?? []);
    return { turn: { ...turnOf(row), expect: { sends: sendsOf(sent, options.catalog) } }, sent };
  });
  const testCase = {
    name: `conversation with ${first.phone}, recorded ${localStamp(options.now, options.zone).slice(0, 10)}`,
    ...(first.name && { customer_name: first.name }),
    at: localStamp(first.createdAt, options.zone),
    turns: turns.map((t) => t.turn),
  };
  const doc = new Document([testCase]);
  doc.commentBefore =
    ` Recorded by npm run eval -- --record ${first.phone}. What the bot sent is the starting expectation:` +
    `\n correct each turn to what it should have sent (see prompts/README.md, "Test conversations").`;
  const turnNodes = (doc.getIn([0, 'turns']) as { items: unknown[] } | undefined)?.items ?? [];
  turns.forEach(({ sent }, i) => {
    const expect = (turnNodes[i] as YAMLMap | undefined)?.get('expect', true);
    if (!isMap(expect) && !isSeq(expect)) return;
    const said = sent.length === 0 ? ['nothing'] : sent.map((m) => describeSentReply(m));
    expect.commentBefore = said.map((line) => ` the bot sent: ${line}`).join('\n');
  });
  return doc.toString({ lineWidth: 0 });
}
