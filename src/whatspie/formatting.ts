// Markdown (what models and operators write) as WhatsApp text (what customers' phones show). WhatsApp shows
// **bold**, ## headings and [text](url) literally, and reads *x* as bold. The text is parsed with a real CommonMark +
// GFM parser (mdast) and written back in WhatsApp's own syntax.
//
// How *x* is read: as WhatsApp bold, kept as it is. Our prompt tells the model to use WhatsApp formatting, and
// chat-tuned models write *x* for bold on WhatsApp; a model that meant Markdown italic gets emphasis all the same.
// _x_ stays italic, **x** and __x__ become *x*, ~~x~~ and ~x~ become ~x~.
import type { Definition, Nodes, Parents, RootContent, Table } from 'mdast';
import { fromMarkdown } from 'mdast-util-from-markdown';
import { gfmFromMarkdown } from 'mdast-util-gfm';
import { gfm } from 'micromark-extension-gfm';

export interface FormatOptions {
  /**
   * A single line break inside a paragraph: kept (what a model means by it: an address, a short list) or joined
   * with a space (what Markdown means by it: operators' files are often wrapped at 80-120 columns).
   */
  softBreaks: 'keep' | 'join';
}

interface Context extends FormatOptions {
  source: string;
  definitions: Map<string, string>;
  /** Inside bold: nested bold markers would read as literal asterisks. */
  bold: boolean;
}

const MONO = '```';

function stripTags(html: string): string {
  return html.replace(/<br\s*\/?>/gi, '\n').replace(/<!--[\s\S]*?-->/g, '').replace(/<\/?[A-Za-z][^>]*>/g, '');
}

function children(node: Parents, context: Context): string {
  return (node.children as Nodes[]).map((child) => inline(child, context)).join('');
}

/** A run of inline content. */
function inline(node: Nodes, context: Context): string {
  switch (node.type) {
    case 'text':
      return context.softBreaks === 'join' ? node.value.replace(/[ \t]*\n[ \t]*/g, ' ') : node.value;
    case 'strong':
      return context.bold ? children(node, context) : wrap('*', children(node, { ...context, bold: true }));
    case 'emphasis': {
      const marker = context.source[node.position?.start.offset ?? -1];
      if (marker === '_') return wrap('_', children(node, context));
      return context.bold ? children(node, context) : wrap('*', children(node, { ...context, bold: true }));
    }
    case 'delete':
      return wrap('~', children(node, context));
    case 'inlineCode':
      return `${MONO}${node.value}${MONO}`;
    case 'break':
      return '\n';
    case 'link':
      return link(children(node, context), node.url);
    case 'linkReference': {
      const text = children(node, context);
      const url = context.definitions.get(node.identifier);
      return url ? link(text, url) : text;
    }
    case 'image':
      return node.url;
    case 'imageReference':
      return context.definitions.get(node.identifier) ?? node.alt ?? '';
    case 'html':
      return stripTags(node.value);
    case 'footnoteReference':
      return `[${node.label ?? node.identifier}]`;
    default:
      return 'children' in node ? children(node, context) : 'value' in node ? String(node.value) : '';
  }
}

/** WhatsApp formats *x* only when the markers touch the text: spaces move outside them. */
function wrap(marker: string, text: string): string {
  const match = /^(\s*)([\s\S]*?)(\s*)$/.exec(text)!;
  return match[2] ? `${match[1]}${marker}${match[2]}${marker}${match[3]}` : text;
}

function link(text: string, url: string): string {
  const bare = url.replace(/^mailto:/i, '');
  const plain = (value: string) => value.replace(/^[a-z]+:\/\//i, '').replace(/^mailto:/i, '').replace(/\/$/, '');
  if (!text || plain(text) === plain(url)) return bare;
  return `${text} (${bare})`;
}

function table(node: Table, context: Context): string {
  const rows = node.children.map((row) => row.children.map((cell) => children(cell, context).trim()));
  const [header = [], ...body] = rows;
  if (body.length === 0) return header.join(' · ');
  return body
    .map((cells) => `- ${cells.map((cell, i) => (header[i] ? `${header[i]}: ${cell}` : cell)).filter((cell) => cell.trim() !== '').join(', ')}`)
    .join('\n');
}

/** A block and everything in it. */
function block(node: RootContent, context: Context): string {
  switch (node.type) {
    case 'paragraph':
      return children(node, context);
    case 'heading':
      return wrap('*', children(node, { ...context, bold: true }));
    case 'thematicBreak':
    case 'definition':
      return '';
    case 'blockquote':
      return blocks(node.children, context)
        .split('\n')
        .map((line) => `> ${line}`)
        .join('\n');
    case 'list': {
      const start = node.start ?? 1;
      return node.children
        .map((item, i) => {
          const marker = node.ordered ? `${start + i}. ` : '- ';
          const check = item.checked === true ? '☑ ' : item.checked === false ? '☐ ' : '';
          // The item's first block follows its marker; nested lists and later paragraphs are indented under it.
          const parts = item.children.map((child) => block(child, context)).filter((text) => text !== '');
          const indent = ' '.repeat(marker.length);
          const rest = parts.slice(1).map((text) => text.replace(/^/gm, indent));
          return [`${marker}${check}${parts[0] ?? ''}`, ...rest].join('\n');
        })
        .join('\n');
    }
    case 'code':
      return `${MONO}${node.value}${MONO}`;
    case 'html':
      return stripTags(node.value).trim();
    case 'table':
      return table(node, context);
    case 'footnoteDefinition':
      return `[${node.label ?? node.identifier}] ${blocks(node.children, context)}`;
    default:
      return inline(node as Nodes, context);
  }
}

/** Blocks a blank line apart, except that a heading's bold line sits right above what it heads. */
function blocks(nodes: RootContent[], context: Context): string {
  let out = '';
  let previous: RootContent | null = null;
  for (const node of nodes) {
    const text = block(node, context);
    if (text.trim() === '') continue;
    out += previous === null ? text : `${previous.type === 'heading' ? '\n' : '\n\n'}${text}`;
    previous = node;
  }
  return out;
}

function collectDefinitions(nodes: RootContent[], into: Map<string, string>) {
  for (const node of nodes) {
    if (node.type === 'definition') into.set((node as Definition).identifier, (node as Definition).url);
    else if ('children' in node) collectDefinitions(node.children as RootContent[], into);
  }
}

/**
 * Text in which Markdown can see nothing but paragraphs: no marker character, no line that starts a list, heading,
 * quote, table, setext underline or indented code, no autolink. Most short replies are such text, and parsing it
 * cost a tenth of the server's time per message (profiled); it comes out as the parser would give it (fuzzed).
 */
const MARKDOWN_SYNTAX = /[*_~`#>|<[\]&\\\r]| {2,}\n|:\/\/|www\.|@|^[ \t]|^[-+=:]|^\d+[.)]|\n[ \t]|\n[-+=:]|\n\d+[.)]/;

export function isPlainText(text: string): boolean {
  return !MARKDOWN_SYNTAX.test(text);
}

const syntax = { extensions: [gfm()], mdastExtensions: [gfmFromMarkdown()] };

/** Markdown as WhatsApp text; text that is already WhatsApp formatting comes out as it went in. */
export function toWhatsAppText(markdown: string, options: FormatOptions = { softBreaks: 'keep' }): string {
  if (isPlainText(markdown)) return tidy(options.softBreaks === 'join' ? markdown.replace(/(?<!\n)[ \t]*\n(?!\n)/g, ' ') : markdown);
  return parsedToWhatsAppText(markdown, options);
}

/** The same through the parser, whatever the text (exported for the test that the short cut gives the same). */
export function parsedToWhatsAppText(markdown: string, options: FormatOptions): string {
  const tree = fromMarkdown(markdown, syntax);
  const definitions = new Map<string, string>();
  collectDefinitions(tree.children, definitions);
  return tidy(blocks(tree.children, { ...options, source: markdown, definitions, bold: false }));
}

function tidy(text: string): string {
  return text.replace(/[ \t]+\n/g, '\n').replace(/\n{3,}/g, '\n\n').trim();
}
