// Splits a Markdown file into sections at its headings: each section is one retrievable piece of knowledge.

export interface Section {
  file: string;
  heading: string;
  body: string;
}

const HEADING = /^(#{1,6})\s+(.+?)\s*#*\s*$/;

/** The Markdown without its HTML comments (notes to whoever edits the file, never content), except inside code. */
function withoutComments(markdown: string): string {
  const kept: string[] = [];
  let inCode = false;
  let inComment = false;
  for (const line of markdown.split(/\r?\n/)) {
    if (!inComment && line.trimStart().startsWith('```')) inCode = !inCode;
    if (inCode) {
      kept.push(line);
      continue;
    }
    let rest = line;
    let out = '';
    while (rest !== '') {
      if (inComment) {
        const end = rest.indexOf('-->');
        if (end === -1) rest = '';
        else {
          rest = rest.slice(end + 3);
          inComment = false;
        }
      } else {
        const start = rest.indexOf('<!--');
        if (start === -1) {
          out += rest;
          rest = '';
        } else {
          out += rest.slice(0, start);
          rest = rest.slice(start + 4);
          inComment = true;
        }
      }
    }
    // A line that held only a comment disappears, rather than leaving a blank line in a paragraph.
    if (out.trim() !== '' || line.trim() === '') kept.push(out);
  }
  return kept.join('\n');
}

export function splitSections(file: string, markdown: string): Section[] {
  const found: { trail: string[]; body: string }[] = [];
  // Headings above the current one, so "Returns" under "Shipping & returns" keeps its context.
  const trail: string[] = [];
  let current: string[] = [file.replace(/\.md$/i, '')];
  let lines: string[] = [];
  let inCode = false;
  const flush = () => {
    const body = lines.join('\n').trim();
    if (body !== '') found.push({ trail: current, body });
    lines = [];
  };
  for (const line of withoutComments(markdown).split('\n')) {
    if (line.trimStart().startsWith('```')) inCode = !inCode;
    const match = inCode ? null : HEADING.exec(line);
    if (!match) {
      lines.push(line);
      continue;
    }
    flush();
    const level = match[1]!.length;
    trail.length = level - 1;
    trail[level - 1] = match[2]!;
    current = trail.filter(Boolean);
  }
  flush();
  // A title every section shares (the file's "# Frequently asked questions") says nothing about any one of them,
  // and would make a question that names it match whichever section happens to rank first: leave it out, except
  // for a section that has no heading of its own.
  const title = found[0]?.trail[0];
  const shared = found.length > 1 && found.every((section) => section.trail[0] === title);
  return found.map(({ trail: path, body }) => ({
    file,
    heading: (shared && path.length > 1 ? path.slice(1) : path).join(' › '),
    body,
  }));
}

/**
 * Joins the hard-wrapped lines of Markdown paragraphs, keeping blank lines and list items: WhatsApp shows every
 * line break, so a section typed at 110 columns would arrive as ragged lines.
 */
export function unwrapParagraphs(text: string): string {
  return text.replace(/([^\n])\n(?!\n|\s*(?:[-*+]|\d+[.)])\s)/g, '$1 ');
}
