import { z } from 'zod';
import { reactionReplySchema } from '../../whatspie/reply.js';
import { defineTool } from './tool.js';

export const reactTool = defineTool({
  name: 'react',
  description: "React to the customer's last message with one emoji, e.g. to acknowledge thanks. Use together with send_text when an answer is also needed.",
  args: z.object({ emoji: reactionReplySchema.shape.body.describe('Exactly one emoji, such as 👍 or ❤️') }),
  act: ({ emoji }) => ({ replies: [{ type: 'reaction', body: emoji }] }),
});
