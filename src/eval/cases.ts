// The operators' test conversations (prompts/tests/*.yaml): read, checked and turned into cases, or refused with the
// file, the line and what is wrong, before anything runs. The format is taught in prompts/README.md.
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { basename, isAbsolute, join, resolve } from 'node:path';
import { isMap, isPair, isScalar, isSeq, LineCounter, parseDocument, type Node } from 'yaml';
import { z } from 'zod';
import type { ToolAnswers } from '../cli/trial-bot.js';
import { yamlErrorLine } from '../util/yaml-error-line.js';

/** What a turn must have sent: `text`, `image [ID]`, `document [ID]`, `reaction`, `handoff` or `nothing`. */
export type Sends = { kind: 'text' | 'reaction' | 'handoff' | 'nothing' } | { kind: 'image' | 'document'; id: string | null };

export interface Expectations {
  sends?: Sends;
  contains?: string[];
  containsAny?: string[];
  notContains?: string[];
  matches?: RegExp;
  maxChars?: number;
  fallback?: boolean;
  judge?: string;
}

/** A file the customer sends: a path in the tests folder (resolved) or a URL. */
export interface TurnFile {
  kind: 'image' | 'voice' | 'document';
  /** An absolute path, or an http(s) URL. */
  source: string;
}

export interface Turn {
  /** The text, or the caption of a file. */
  customer: string | null;
  file: TurnFile | null;
  /** For a voice note: what was heard. */
  transcript: string | null;
  expect: Expectations;
  /** The turn's line in its file. */
  line: number;
}

export interface Case {
  file: string;
  name: string;
  line: number;
  customerName: string | null;
  /** The local time the bot believes it is, as written (read in TIME_ZONE by the runner). */
  at: string | null;
  /** Answers for operator-declared tools, in place of their servers. */
  tools: ToolAnswers;
  turns: Turn[];
}

/** A test file that cannot be used; the message names the file and the line. */
export class TestFileError extends Error {
  override name = 'TestFileError';
}

const SENDS = /^(text|reaction|handoff|nothing)$|^(image|document)(?:\s+(\S+))?$/;
const words = z.union([z.string().min(1), z.array(z.string().min(1)).min(1)]).transform((v) => (Array.isArray(v) ? v : [v]));
const LOCAL_TIME = /^\d{4}-\d{2}-\d{2}[ T]\d{1,2}:\d{2}$/;

const expectSchema = z.strictObject({
  sends: z.string().trim().regex(SENDS, 'must be one of: text, image ID, document ID, reaction, handoff, nothing').optional(),
  contains: words.optional(),
  contains_any: words.optional(),
  not_contains: words.optional(),
  matches: z
    .string()
    .min(1)
    .refine((source) => {
      try {
        new RegExp(source, 'iu');
        return true;
      } catch {
        return false;
      }
    }, 'is not a regular expression')
    .optional(),
  max_chars: z.int().positive().optional(),
  fallback: z.boolean().optional(),
  judge: z.string().trim().min(1).optional(),
});

const turnSchema = z
  .strictObject({
    customer: z.string().optional(),
    image: z.string().min(1).optional(),
    voice: z.string().min(1).optional(),
    document: z.string().min(1).optional(),
    transcript: z.string().optional(),
    expect: expectSchema.optional(),
  })
  .refine((t) => t.customer !== undefined || t.image || t.voice || t.document, 'a turn needs customer: (what the customer writes), or image:, voice: or document:')
  .refine((t) => [t.image, t.voice, t.document].filter(Boolean).length <= 1, 'a turn carries one file at most (image:, voice: or document:)')
  .refine((t) => t.transcript === undefined || t.voice !== undefined, 'transcript: goes with voice:');

const caseSchema = z.strictObject({
  name: z.string().trim().min(1),
  customer_name: z.string().trim().min(1).optional(),
  at: z
    .string()
    .trim()
    .regex(LOCAL_TIME, 'must be a local time such as 2026-12-05T21:30')
    .optional(),
  tools: z.record(z.string().min(1), z.strictObject({ status: z.int().min(100).max(599), body: z.unknown() })).optional(),
  turns: z.array(turnSchema).min(1, 'a case needs at least one turn'),
});

const fileSchema = z.array(caseSchema);

/** The YAML node at `path`, or the deepest one on the way to it (a key that is missing points at its map). */
function nodeAt(root: Node | null, path: PropertyKey[]): Node | null {
  let node: Node | null = root;
  for (const key of path) {
    if (isSeq(node) && typeof key === 'number') {
      const item = node.items[key];
      if (!item) return node;
      node = item as Node;
    } else if (isMap(node)) {
      const pair = node.items.find((p) => isPair(p) && isScalar(p.key) && String(p.key.value) === String(key));
      if (!pair) return node;
      node = (pair.value ?? pair.key) as Node | null;
      if (!node) return null;
    } else return node;
  }
  return node;
}

/** The node of a key itself (for a key that should not be there). */
function keyNode(map: Node | null, key: string): Node | null {
  if (!isMap(map)) return map;
  const pair = map.items.find((p) => isScalar(p.key) && String(p.key.value) === key);
  return (pair?.key as Node | undefined) ?? map;
}

const where = (path: PropertyKey[]) =>
  path.reduce<string>((text, key) => (typeof key === 'number' ? `${text}[${key}]` : `${text}${text ? '.' : ''}${String(key)}`), '');

/** Reads one test file; `dir` is where its files (image:, voice:, document:) are looked for. */
export function parseTestFile(path: string, text: string, dir: string): Case[] {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  const lineOf = (node: Node | null | undefined) => (node?.range ? lineCounter.linePos(node.range[0]).line : 1);
  const refuse = (line: number, message: string): never => {
    throw new TestFileError(`${path} line ${line}: ${message}`);
  };
  const yamlError = doc.errors[0];
  if (yamlError) refuse(yamlErrorLine(text, lineCounter, yamlError), `not valid YAML: ${yamlError.message.split('\n')[0]}`);
  const root = doc.contents as Node | null;
  if (root === null) return [];
  if (!isSeq(root)) refuse(lineOf(root), 'a test file is a list of cases, each starting with "- name:"');
  const parsed = fileSchema.safeParse(doc.toJS());
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const path = issue.path as PropertyKey[];
    if (issue.code === 'unrecognized_keys') {
      const key = issue.keys[0]!;
      refuse(lineOf(keyNode(nodeAt(root, path), key)), `${where([...path, key])}: "${key}" is not something a test file knows${hint(key)}`);
    }
    refuse(lineOf(nodeAt(root, path)), `${where(path) || 'the file'}: ${issue.message}`);
  }
  return parsed.data!.map((raw, i): Case => {
    const caseNode = nodeAt(root, [i]);
    return {
      file: path,
      name: raw.name,
      line: lineOf(caseNode),
      customerName: raw.customer_name ?? null,
      at: raw.at ?? null,
      tools: raw.tools ?? {},
      turns: raw.turns.map((turn, t): Turn => {
        const line = lineOf(nodeAt(root, [i, 'turns', t]));
        const fileOf = (kind: TurnFile['kind'], given: string | undefined): TurnFile | null => {
          if (given === undefined) return null;
          if (/^https?:\/\//i.test(given)) return { kind, source: given };
          const full = isAbsolute(given) ? given : resolve(dir, given);
          if (!existsSync(full) || !statSync(full).isFile()) refuse(lineOf(nodeAt(root, [i, 'turns', t, kind])), `${kind}: no file ${given} in ${dir}`);
          return { kind, source: full };
        };
        const e = turn.expect ?? {};
        const sends = e.sends ? SENDS.exec(e.sends)! : null;
        return {
          customer: turn.customer ?? null,
          file: fileOf('image', turn.image) ?? fileOf('voice', turn.voice) ?? fileOf('document', turn.document),
          transcript: turn.transcript ?? null,
          line,
          expect: {
            ...(sends && { sends: sends[1] ? { kind: sends[1] as 'text' } : { kind: sends[2] as 'image', id: sends[3] ?? null } }),
            ...(e.contains && { contains: e.contains }),
            ...(e.contains_any && { containsAny: e.contains_any }),
            ...(e.not_contains && { notContains: e.not_contains }),
            ...(e.matches && { matches: new RegExp(e.matches, 'iu') }),
            ...(e.max_chars !== undefined && { maxChars: e.max_chars }),
            ...(e.fallback !== undefined && { fallback: e.fallback }),
            ...(e.judge && { judge: e.judge }),
          },
        };
      }),
    };
  });
}

/** A nudge for the usual slips (`contain:` for `contains:`, `expects:` for `expect:`). */
function hint(key: string): string {
  const known = ['name', 'customer_name', 'at', 'tools', 'turns', 'customer', 'image', 'voice', 'document', 'transcript', 'expect', 'sends', 'contains', 'contains_any', 'not_contains', 'matches', 'max_chars', 'fallback', 'judge'];
  const near = known.find((k) => k.startsWith(key.slice(0, 4).toLowerCase()) || key.toLowerCase().startsWith(k));
  return near && near !== key ? ` (did you mean ${near}:?)` : '';
}

/** The YAML files of a folder, in name order. */
export function testFilesIn(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((name) => /\.ya?ml$/i.test(name))
    .sort()
    .map((name) => join(dir, name));
}

/** Every case of these files; the first file that cannot be read is refused (TestFileError). */
export function loadCases(files: string[], testsDir: string): Case[] {
  return files.flatMap((file) => {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (error) {
      throw new TestFileError(`${file}: cannot read it: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
    }
    // A file given on the command line outside the tests folder finds its files beside itself.
    const dir = resolve(file, '..') === resolve(testsDir) ? testsDir : resolve(file, '..');
    return parseTestFile(file, text, dir);
  });
}

/** Whether a case's name holds every word (case-insensitive). */
export function matchesFilter(name: string, filter: string[]): boolean {
  const lower = name.toLowerCase();
  return filter.every((word) => lower.includes(word.toLowerCase()));
}

export const caseLabel = (c: Pick<Case, 'file' | 'name'>) => `${basename(c.file)}: ${c.name}`;
