// The short cut for text in which Markdown sees only paragraphs must give exactly what the parser gives.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isPlainText, parsedToWhatsAppText, toWhatsAppText } from '../src/whatspie/formatting.js';

// Letters, digits, spaces, tabs, line breaks and the punctuation of ordinary replies, with every Markdown marker too
// (texts that hold one must take the parser, which the property checks as well: they are simply not plain).
const alphabet = fc.constantFrom(...'ab Z09 .,!?:;\'"()-+=/%$\t\n\n\n  12. 1) é😀\u00a0*_~`#>|<[]&\\@w'.split(''), 'www.', 'http://', '\r\n', '- ', '# ');
const text = fc.array(alphabet, { maxLength: 60 }).map((parts) => parts.join(''));

describe('plain text skips the Markdown parser', () => {
  it.each(['keep', 'join'] as const)('with soft breaks %s, the same output as the parser', (softBreaks) => {
    fc.assert(
      fc.property(text, (t) => {
        if (isPlainText(t)) expect(toWhatsAppText(t, { softBreaks })).toBe(parsedToWhatsAppText(t, { softBreaks }));
      }),
      { numRuns: Number(process.env.FUZZ_RUNS ?? 5000) },
    );
  });

  it('ordinary replies are plain; Markdown is not', () => {
    expect(isPlainText('Thanks for your message. We ship within 2-3 days, free above Rp 500.000!')).toBe(true);
    expect(isPlainText('Hello,\nyour order ships today.\n\nAnything else?')).toBe(true);
    for (const markdown of ['**bold**', '# Title', '1. first', '- item', 'a\n---', 'a\n:-', 'see https://example.com', '[x](y)', 'a  \nb', '> quote', 'a | b']) {
      expect(isPlainText(markdown)).toBe(false);
    }
  });
});
