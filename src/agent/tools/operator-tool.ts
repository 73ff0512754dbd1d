// An operator's HTTP tool (prompts/tools/*.yaml) as the model sees it: its spec beside the built-in tools, and its
// arguments checked against the declared parameters. {customer.number} and {customer.name} are no parameters: a
// model that sends them anyway (a customer asked it to look up someone else's order) is not listened to.
import { z } from 'zod';
import type { ToolSpec } from '../../llm/client.js';
import type { ParameterType, ToolDefinition } from '../../tools/tool-file.js';

const TYPES: Record<ParameterType, () => z.ZodType> = {
  // Bounded: an argument goes into a URL or a header, never a novel.
  string: () => z.string().trim().min(1).max(500),
  // Many models send numbers as strings ("1001"): read them as the number they write.
  number: () => z.preprocess((v) => (typeof v === 'string' && v.trim() !== '' && !Number.isNaN(Number(v)) ? Number(v) : v), z.number()),
  integer: () => z.preprocess((v) => (typeof v === 'string' && /^-?\d+$/.test(v.trim()) ? Number(v) : v), z.number().int()),
  boolean: () => z.preprocess((v) => (v === 'true' ? true : v === 'false' ? false : v), z.boolean()),
};

export interface OperatorToolShape {
  spec: ToolSpec;
  /** The model's arguments, checked; unknown keys (customer.number among them) dropped. */
  readArgs(args: unknown): { ok: true; args: Record<string, string | number | boolean | undefined> } | { ok: false; problem: string };
}

const shapes = new WeakMap<ToolDefinition, OperatorToolShape>();

export function operatorToolShape(tool: ToolDefinition): OperatorToolShape {
  const known = shapes.get(tool);
  if (known) return known;
  const fields: Record<string, z.ZodType> = {};
  for (const [name, parameter] of Object.entries(tool.parameters)) {
    const type = TYPES[parameter.type]().describe(parameter.description);
    fields[name] = parameter.required ? type : type.nullish().transform((v) => v ?? undefined);
  }
  const schema = z.object(fields);
  // Written out rather than z.toJSONSchema: the lenient readings above would show the model "any value".
  const parameters = {
    type: 'object',
    properties: Object.fromEntries(Object.entries(tool.parameters).map(([name, p]) => [name, { type: p.type, description: p.description }])),
    required: Object.entries(tool.parameters).filter(([, p]) => p.required).map(([name]) => name),
    additionalProperties: false,
  };
  const shape: OperatorToolShape = {
    spec: { type: 'function', function: { name: tool.name, description: tool.description, parameters } },
    readArgs(args) {
      const parsed = schema.safeParse(args ?? {});
      if (!parsed.success) return { ok: false, problem: parsed.error.issues.map((i) => `${i.path.join('.') || 'arguments'}: ${i.message}`).join('; ') };
      return { ok: true, args: parsed.data as Record<string, string | number | boolean | undefined> };
    },
  };
  shapes.set(tool, shape);
  return shape;
}
