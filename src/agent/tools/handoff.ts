import { z } from 'zod';
import { defineTool } from './tool.js';

/** The customer is told with the text of prompts/handoff.md, which the responder adds. */
export const handoffTool = defineTool({
  name: 'handoff_to_human',
  description:
    'Hand the conversation to a human colleague and stop answering this customer. Use it when the customer asks for a person, ' +
    'is upset, or needs something you cannot do (refunds, order changes, complaints). The customer is told a person will reply.',
  args: z.object({
    reason: z.string().trim().min(1).max(500).describe('One sentence for the colleague: what the customer needs.'),
  }),
  act: ({ reason }) => ({ messages: [], handoffReason: reason }),
});
