// Splits a Markdown (or plain text) file into sections at its headings: each section is one retrievable piece of
// knowledge.

export interface Section {
  file: string;
  heading: string;
  body: string;
}

const HEADING = /^(#{1,6})\s+(.+?)\s*#*\s*$/;

/**
 * The title of what a file says before (or without) any heading: its name in words, as a customer may see it above
 * the answer ("harga-grosir.txt" is "Harga grosir").
 */
export function titleFromFileName(file: string): string {
  const words = file
    .replace(/\.(md|markdown|txt)$/i, '')
    .replace(/[_\-.\s]+/g, ' ')
    .trim();
  if (words === '') return file;
  // "faq" becomes "Faq", but "iPhone" or "FAQ" stays as written.
  return /^\p{Ll}+(\s|$)/u.test(words) ? words[0]!.toUpperCase() + words.slice(1) : words;
}

/** `markdown` is what the bot reads of the file (its HTML comments already removed). */
export function splitSections(file: string, markdown: string): Section[] {
  const found: { trail: string[]; body: string }[] = [];
  // Headings above the current one, so "Returns" under "Shipping & returns" keeps its context.
  const trail: string[] = [];
  let current: string[] = [titleFromFileName(file)];
  let lines: string[] = [];
  let inCode = false;
  const flush = () => {
    const body = lines.join('\n').trim();
    if (body !== '') found.push({ trail: current, body });
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
