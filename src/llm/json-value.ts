// Reading JSON the way models write it: inside a ```json fence, or followed by a sentence.

/** The text without a surrounding Markdown code fence (```json … ``` or ``` … ```), on one line or several. */
function unfenced(text: string): string {
  const match = /^\s*```[A-Za-z0-9_-]*\s*([\s\S]*?)\s*```\s*$/.exec(text);
  return match ? match[1]! : text.trim();
}

/** Where the JSON object or array starting at `start` ends (exclusive), counting brackets outside strings; -1 if it never does. */
export function endOfJson(text: string, start: number): number {
  const stack: string[] = [];
  let inString = false;
  for (let i = start; i < text.length; i += 1) {
    const char = text[i]!;
    if (inString) {
      if (char === '\\') i += 1;
      else if (char === '"') inString = false;
      continue;
    }
    if (char === '"') inString = true;
    else if (char === '{' || char === '[') stack.push(char === '{' ? '}' : ']');
    else if (char === '}' || char === ']') {
      if (stack.pop() !== char) return -1;
      if (stack.length === 0) return i + 1;
    }
  }
  return -1;
}

export type JsonRead = { ok: true; value: unknown; rest: string } | { ok: false; problem: string };

/** The first JSON value of the text (after a fence is removed), and what follows it. */
export function readJson(text: string): JsonRead {
  const body = unfenced(text);
  try {
    return { ok: true, value: JSON.parse(body), rest: '' };
  } catch {
    // Fall through: a value followed by something else.
  }
  const start = body.search(/[[{]/);
  if (start === -1) return { ok: false, problem: 'not JSON' };
  const end = endOfJson(body, start);
  if (end === -1) return { ok: false, problem: 'JSON that never ends' };
  try {
    return { ok: true, value: JSON.parse(body.slice(start, end)), rest: `${body.slice(0, start)} ${body.slice(end)}`.trim() };
  } catch {
    return { ok: false, problem: 'not valid JSON' };
  }
}
