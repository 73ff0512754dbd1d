// The placeholders of a tool file: `{order_id}` (a parameter the model fills), `{customer.number}` and
// `{customer.name}` (from the conversation, never from the model) and `${TOOL_SHOP_KEY}` (a TOOL_ variable of the
// environment). One reading of them for checking a file and for filling a request.

export type Placeholder =
  | { kind: 'parameter'; name: string }
  | { kind: 'customer'; field: 'number' | 'name' }
  | { kind: 'variable'; name: string };

/** What a template's placeholders are filled with at a call. */
export interface Filling {
  parameters: Record<string, string | number | boolean | undefined>;
  customer: { number: string; name: string | null };
  variables: Readonly<Record<string, string>>;
}

const PLACEHOLDER = /\$\{([^{}]*)\}|\{([^{}]*)\}/g;
/** Only these may be named: the bot's own keys (OPENAI_API_KEY, WHATSPIE_API_TOKEN) can never leave it. */
export const TOOL_VARIABLE = /^TOOL_[A-Z0-9_]+$/;
const CUSTOMER_FIELDS = { 'customer.number': 'number', 'customer.name': 'name' } as const;

/** The placeholders of a text, in order, or the first one that cannot be read (with why). */
export function placeholdersOf(text: string): { found: Placeholder[]; problem: string | null } {
  const found: Placeholder[] = [];
  for (const match of text.matchAll(PLACEHOLDER)) {
    if (match[1] !== undefined) {
      const name = match[1].trim();
      if (!TOOL_VARIABLE.test(name)) {
        return { found, problem: `\${${name}} is not a variable a tool may read: only variables whose names begin with TOOL_ (such as TOOL_SHOP_KEY)` };
      }
      found.push({ kind: 'variable', name });
      continue;
    }
    const name = match[2]!.trim();
    if (name in CUSTOMER_FIELDS) found.push({ kind: 'customer', field: CUSTOMER_FIELDS[name as keyof typeof CUSTOMER_FIELDS] });
    else if (/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) found.push({ kind: 'parameter', name });
    else return { found, problem: `{${name}} is not a placeholder: write {a_parameter}, {customer.number}, {customer.name} or \${TOOL_…}` };
  }
  return { found, problem: null };
}

function valueOf(placeholder: Placeholder, filling: Filling): string | number | boolean {
  if (placeholder.kind === 'variable') return filling.variables[placeholder.name] ?? '';
  if (placeholder.kind === 'customer') return filling.customer[placeholder.field] ?? '';
  return filling.parameters[placeholder.name] ?? '';
}

/** The text with its placeholders filled, each value passed through `encode` (encodeURIComponent in a URL). */
export function fill(text: string, filling: Filling, encode: (value: string) => string = (value) => value): string {
  return text.replace(PLACEHOLDER, (_whole, variable: string | undefined, other: string | undefined) => {
    const [placeholder] = placeholdersOf(variable !== undefined ? `\${${variable}}` : `{${other}}`).found;
    return placeholder ? encode(String(valueOf(placeholder, filling))) : '';
  });
}

/**
 * A JSON body with its string values filled. A string that is one placeholder alone takes the value's own type (a
 * number parameter stays a number); keys are never filled.
 */
export function fillBody(body: unknown, filling: Filling): unknown {
  if (typeof body === 'string') {
    const whole = /^\{([A-Za-z_][A-Za-z0-9_]*)\}$/.exec(body);
    if (whole && filling.parameters[whole[1]!] !== undefined) return filling.parameters[whole[1]!];
    return fill(body, filling);
  }
  if (Array.isArray(body)) return body.map((item) => fillBody(item, filling));
  if (body !== null && typeof body === 'object') return Object.fromEntries(Object.entries(body).map(([key, value]) => [key, fillBody(value, filling)]));
  return body;
}
