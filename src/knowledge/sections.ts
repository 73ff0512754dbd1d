// Splits a Markdown file into sections at its headings: each section is one retrievable piece of knowledge.

export interface Section {
  file: string;
  heading: string;
  body: string;
}

const HEADING = /^(#{1,6})\s+(.+?)\s*#*\s*$/;

export function splitSections(file: string, markdown: string): Section[] {
  const sections: Section[] = [];
  // Headings above the current one, so "Returns" under "Shipping & returns" keeps its context.
  const trail: string[] = [];
  let heading = file.replace(/\.md$/i, '');
  let lines: string[] = [];
  let inCode = false;
  const flush = () => {
    const body = lines.join('\n').trim();
    if (body !== '') sections.push({ file, heading, body });
    lines = [];
  };
  for (const line of markdown.split(/\r?\n/)) {
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
    heading = trail.filter(Boolean).join(' › ');
  }
  flush();
  return sections;
}

/**
 * Joins the hard-wrapped lines of Markdown paragraphs, keeping blank lines and list items: WhatsApp shows every
 * line break, so a section typed at 110 columns would arrive as ragged lines.
 */
export function unwrapParagraphs(text: string): string {
  return text.replace(/([^\n])\n(?!\n|\s*(?:[-*+]|\d+[.)])\s)/g, '$1 ');
}
