// The one way text reaches a customer. Every text and caption, whoever wrote it (the model's answer, send_text,
// captions, the fallback, handoff and rate-limit notices, knowledge-base answers), is cleaned, turned from Markdown
// into WhatsApp formatting, and only then split into messages WhatsApp accepts.
import { toWhatsAppText } from '../whatspie/formatting.js';
import { MAX_BODY_CHARS, type OutgoingMessage } from '../whatspie/reply.js';

/**
 * Who wrote the text. A model's single line breaks are meant (an address, a short list); an operator's Markdown file
 * is often hard-wrapped, and its single line breaks are not.
 */
export type Author = 'model' | 'operator';

/** WhatsApp's caption limit for images and documents. */
const MAX_CAPTION_CHARS = 1024;

// Control characters have no place in a chat message (a terminal escape in a model's answer, a stray NUL).
const CONTROL = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f]/g;

/** Text as the customer will see it, before splitting. */
function whatsAppText(text: string, author: Author): string {
  const clean = text.replace(/\r\n?/g, '\n').replace(CONTROL, '');
  return toWhatsAppText(clean, { softBreaks: author === 'model' ? 'keep' : 'join' });
}

/** Splits text that is too long for one WhatsApp message at paragraph, line or word boundaries. */
function splitText(text: string, max = MAX_BODY_CHARS): string[] {
  const parts: string[] = [];
  let rest = text.trim();
  while (rest.length > max) {
    const window = rest.slice(0, max);
    // Prefer the last paragraph break, then line break, then space, as long as it keeps the piece at least half full.
    const cut = ['\n\n', '\n', ' '].map((sep) => window.lastIndexOf(sep)).find((i) => i > max / 2);
    const at = cut ?? max;
    parts.push(rest.slice(0, at).trim());
    rest = rest.slice(at).trim();
  }
  if (rest !== '') parts.push(rest);
  return parts;
}

/** Text messages for a text, in order; none when nothing is left to say. */
export function textMessages(text: string, author: Author): OutgoingMessage[] {
  return splitText(whatsAppText(text, author)).map((part) => ({ kind: 'text', text: part }));
}

/** A caption for an image or document: formatted like any text, and cut to what WhatsApp shows under a file. */
export function captionText(text: string | undefined, author: Author): string | undefined {
  if (!text) return undefined;
  const formatted = whatsAppText(text, author);
  if (formatted === '') return undefined;
  return formatted.length <= MAX_CAPTION_CHARS ? formatted : `${formatted.slice(0, MAX_CAPTION_CHARS - 1)}…`;
}
