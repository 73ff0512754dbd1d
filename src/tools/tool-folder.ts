// PROMPTS_DIR/tools/: one tool a file (*.yaml or *.yml), read at start (a broken file stops the server with its path,
// line and problem) and again when it changes, like every prompt file: a broken edit keeps the previous version and the
// log says why; a file added while the server runs is read, a file removed takes its tool away.
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Logger } from '../logger.js';
import { PromptFileError } from '../prompts/prompt-file-error.js';
import { RECHECK_MS, recheckEvery, watchFile, type WatchedFile } from '../prompts/watched-file.js';
import { parseToolFile, type ToolDefinition } from './tool-file.js';

export interface OperatorTools {
  /** The tools declared now; the same array while nothing changed (the tool list stays byte-identical for caching). */
  list(): ToolDefinition[];
}

const TOOL_FILE = /^[^.].*\.ya?ml$/;

function toolFileNames(dir: string): string[] {
  try {
    return readdirSync(dir).filter((name) => TOOL_FILE.test(name)).sort();
  } catch {
    return [];
  }
}

export function loadOperatorTools(input: {
  dir: string;
  /** The environment's TOOL_ variables (config.ts gathers them). */
  variables: Readonly<Record<string, string>>;
  /** The names of the bot's own tools: a file may not take one. */
  builtIn: readonly string[];
  logger: Logger;
  recheckMs?: number;
}): OperatorTools {
  const { dir, logger } = input;
  const recheckMs = input.recheckMs ?? RECHECK_MS;
  const files = new Map<string, WatchedFile<ToolDefinition | null>>();
  const read = (path: string) => (text: string | null) => (text === null ? null : parseToolFile(text, path, input.variables, input.builtIn));
  const scan = (atStart: boolean) => {
    for (const name of toolFileNames(dir)) {
      if (!files.has(name)) files.set(name, watchFile(join(dir, name), read(join(dir, name)), logger, recheckMs, atStart));
    }
  };
  scan(true);
  let last: { values: (ToolDefinition | null)[]; tools: ToolDefinition[] } | null = null;
  const current = (atStart: boolean): ToolDefinition[] => {
    const values = [...files.values()].map((file) => file.get());
    if (last && values.length === last.values.length && values.every((value, i) => value === last!.values[i])) return last.tools;
    const tools: ToolDefinition[] = [];
    for (const tool of values) {
      if (!tool) continue;
      const taken = tools.find((other) => other.name === tool.name);
      if (!taken) {
        tools.push(tool);
        continue;
      }
      const why = `${tool.file}: the name "${tool.name}" is taken by ${taken.file}: each tool needs a name of its own`;
      if (atStart) throw new PromptFileError(why);
      logger.error({ file: tool.file }, `${why}; the tool is not offered until it is renamed`);
    }
    if (tools.length > 0 && (!last || tools.length !== last.tools.length || tools.some((tool, i) => tool !== last!.tools[i]))) {
      logger.info({ tools: tools.map((tool) => tool.name) }, 'operator tools loaded');
    }
    last = { values, tools };
    return tools;
  };
  current(true);
  const due = recheckEvery(recheckMs);
  due();
  return {
    list() {
      if (due()) scan(false);
      return current(false);
    },
  };
}
