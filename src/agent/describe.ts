// Messages as the model reads them: text as it is, everything else described in words.
import type { StoredMessage } from '../store/conversation-store.js';
import { describeSharedContact, type InboundContent } from '../whatspie/inbound.js';
import type { OutgoingMessage } from '../whatspie/reply.js';

const quoted = (text: string) => `"${text.replaceAll('"', "'")}"`;

export function describeInbound(content: InboundContent): string {
  switch (content.kind) {
    case 'text':
      return content.text;
    case 'image':
      return content.caption
        ? `[The customer sent an image with the caption ${quoted(content.caption)}. You cannot see the image.]`
        : '[The customer sent an image without a caption. You cannot see the image.]';
    case 'document': {
      const name = content.fileName ? ` named ${quoted(content.fileName)}` : '';
      const caption = content.caption ? ` with the caption ${quoted(content.caption)}` : '';
      return `[The customer sent a document${name}${caption}. You cannot open it.]`;
    }
    case 'audio':
      return describeVoiceNote(content.seconds, null);
    case 'contact': {
      const people = content.contacts.map(describeSharedContact);
      return `[The customer shared ${people.length === 1 ? 'a contact' : 'contacts'}: ${people.join('; ') || 'none'}.]`;
    }
    case 'unknown':
      return `[The customer sent a message of type ${quoted(content.type)}, which you cannot open.]`;
  }
}

/** A voice note as the model reads it: what was said when it was transcribed, else that it cannot be heard. */
export function describeVoiceNote(seconds: number | null, transcript: string | null): string {
  const note = seconds === null ? 'a voice note' : `a voice note of ${seconds} seconds`;
  if (transcript) return `[The customer sent ${note}. Transcript: «${transcript.replaceAll('»', '"')}»]`;
  return `[The customer sent ${note}. You cannot listen to it.]`;
}

/** The customer's own words in a stored message (text, caption, file name): what the knowledge base is searched with. */
export function customerWords(row: StoredMessage): string {
  if (row.direction !== 'in') return '';
  if (row.kind === 'text') return row.text ?? '';
  if (row.kind === 'audio') return row.transcription ?? '';
  return [row.mediaCaption, row.mediaFileName?.replace(/\.\w+$/, '').replace(/[_-]+/g, ' ')].filter(Boolean).join(' ');
}

/** How an inbound row from the store reads to the model. */
export function describeStoredInbound(row: StoredMessage): string {
  const kind = row.kind;
  if (kind === 'text') return row.text ?? '';
  if (kind === 'image') return describeInbound({ kind: 'image', url: '', caption: row.mediaCaption });
  if (kind === 'document') return describeInbound({ kind: 'document', url: '', caption: row.mediaCaption, fileName: row.mediaFileName });
  if (kind === 'audio') return describeVoiceNote(row.text === null ? null : Number(row.text), row.transcription);
  if (kind === 'contact') return `[The customer shared contacts: ${row.text ?? 'unnamed'}.]`;
  return describeInbound({ kind: 'unknown', type: kind.replace(/^unknown:/, ''), url: null });
}

export function describeReply(message: OutgoingMessage): string {
  switch (message.kind) {
    case 'text':
      return message.text;
    case 'reaction':
      return `[reacted with ${message.emoji}]`;
    case 'image':
    case 'document': {
      const what = message.kind === 'image' ? 'an image' : `the document ${quoted(message.fileName)}`;
      return `[sent ${what}${message.caption ? ` with the text ${quoted(message.caption)}` : ''}]`;
    }
  }
}

/**
 * What the bot sent, as it reads to the model in later turns; null when it stayed silent. The stored text is that
 * description already (written from the validated reply by describeReply), so the reply JSON is not parsed again.
 */
export function describeStoredReply(row: StoredMessage): string | null {
  return row.kind === 'silent' ? null : row.text;
}
