import { z } from 'zod';
import { defineTool, optional } from './tool.js';

/** The customer is told with the text of prompts/handoff.md, which the responder adds. */
export const handoffTool = defineTool({
  name: 'handoff_to_human',
  description:
    'Hand the conversation to a human colleague and stop answering this customer. Use it when the customer asks for a person, ' +
    'is upset, or needs something you cannot do (refunds, order changes, complaints). The customer is told a person will reply.',
  args: z.object({
    // Optional: a handoff without a reason is still a handoff (some servers send "" as the arguments).
    reason: optional(z.string().trim().max(500).describe('One sentence for the colleague: what the customer needs.')),
  }),
  act: ({ reason }) => ({ messages: [], handoffReason: reason || 'no reason given' }),
});
