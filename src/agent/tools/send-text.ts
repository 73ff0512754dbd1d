import { z } from 'zod';
import { textMessages } from '../outgoing.js';
import { defineTool } from './tool.js';

export const sendTextTool = defineTool({
  name: 'send_text',
  description: 'Send a WhatsApp text message to the customer.',
  args: z.object({
    text: z
      .string()
      .trim()
      .min(1)
      .describe('The message text. Use WhatsApp formatting: *bold*, _italic_, ~strikethrough~, "- " for list items. Links as plain URLs.'),
  }),
  act: ({ text }) => ({ messages: textMessages(text, 'model') }),
});
