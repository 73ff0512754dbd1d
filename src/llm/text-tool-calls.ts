// Tool calls that a server failed to parse and left in the answer text, in the syntaxes models are trained on.
// They are recovered and run like real calls (the tools validate them the same way), and never sent as text.
import { endOfJson, readJson } from './json-value.js';

export interface RawToolCall {
  name: string;
  /** The server's id of a structured call (calls read from the text have none). */
  id?: string;
  /** The parsed arguments (any JSON value), or a reason they could not be read. */
  arguments: unknown;
  problem?: string;
}

const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

/** {"name", "arguments"|"parameters"}, {"function": {…}}, or a list of them, as one call each. */
function callsInJson(value: unknown): RawToolCall[] | null {
  const list = Array.isArray(value) ? value : [value];
  const calls: RawToolCall[] = [];
  for (const item of list) {
    if (!isRecord(item)) return null;
    const call = isRecord(item.function) ? item.function : item;
    if (typeof call.name !== 'string') return null;
    const args = call.arguments ?? call.parameters ?? {};
    calls.push(typeof args === 'string' ? stringArguments(call.name, args) : { name: call.name, arguments: args });
  }
  return calls.length > 0 ? calls : null;
}

function stringArguments(name: string, text: string): RawToolCall {
  if (text.trim() === '') return { name, arguments: {} };
  const read = readJson(text);
  return read.ok ? { name, arguments: read.value } : { name, arguments: text, problem: `arguments are ${read.problem}` };
}

/** Qwen3-Coder's XML form: <function=send_text><parameter=text>Hi</parameter></function>. */
function xmlCall(body: string): RawToolCall | null {
  const fn = /<function=([\w.-]+)>([\s\S]*?)(?:<\/function>|$)/.exec(body);
  if (!fn) return null;
  const args: Record<string, unknown> = {};
  for (const p of fn[2]!.matchAll(/<parameter=([\w.-]+)>([\s\S]*?)(?:<\/parameter>|(?=<parameter=)|$)/g)) {
    const raw = p[2]!.trim();
    const read = readJson(raw);
    args[p[1]!] = read.ok && read.rest === '' && typeof read.value !== 'string' ? read.value : raw;
  }
  return { name: fn[1]!, arguments: args };
}

/** A Python literal as Llama writes keyword arguments: 'text', "text", 12, True, None, or JSON. */
function pythonValue(text: string, at: number): { value: unknown; end: number } | null {
  const quote = text[at];
  if (quote === '"' || quote === "'") {
    let value = '';
    for (let i = at + 1; i < text.length; i += 1) {
      const char = text[i]!;
      if (char === '\\') {
        const next = text[i + 1] ?? '';
        value += next === 'n' ? '\n' : next === 't' ? '\t' : next;
        i += 1;
      } else if (char === quote) return { value, end: i + 1 };
      else value += char;
    }
    return null;
  }
  if (text[at] === '[' || text[at] === '{') {
    const end = endOfJson(text, at);
    if (end === -1) return null;
    try {
      return { value: JSON.parse(text.slice(at, end)), end };
    } catch {
      return null;
    }
  }
  const word = /^(True|False|None|-?\d+(?:\.\d+)?)/.exec(text.slice(at));
  if (!word) return null;
  const literal = word[1]!;
  const value = literal === 'True' ? true : literal === 'False' ? false : literal === 'None' ? null : Number(literal);
  return { value, end: at + literal.length };
}

/** Llama's pythonic form: [send_text(text="Hi"), react(emoji="👍")] or a single call without brackets. */
function pythonicCalls(body: string): RawToolCall[] | null {
  const text = body.trim().replace(/^\[/, '').replace(/\]$/, '');
  const calls: RawToolCall[] = [];
  let at = 0;
  while (at < text.length) {
    const head = /^\s*,?\s*([A-Za-z_][\w.]*)\(/.exec(text.slice(at));
    if (!head) break;
    at += head[0].length;
    const args: Record<string, unknown> = {};
    for (;;) {
      const key = /^\s*,?\s*(?:([A-Za-z_]\w*)\s*=\s*)?/.exec(text.slice(at))!;
      at += key[0].length;
      if (text[at] === ')') {
        at += 1;
        break;
      }
      if (!key[1]) return null;
      const parsed = pythonValue(text, at);
      if (!parsed) return null;
      args[key[1]] = parsed.value;
      at = parsed.end;
    }
    calls.push({ name: head[1]!, arguments: args });
  }
  return calls.length > 0 && text.slice(at).trim() === '' ? calls : null;
}

/** The calls in one block of tool syntax, or one unreadable call so the block is reported, not sent. */
function callsInBlock(body: string, syntax: string): RawToolCall[] {
  const xml = xmlCall(body);
  if (xml) return [xml];
  const json = readJson(body);
  const fromJson = json.ok ? callsInJson(json.value) : null;
  if (fromJson) return fromJson;
  const pythonic = pythonicCalls(body);
  if (pythonic) return pythonic;
  return [{ name: '(unreadable)', arguments: body, problem: `${syntax} syntax that could not be read` }];
}

/** Mistral: [TOOL_CALLS][{…}] (older models) or [TOOL_CALLS]name[ARGS]{…} (newer ones), possibly repeated. */
function mistralCalls(after: string): RawToolCall[] {
  const named = [...after.matchAll(/(?:\[TOOL_CALLS\])?\s*([A-Za-z_][\w.-]*)\[ARGS\]/g)];
  if (named.length === 0) return callsInBlock(after, '[TOOL_CALLS]');
  return named.map((match, i) => {
    const start = match.index + match[0].length;
    const end = named[i + 1]?.index ?? after.length;
    return stringArguments(match[1]!, after.slice(start, end));
  });
}

const BLOCKS: { syntax: string; pattern: RegExp }[] = [
  { syntax: '<tool_call>', pattern: /<tool_call>([\s\S]*?)(?:<\/tool_call>|$)/g },
  { syntax: '<|python_start|>', pattern: /<\|python_start\|>([\s\S]*?)(?:<\|python_end\|>|$)/g },
  { syntax: '<|python_tag|>', pattern: /<\|python_tag\|>([\s\S]*?)(?:<\|eom_id\|>|<\|eot_id\|>|$)/g },
];

/**
 * Finds tool-call syntax in answer text. Returns the text with every piece of it removed, and the calls it held.
 * A text that is nothing but a JSON call ({"name": …, "arguments": …}, possibly fenced) is a call too.
 */
export function toolCallsInText(text: string): { text: string; calls: RawToolCall[] } {
  const calls: RawToolCall[] = [];
  let rest = text;
  for (const { syntax, pattern } of BLOCKS) {
    rest = rest.replace(pattern, (_, body: string) => {
      calls.push(...callsInBlock(body, syntax));
      return '\n';
    });
  }
  const mistral = rest.indexOf('[TOOL_CALLS]');
  if (mistral !== -1) {
    calls.push(...mistralCalls(rest.slice(mistral + '[TOOL_CALLS]'.length)));
    rest = rest.slice(0, mistral);
  }
  const trimmed = rest.trim();
  if (calls.length === 0 && /^(```[\w-]*\s*)?[[{]/.test(trimmed)) {
    const json = readJson(trimmed);
    const fromJson = json.ok && json.rest === '' ? callsInJson(json.value) : null;
    if (fromJson) return { text: '', calls: fromJson };
  }
  return { text: rest.replace(/\n{3,}/g, '\n\n').trim(), calls };
}

export { stringArguments as argumentsFromString };
