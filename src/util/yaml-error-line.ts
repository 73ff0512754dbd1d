// The line a YAML syntax error is reported at, as an operator editing the file sees it.
import type { LineCounter, YAMLError } from 'yaml';

/**
 * The parser's line for the error, except that an error found at the end of the input (an unclosed [ or ") is placed
 * after the file's last line break: it is named by the last line that has anything on it, where the file ends in the
 * editor, not by a line the editor does not show.
 */
export function yamlErrorLine(text: string, lines: LineCounter, error: YAMLError): number {
  const lastLine = Math.max(1, text.trimEnd().split('\n').length);
  return Math.min(lines.linePos(error.pos[0]).line, lastLine);
}
