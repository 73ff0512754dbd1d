// The shape every tool shares: a zod schema of its arguments (the model reads the .describe() texts)
// and how valid arguments become Whatspie replies.
import { z } from 'zod';
import type { ToolSpec } from '../../llm/client.js';
import type { SingleReply } from '../../whatspie/reply.js';

/** What a valid tool call does: messages to send, and possibly handing the conversation to a human. */
export interface ToolAction {
  replies: SingleReply[];
  handoffReason?: string;
}

export interface Tool {
  name: string;
  spec: ToolSpec;
  /** Turns the model's raw JSON arguments into an action, or returns a reason to drop the call. */
  run(rawArguments: string): ({ ok: true } & ToolAction) | { ok: false; problem: string };
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
    run(rawArguments) {
      let json: unknown;
      try {
        json = JSON.parse(rawArguments === '' ? '{}' : rawArguments);
      } catch {
        return { ok: false, problem: 'arguments are not JSON' };
      }
      const parsed = definition.args.safeParse(json);
      if (!parsed.success) {
        return { ok: false, problem: parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ') };
      }
      return { ok: true, ...definition.act(parsed.data) };
    },
  };
}
