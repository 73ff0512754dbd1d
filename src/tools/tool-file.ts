// One file of prompts/tools/: an HTTP tool an operator declares, read with its line numbers so that every refusal
// says where ("prompts/tools/order_status.yaml line 7: …"), checked with zod, its placeholders checked against its
// parameters and the environment's TOOL_ variables.
import { isMap, isScalar, LineCounter, parseDocument, type Document } from 'yaml';
import { z } from 'zod';
import { PromptFileError } from '../prompts/prompt-file-error.js';
import { placeholdersOf } from './placeholders.js';
import { yamlErrorLine } from '../util/yaml-error-line.js';

/** What the model may read of an answer unless the file says otherwise. */
export const DEFAULT_MAX_RESULT_CHARS = 2000;

const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

const parameterSchema = z.strictObject({
  type: z.enum(['string', 'number', 'integer', 'boolean'], { error: 'must be string, number, integer or boolean' }),
  description: z.string().trim().min(1, 'must say what the model should put in it').max(500),
  required: z.boolean().default(true),
});

const fileSchema = z.strictObject({
  name: z.string().regex(/^[A-Za-z][A-Za-z0-9_-]{0,63}$/, 'must be a name of letters, digits, "_" and "-" (such as order_status), at most 64 characters'),
  description: z.string().trim().min(1, 'must tell the model when to use the tool').max(1000),
  parameters: z
    .record(z.string().regex(/^[A-Za-z_][A-Za-z0-9_]{0,63}$/, 'parameter names use letters, digits and "_" only'), parameterSchema)
    .nullish()
    .transform((value) => value ?? {}),
  request: z.strictObject({
    method: z.enum(['GET', 'POST'], { error: 'must be GET or POST' }).default('GET'),
    url: z.string().trim().min(1),
    headers: z
      .record(z.string().regex(HEADER_NAME, 'is not a valid header name'), z.union([z.string(), z.number()]).transform(String))
      .nullish()
      .transform((value) => value ?? {}),
    body: z.unknown().optional(),
    timeout_ms: z.number().int().min(100).max(30_000).default(2000),
  }),
  max_result_chars: z.number().int().min(100).max(50_000).default(DEFAULT_MAX_RESULT_CHARS),
  allow_private_network: z.boolean().default(false),
});

export type ParameterType = z.infer<typeof parameterSchema>['type'];

/** A tool as the file declares it, checked. */
export interface ToolDefinition {
  name: string;
  description: string;
  parameters: Record<string, { type: ParameterType; description: string; required: boolean }>;
  method: 'GET' | 'POST';
  url: string;
  headers: Record<string, string>;
  body: unknown;
  timeoutMs: number;
  maxResultChars: number;
  allowPrivateNetwork: boolean;
  /** The file it came from, for the log. */
  file: string;
  /** The values of the TOOL_ variables it names: secrets, held by the process and never shown. */
  variables: Readonly<Record<string, string>>;
}

/** "line 7" of the node at `path`, or of the nearest node above it that exists. */
function lineOf(doc: Document, lines: LineCounter, path: readonly PropertyKey[]): number | null {
  for (let depth = path.length; depth >= 0; depth -= 1) {
    const node = doc.getIn(path.slice(0, depth) as unknown[], true) as { range?: [number, number, number] } | undefined;
    const start = node?.range?.[0];
    if (start !== undefined) return lines.linePos(start).line;
  }
  return null;
}

/** The key's own line, for a placeholder problem in a value that spans lines. */
function keyLine(doc: Document, lines: LineCounter, path: readonly PropertyKey[]): number | null {
  const parent = path.length > 0 ? doc.getIn(path.slice(0, -1) as unknown[], true) : null;
  if (isMap(parent)) {
    const pair = parent.items.find((item) => isScalar(item.key) && item.key.value === path.at(-1));
    const start = isScalar(pair?.key) ? pair.key.range?.[0] : undefined;
    if (start !== undefined) return lines.linePos(start).line;
  }
  return lineOf(doc, lines, path);
}

/** Every string of a body, with where it is. */
function stringsIn(value: unknown, path: PropertyKey[]): { text: string; path: PropertyKey[] }[] {
  if (typeof value === 'string') return [{ text: value, path }];
  if (Array.isArray(value)) return value.flatMap((item, i) => stringsIn(item, [...path, i]));
  if (value !== null && typeof value === 'object') return Object.entries(value).flatMap(([key, item]) => stringsIn(item, [...path, key]));
  return [];
}

/**
 * Reads one tool file. `variables`: the environment's TOOL_ variables (config.ts gathers them); `builtIn`: the names of
 * the bot's own tools, which a file may not take. Throws a PromptFileError naming the file, the line and the problem.
 */
export function parseToolFile(text: string, path: string, variables: Readonly<Record<string, string>>, builtIn: readonly string[]): ToolDefinition {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: true });
  const at = (line: number | null) => (line === null ? path : `${path} line ${line}`);
  const firstError = doc.errors[0];
  if (firstError) {
    throw new PromptFileError(`${at(yamlErrorLine(text, lines, firstError))}: not valid YAML: ${firstError.message.split('\n')[0]}`);
  }
  const parsed = fileSchema.safeParse(doc.toJS());
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const where = issue.path.length > 0 ? `${issue.path.join('.')}: ` : '';
    const message = issue.code === 'unrecognized_keys' ? `${issue.keys.join(', ')} is not part of a tool file (name, description, parameters, request, max_result_chars, allow_private_network)` : issue.message;
    throw new PromptFileError(`${at(lineOf(doc, lines, issue.path))}: ${where}${message}`);
  }
  const file = parsed.data;
  const problem = (keyPath: PropertyKey[], why: string) => new PromptFileError(`${at(keyLine(doc, lines, keyPath))}: ${why}`);
  if (builtIn.includes(file.name)) throw problem(['name'], `"${file.name}" is the name of one of the bot's own tools: choose another name`);
  if (file.request.method === 'GET' && file.request.body !== undefined) throw problem(['request', 'body'], 'a GET request has no body: use method: POST, or put the values in the URL');

  const templates = [
    { text: file.request.url, path: ['request', 'url'] },
    ...Object.entries(file.request.headers).map(([name, value]) => ({ text: value, path: ['request', 'headers', name] })),
    ...stringsIn(file.request.body, ['request', 'body']),
  ];
  const named: Record<string, string> = {};
  for (const template of templates) {
    const { found, problem: unreadable } = placeholdersOf(template.text);
    if (unreadable) throw problem(template.path, unreadable);
    for (const placeholder of found) {
      if (placeholder.kind === 'parameter' && !(placeholder.name in file.parameters)) {
        throw problem(template.path, `{${placeholder.name}} is not one of the parameters (${Object.keys(file.parameters).join(', ') || 'none declared'}); {customer.number} and {customer.name} come from the conversation`);
      }
      if (placeholder.kind === 'variable') {
        const value = variables[placeholder.name];
        if (value === undefined) throw problem(template.path, `\${${placeholder.name}} is not set: set ${placeholder.name} in the environment or in .env, then restart the server (settings are read at start)`);
        named[placeholder.name] = value;
      }
    }
  }
  checkUrl(file.request.url, (why) => problem(['request', 'url'], why));
  return {
    name: file.name,
    description: file.description,
    parameters: file.parameters,
    method: file.request.method,
    url: file.request.url,
    headers: file.request.headers,
    body: file.request.body,
    timeoutMs: file.request.timeout_ms,
    maxResultChars: file.max_result_chars,
    allowPrivateNetwork: file.allow_private_network,
    file: path,
    variables: named,
  };
}

/** http or https, and a fixed host: no placeholder before the path, so that no one but the operator picks the server. */
function checkUrl(url: string, problem: (why: string) => Error): void {
  const origin = /^([a-z][a-z0-9+.-]*):\/\/([^/?#]*)/i.exec(url);
  if (!origin) throw problem('must be a full http:// or https:// URL, such as https://shop.example/api/orders/{order_id}');
  if (!/^https?$/i.test(origin[1]!)) throw problem(`${origin[1]}: URLs are not called (only http and https)`);
  if (origin[2]!.includes('{')) throw problem('the server (scheme, host and port) must be written out: placeholders belong in the path, the query or the headers');
  try {
    new URL(url.replace(/\$?\{[^{}]*\}/g, 'x'));
  } catch {
    throw problem('is not a valid URL');
  }
}
