// The test files of npm run eval: a file that cannot be used is refused with its path, its line and what is wrong;
// the shipped prompts/tests/ files are well-formed (whether they pass is the operator's business).
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { loadCases, parseTestFile, testFilesIn } from '../src/eval/cases.js';
import { tempDir } from './helpers/app.js';

const refusal = (text: string, dir = tempDir()) => {
  try {
    parseTestFile('tests/shop.yaml', text, dir);
  } catch (error) {
    return (error as Error).message;
  }
  return 'not refused';
};

describe('eval test files', () => {
  it('reads the vocabulary of the issue as written', () => {
    const [first, second] = parseTestFile(
      'tests/shop.yaml',
      `- name: the price list is sent as the catalog document
  turns:
    - customer: Can I have the price list?
      expect:
        sends: document price_list        # text | image ID | document ID | reaction | handoff | nothing
    - customer: thank you!
      expect:
        contains: [welcome]               # every item, case-insensitive
        contains_any: [welcome, sama-sama]
        not_contains: [refund, discount]
        matches: "welcome|sama-sama"      # a regular expression, case-insensitive
        max_chars: 400
        fallback: false                   # the fallback text was not what answered
        judge: Thanks the customer warmly and promises nothing.   # graded by a model, see below
- name: a customer who wants a person is handed over
  customer_name: Dewi                     # optional: the WhatsApp name
  at: 2026-12-05T21:30                    # optional: the local time the bot believes it is (TIME_ZONE)
  tools: { order_status: { status: 200, body: { state: shipped } } }
  turns:
    - customer: I want to talk to a manager
      expect: { sends: handoff }
`,
      tempDir(),
    );
    expect(first!.turns[0]!.expect).toEqual({ sends: { kind: 'document', id: 'price_list' } });
    expect(first!.turns[1]!.expect).toMatchObject({ contains: ['welcome'], containsAny: ['welcome', 'sama-sama'], notContains: ['refund', 'discount'], maxChars: 400, fallback: false, judge: 'Thanks the customer warmly and promises nothing.' });
    expect(first!.turns[1]!.expect.matches!.test('SAMA-SAMA')).toBe(true);
    expect(second).toMatchObject({ name: 'a customer who wants a person is handed over', line: 15, customerName: 'Dewi', at: '2026-12-05T21:30', tools: { order_status: { status: 200, body: { state: 'shipped' } } } });
    expect(second!.turns[0]).toMatchObject({ customer: 'I want to talk to a manager', line: 20, expect: { sends: { kind: 'handoff' } } });
  });

  it('refuses a file that is not YAML, naming the line', () => {
    expect(refusal('- name: a\n  turns:\n    - customer: hi: there\n')).toBe('tests/shop.yaml line 3: not valid YAML: Nested mappings are not allowed in compact mappings');
    expect(refusal('- name: a\n  turns:\n    - customer: hi\n   expect: x\n')).toBe('tests/shop.yaml line 4: not valid YAML: All mapping items must start at the same column');
    expect(refusal('- name: a\n  name: b\n  turns: []\n')).toBe('tests/shop.yaml line 2: not valid YAML: Map keys must be unique');
    // An unclosed bracket is found at the end of the input: named by the file's last line, not the one after it.
    expect(refusal('- name: a\n  turns:\n    - customer: hi\n      expect: { sends: [text\n\n')).toMatch(/^tests\/shop\.yaml line 4: not valid YAML: Flow sequence/);
  });

  it('refuses a key it does not know, on the key\'s line, with the likely one', () => {
    expect(refusal('- name: a\n  turns:\n    - customer: hi\n      expect:\n        contain: [welcome]\n')).toBe(
      'tests/shop.yaml line 5: [0].turns[0].expect.contain: "contain" is not something a test file knows (did you mean contains:?)',
    );
  });

  it('refuses a value that is wrong, on its line, saying what it should be', () => {
    expect(refusal('- name: a\n  turns:\n    - customer: hi\n      expect: { sends: a brochure }\n')).toBe(
      'tests/shop.yaml line 4: [0].turns[0].expect.sends: must be one of: text, image ID, document ID, reaction, handoff, nothing',
    );
    expect(refusal('- name: a\n  at: Saturday night\n  turns: [{ customer: hi }]\n')).toBe('tests/shop.yaml line 2: [0].at: must be a local time such as 2026-12-05T21:30');
    expect(refusal('- name: a\n  turns:\n    - customer: hi\n      expect: { matches: "(unclosed" }\n')).toBe('tests/shop.yaml line 4: [0].turns[0].expect.matches: is not a regular expression');
    expect(refusal('- name: a\n  turns:\n    - expect: { sends: text }\n')).toBe(
      'tests/shop.yaml line 3: [0].turns[0]: a turn needs customer: (what the customer writes), or image:, voice: or document:',
    );
    expect(refusal('- name: a\n  tools:\n    order_status: { status: "ok" }\n  turns: [{ customer: hi }]\n')).toMatch(/^tests\/shop\.yaml line 3: \[0\]\.tools\.order_status\.status: /);
    expect(refusal('- name: a\n')).toBe('tests/shop.yaml line 1: [0].turns: Invalid input: expected array, received undefined');
    expect(refusal('name: a\nturns: []\n')).toBe('tests/shop.yaml line 1: a test file is a list of cases, each starting with "- name:"');
  });

  it('refuses a file a turn sends that is not there', () => {
    expect(refusal('- name: a\n  turns:\n    - customer: is this in stock?\n      image: photos/bag.jpg\n', '/nowhere')).toBe('tests/shop.yaml line 4: image: no file photos/bag.jpg in /nowhere');
  });

  it('the shipped prompts/tests/*.yaml are well-formed', () => {
    const dir = fileURLToPath(new URL('../prompts/tests', import.meta.url));
    const files = testFilesIn(dir);
    expect(files.length).toBeGreaterThan(0);
    const cases = loadCases(files, dir);
    expect(cases.length).toBeGreaterThan(0);
    // A copy elsewhere reads the same: nothing depends on where the folder is.
    const copy = join(tempDir(), 'copy.yaml');
    writeFileSync(copy, readFileSync(files[0]!, 'utf8'));
    expect(loadCases([copy], dir).map((c) => c.name)).toEqual(cases.filter((c) => c.file === files[0]).map((c) => c.name));
  });
});
