import { z } from 'zod';
import { MAX_BODY_CHARS, type SingleReply } from '../../whatspie/reply.js';
import { defineTool } from './tool.js';

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

export function textReplies(text: string): SingleReply[] {
  return splitText(text).map((body) => ({ type: 'chat', body, simulation: true }));
}

export const sendTextTool = defineTool({
  name: 'send_text',
  description: 'Send a WhatsApp text message to the customer.',
  args: z.object({
    text: z.string().trim().min(1).describe('The message text. WhatsApp formatting (*bold*, _italic_) is allowed; no HTML or Markdown headings.'),
  }),
  act: ({ text }) => ({ replies: textReplies(text) }),
});
