// The shape every tool shares: a zod schema of its arguments (the model reads the .describe() texts)
// and how valid arguments become messages to the customer.
import { z } from 'zod';
import type { ToolSpec } from '../../llm/client.js';
import type { OutgoingMessage } from '../../whatspie/reply.js';

/** What a valid tool call does: messages to send, and possibly handing the conversation to a human. */
export interface ToolAction {
  messages: OutgoingMessage[];
  handoffReason?: string;
}

export interface Tool {
  name: string;
  spec: ToolSpec;
  /** Turns the model's arguments (already read from JSON) into an action, or returns a reason to drop the call. */
  run(args: unknown): ({ ok: true } & ToolAction) | { ok: false; problem: string };
}

/** Many OpenAI-compatible servers send null for an omitted optional argument; both mean "not given". */
export const optional = <T extends z.ZodType>(schema: T) => schema.nullish().transform((v) => v ?? undefined);

export function defineTool<S extends z.ZodObject>(definition: {
  name: string;
  description: string;
  args: S;
  act(args: z.output<S>): ToolAction;
}): Tool {
  const parameters = z.toJSONSchema(definition.args, { io: 'input' }) as Record<string, unknown>;
  delete parameters.$schema;
  return {
    name: definition.name,
    spec: { type: 'function', function: { name: definition.name, description: definition.description, parameters } },
    run(args) {
      const parsed = definition.args.safeParse(args ?? {});
      if (!parsed.success) {
        return { ok: false, problem: parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ') };
      }
      return { ok: true, ...definition.act(parsed.data) };
    },
  };
}
