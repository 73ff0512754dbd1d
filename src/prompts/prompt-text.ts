// How an operator's prompt file becomes the text the bot uses: UTF-8 only (anything else would reach customers as
// "��"), and HTML comments are notes for whoever edits the file, never content.
import { readFileSync } from 'node:fs';
import { PromptFileError } from './prompt-file-error.js';

const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

function firstBadLine(bytes: Buffer): number {
  let line = 1;
  let start = 0;
  for (let i = 0; i <= bytes.length; i += 1) {
    if (i < bytes.length && bytes[i] !== 0x0a) continue;
    try {
      strictUtf8.decode(bytes.subarray(start, i));
    } catch {
      return line;
    }
    line += 1;
    start = i + 1;
  }
  return line;
}

/** The file's text (a UTF-8 byte-order mark dropped), or a PromptFileError that names the file and how to fix it. */
export function decodePromptText(path: string, bytes: Buffer): string {
  const saveAs = 'save it again as UTF-8 (in Notepad: File › Save as, Encoding: UTF-8)';
  let text: string;
  try {
    text = strictUtf8.decode(bytes);
  } catch {
    const utf16 = (bytes[0] === 0xff && bytes[1] === 0xfe) || (bytes[0] === 0xfe && bytes[1] === 0xff);
    if (utf16) throw new PromptFileError(`${path} is saved as UTF-16 ("Unicode"), not UTF-8: ${saveAs}`);
    throw new PromptFileError(`${path} is not UTF-8 text (the first bad character is on line ${firstBadLine(bytes)}): ${saveAs}`);
  }
  // Valid UTF-8 but no text: UTF-16 without a byte-order mark, or a binary file with a text file's name. PostgreSQL
  // would refuse to index it anyway.
  if (text.includes('\0')) throw new PromptFileError(`${path} is not a text file (it holds NUL bytes, as UTF-16 without a byte-order mark does): ${saveAs}`);
  return text;
}

/** The file's text, or null when there is no such file; any other failure is a PromptFileError naming the file. */
export function readPromptFile(path: string): string | null {
  let bytes: Buffer;
  try {
    bytes = readFileSync(path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return null;
    throw new PromptFileError(`cannot read ${path}: ${code === 'EACCES' ? 'no permission' : code === 'EISDIR' ? 'it is a folder' : (error as Error).message}`);
  }
  return decodePromptText(path, bytes);
}

export interface CommentFree {
  /** What the bot reads: a line that held only a comment disappears, rather than leaving a blank line in a paragraph. */
  text: string;
  /** Every line of the file, comments blanked out: for messages that name a line as the operator's editor numbers it. */
  lines: string[];
}

/**
 * The Markdown without its HTML comments, except inside code. A comment that is never closed would hide everything
 * after it from the bot without a word, so it is refused instead.
 */
export function commentFree(markdown: string, path: string): CommentFree {
  const kept: string[] = [];
  const lines: string[] = [];
  let inCode = false;
  let openedOn = 0;
  for (const [index, line] of markdown.split(/\r?\n/).entries()) {
    if (openedOn === 0 && line.trimStart().startsWith('```')) inCode = !inCode;
    if (inCode) {
      kept.push(line);
      lines.push(line);
      continue;
    }
    let rest = line;
    let out = '';
    while (rest !== '') {
      if (openedOn !== 0) {
        const end = rest.indexOf('-->');
        if (end === -1) rest = '';
        else {
          rest = rest.slice(end + 3);
          openedOn = 0;
        }
      } else {
        const start = rest.indexOf('<!--');
        if (start === -1) {
          out += rest;
          rest = '';
        } else {
          out += rest.slice(0, start);
          rest = rest.slice(start + 4);
          openedOn = index + 1;
        }
      }
    }
    lines.push(out);
    if (out.trim() !== '' || line.trim() === '') kept.push(out);
  }
  if (openedOn !== 0) {
    throw new PromptFileError(`${path}: the comment opened with "<!--" on line ${openedOn} is never closed with "-->", so everything after it would be hidden from the bot`);
  }
  return { text: kept.join('\n'), lines };
}

export const withoutComments = (markdown: string, path: string): string => commentFree(markdown, path).text;
