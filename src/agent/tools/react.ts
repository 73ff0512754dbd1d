import { z } from 'zod';
import { outgoingMessageSchema } from '../../whatspie/reply.js';
import { defineTool } from './tool.js';

const reactionEmoji = outgoingMessageSchema.options[3].shape.emoji;

export const reactTool = defineTool({
  name: 'react',
  description: "React to the customer's last message with one emoji, e.g. to acknowledge thanks. Use together with send_text when an answer is also needed.",
  args: z.object({ emoji: reactionEmoji.describe('Exactly one emoji, such as 👍 or ❤️') }),
  act: ({ emoji }) => ({ messages: [{ kind: 'reaction', emoji }] }),
});
