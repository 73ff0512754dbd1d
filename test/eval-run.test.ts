// npm run eval's runner, in this process, against the fake OpenAI-compatible server: each expectation passing and
// failing, the judge, --repeat and --min-pass-rate, late answers, at:, files, and a model that fails.
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Config } from '../src/config.js';
import { loadCases } from '../src/eval/cases.js';
import { judgeLlmFor, runCases, type EvalReport } from '../src/eval/runner.js';
import { copyPrompts, tempDir, testConfig, type BotOptions } from './helpers/app.js';
import { startFakeOpenAI, toolCall, type ChatRequest, type FakeOpenAI, type Scripted } from './fake-openai.js';
import { startFakeShop } from './fake-shop.js';
import { startFakeWhatspie, type FakeWhatspie } from './fake-whatspie.js';

let llm: FakeOpenAI;
beforeAll(async () => {
  llm = await startFakeOpenAI();
});
afterEach(() => llm.answerWith(null));
afterAll(() => llm.close());

/** What the customer last wrote, as the model was given it. */
const lastCustomer = (request: ChatRequest) => String(request.messages?.filter((m) => m.role === 'user').at(-1)?.content ?? '');
const says = (text: string): Scripted => ({ content: null, tool_calls: [toolCall('send_text', { text })] });
/** The judge's answer for a criterion (the judge is asked without tools). */
const judgeSays = (answers: Record<string, string>) => (request: ChatRequest) => {
  if (request.tools?.length) return undefined;
  const prompt = String(request.messages?.at(-1)?.content ?? '');
  const key = Object.keys(answers).find((k) => prompt.includes(k));
  return key === undefined ? undefined : { content: answers[key]! };
};

/** Writes the test file into a fresh copy of the test prompts, and runs every case in it. */
async function run(yaml: string, options: { repeat?: number; minPassRate?: number; concurrency?: number; bot?: Partial<BotOptions>; files?: Record<string, Buffer>; tools?: Record<string, string> } = {}): Promise<EvalReport> {
  const promptsDir = copyPrompts();
  if (options.tools) {
    mkdirSync(join(promptsDir, 'tools'));
    for (const [name, text] of Object.entries(options.tools)) writeFileSync(join(promptsDir, 'tools', name), text);
  }
  const testsDir = join(promptsDir, 'tests');
  mkdirSync(testsDir);
  writeFileSync(join(testsDir, 'cases.yaml'), yaml);
  for (const [name, bytes] of Object.entries(options.files ?? {})) writeFileSync(join(testsDir, name), bytes);
  const config: Config = testConfig({ dbPath: join(tempDir(), 'real.db'), promptsDir, llmBaseUrl: llm.url, ...options.bot });
  return runCases(loadCases([join(testsDir, 'cases.yaml')], testsDir), {
    config,
    judgeLlm: judgeLlmFor(config),
    ...(options.repeat && { repeat: options.repeat }),
    ...(options.minPassRate !== undefined && { minPassRate: options.minPassRate }),
    concurrency: options.concurrency ?? 2,
  });
}

const failuresOf = (report: EvalReport) => report.cases.map((c) => c.turns.map((t) => t.failures));

describe('npm run eval: expectations', () => {
  it('passes every expectation when the bot does what the case says', async () => {
    const report = await run(`
- name: a conversation that goes as it should
  turns:
    - customer: Can I have the price list?
      expect: { sends: document price_list }
    - customer: and the price list again please
      expect: { sends: document price-list, contains: [price list] }
    - customer: Where are you? A map please
      expect: { sends: image store-map }
    - customer: thank you!
      expect:
        sends: reaction
        contains: [welcome, YOU ARE]
        contains_any: [sama-sama, welcome]
        not_contains: [refund, discount]
        matches: "you are (welcome|great)"
        max_chars: 40
        fallback: false
    - customer: I want a manager
      expect: { sends: handoff }
    - customer: hello? anyone?
      expect: { sends: nothing }
`);
    expect(failuresOf(report)).toEqual([[[], [], [], [], [], []]]);
    expect(report.cases[0]).toMatchObject({ passed: true, runs: 1, passRate: 1 });
    expect(report.totals).toMatchObject({ passed: 1, failed: 0 });
    expect(report.totals.promptTokens).toBeGreaterThan(0);
    expect(report.totals.completionTokens).toBe(5 * 20);
    expect(report.unreachable).toBeNull();
  });

  it('fails each expectation that does not hold, saying which and what was sent', async () => {
    const report = await run(`
- name: a conversation where every expectation is wrong
  turns:
    - customer: Can I have the price list?
      expect: { sends: image store-map, contains: [catalogue] }
    - customer: thank you!
      expect:
        sends: document price_list
        contains: [welcome, tomorrow]
        contains_any: [sama-sama, terima kasih]
        not_contains: [WELCOME]
        matches: "^sorry"
        max_chars: 5
        fallback: true
    - customer: hello there
      expect: { sends: handoff }
    - customer: hello again
      expect: { sends: nothing }
    - customer: I want a manager
      expect: { sends: reaction, fallback: true }
`);
    expect(report.cases[0]!.passed).toBe(false);
    expect(failuresOf(report)).toEqual([
      [
        ['sends: image store-map: not sent', 'contains: no "catalogue"'],
        [
          'sends: document price_list: not sent',
          'contains: no "tomorrow"',
          'contains_any: none of "sama-sama", "terima kasih"',
          'not_contains: has "WELCOME"',
          'matches: /^sorry/ does not match',
          'max_chars: 16 characters, more than 5',
          'fallback: true: the fallback text did not answer',
        ],
        ['sends: handoff: the conversation was not handed over'],
        ['sends: nothing: not sent'],
        ['sends: reaction: not sent', 'fallback: true: the fallback text did not answer'],
      ],
    ]);
    // What the bot sent is there to compare with.
    expect(report.cases[0]!.turns[1]!.sent).toEqual([{ kind: 'reaction', emoji: '🙏' }, { kind: 'text', text: 'You are welcome!' }]);
    expect(report.totals).toMatchObject({ passed: 0, failed: 1 });
  });

  it('judges an error answer from the model on the fallback the customer got, without calling the model unreachable', async () => {
    llm.answerWith((request) => (lastCustomer(request).includes('break') ? { status: 500 } : undefined));
    const report = await run(`
- name: one error answer
  turns:
    - customer: hello
      expect: { fallback: false }
    - customer: please break now
      expect: { fallback: true, contains: [get back to you] }
`);
    expect(failuresOf(report)).toEqual([[[], []]]);
    expect(report.unreachable).toBeNull();
  });

  it('says the model could not be reached when every call to it failed', async () => {
    llm.answerWith((request) => (request.tools?.length ? { status: 503 } : undefined));
    const report = await run(`
- name: a
  turns: [{ customer: hello, expect: { fallback: false } }]
- name: b
  turns: [{ customer: hi }]
`);
    expect(report.unreachable).toBe('every call to the model failed (server_error)');
    expect(report.totals).toMatchObject({ passed: 1, failed: 1 });
  });
});

describe('npm run eval: judge', () => {
  it('passes on PASS and fails on FAIL, with the reason; an answer that is neither fails and shows what it said', async () => {
    llm.answerWith(
      judgeSays({
        'is warm': 'PASS: it thanks the customer kindly.',
        'offers a discount': '**FAIL** - it offers nothing of the kind',
        'is in French': 'Well, it depends on how you look at it.',
      }),
    );
    const report = await run(`
- name: judged
  turns:
    - customer: thank you!
      expect: { judge: The reply is warm. }
    - customer: thank you again!
      expect: { judge: The reply offers a discount. }
    - customer: thanks a lot!
      expect: { judge: The reply is in French. }
`);
    const turns = report.cases[0]!.turns;
    expect(turns[0]).toMatchObject({ failures: [], judge: { passed: true, reason: 'it thanks the customer kindly.' } });
    expect(turns[1]).toMatchObject({ failures: ['judge: The reply offers a discount.: it offers nothing of the kind'], judge: { passed: false } });
    expect(turns[2]!.failures).toEqual(['judge: The reply is in French.: the judge answered neither pass nor fail: "Well, it depends on how you look at it."']);
    expect(report.cases[0]!.passed).toBe(false);
  });

  it('shows the judge the conversation and everything the bot sent', async () => {
    const prompts: string[] = [];
    llm.answerWith((request) => {
      if (request.tools?.length) return undefined;
      prompts.push(String(request.messages?.at(-1)?.content));
      return { content: 'pass: fine' };
    });
    await run(`
- name: judged in context
  turns:
    - customer: Can I have the price list?
    - customer: thank you!
      expect: { judge: Thanks the customer. }
`);
    expect(prompts).toHaveLength(1);
    expect(prompts[0]).toContain('Customer: Can I have the price list?\nBot sent:\n  [document] price_list.pdf "Here is our price list."');
    expect(prompts[0]).toContain("Customer's last message: thank you!");
    expect(prompts[0]).toContain('  [reaction] 🙏\n  [text] You are welcome!');
    expect(prompts[0]).toContain('Criterion: Thanks the customer.');
  });
});

describe('npm run eval: --repeat and --min-pass-rate', () => {
  /** Answers "heads" and "tails" in turn: half of the runs pass. */
  function coin() {
    let tosses = 0;
    llm.answerWith((request) => (request.tools?.length && lastCustomer(request).includes('toss') ? says(tosses++ % 2 === 0 ? 'heads' : 'tails') : undefined));
  }
  const CASE = `
- name: a coin toss
  turns: [{ customer: toss a coin, expect: { contains: [heads] } }]
`;

  it('runs a case N times and reports its pass rate; it passes when the rate reaches --min-pass-rate', async () => {
    coin();
    const report = await run(CASE, { repeat: 4, minPassRate: 0.5 });
    expect(report.cases[0]).toMatchObject({ runs: 4, passes: 2, passRate: 0.5, passed: true });
    expect(report.cases[0]!.turns[0]!.failures).toEqual(['contains: no "heads"']);
  });

  it('fails a case whose pass rate is below --min-pass-rate (default: every run)', async () => {
    coin();
    expect((await run(CASE, { repeat: 4, minPassRate: 0.75 })).cases[0]).toMatchObject({ runs: 4, passes: 2, passed: false });
    coin();
    expect((await run(CASE, { repeat: 2 })).cases[0]).toMatchObject({ runs: 2, passes: 1, passed: false });
  });
});

describe('npm run eval: the same path as a webhook message', () => {
  let whatspie: FakeWhatspie;
  beforeAll(async () => {
    whatspie = await startFakeWhatspie();
  });
  afterAll(() => whatspie.close());

  it('counts a late answer as received, records it instead of sending it through Whatspie', async () => {
    // The model answers after the webhook's window (1 s) closed: "one moment" now, the answer through the API.
    const slow = await startFakeOpenAI({ latency: 1500 });
    try {
      const promptsDir = copyPrompts();
      mkdirSync(join(promptsDir, 'tests'));
      const file = join(promptsDir, 'tests', 'late.yaml');
      writeFileSync(file, `
- name: a late price list
  turns:
    - customer: Can I have the price list?
      expect: { sends: document price_list, contains: [looking into it] }
    - customer: thank you!
      expect: { sends: text, contains: [welcome] }
`);
      const config = testConfig({ dbPath: join(tempDir(), 'real.db'), promptsDir, llmBaseUrl: slow.url, deadlineMs: 1000, whatspieApiUrl: whatspie.url, lateAnswerSeconds: 30 });
      const report = await runCases(loadCases([file], join(promptsDir, 'tests')), { config, judgeLlm: null });
      expect(report.cases[0]!.turns.map((t) => t.sent.map((m) => m.kind))).toEqual([['text', 'document'], ['text', 'text']]);
      expect(report.cases[0]!.passed).toBe(true);
      expect(whatspie.requests).toEqual([]);
    } finally {
      await slow.close();
    }
  });

  it('sets the time the bot believes it is from at:, read in TIME_ZONE, and gives the model the customer_name', async () => {
    llm.answerWith((request) => {
      if (!lastCustomer(request).includes('what time')) return undefined;
      const all = JSON.stringify(request.messages);
      return says(`${/\w+day \d+ \w+ \d{4}, \d\d:\d\d/.exec(all)?.[0]} for ${/"(Dewi[^"\\]*)\\"/.exec(all)?.[1] ?? 'nobody'}`);
    });
    const report = await run(
      `
- name: Saturday night
  customer_name: Dewi Lestari
  at: 2026-12-05T21:30
  turns: [{ customer: what time is it?, expect: { contains: [Saturday 5 December 2026, 21:30 for Dewi Lestari] } }]
`,
      { bot: { timeZone: 'Asia/Jakarta' } },
    );
    expect(failuresOf(report)).toEqual([[[]]]);
  });

  it("answers a tool from the case's tools: without calling the shop; a tool the case does not name is called", async () => {
    const shop = await startFakeShop();
    try {
      // The model looks the order up, then says what the lookup answered.
      llm.answerWith((request) => {
        const last = request.messages?.at(-1);
        if (last?.role === 'tool') return says(`lookup: ${String(last.content)}`);
        const tool = /order (A-\d+)/.exec(lastCustomer(request)) ? 'order_status' : /stock/.test(lastCustomer(request)) ? 'stock' : null;
        return tool ? { content: null, tool_calls: [toolCall(tool, { order_id: 'A-1001' })] } : undefined;
      });
      const tool = (name: string) => `name: ${name}
description: Look an order up.
parameters:
  order_id: { type: string, description: The order number }
request:
  method: GET
  url: ${shop.url}/api/orders/{order_id}?phone={customer.number}
allow_private_network: true
`;
      const report = await run(
        `
- name: a shipped order
  tools:
    order_status: { status: 200, body: { state: shipped from the case } }
  turns:
    - customer: where is my order A-1001?
      expect: { contains: [shipped from the case] }
    - customer: is it in stock?
      expect: { contains: [lookup] }
`,
        { tools: { 'order_status.yaml': tool('order_status'), 'stock.yaml': tool('stock') } },
      );
      expect(failuresOf(report)).toEqual([[[], []]]);
      // Only the tool the case did not answer reached the shop.
      expect(shop.requests.map((r) => r.path)).toEqual([expect.stringMatching(/^\/api\/orders\/A-1001/)]);
    } finally {
      await shop.close();
    }
  });

  it("sends a case's image and voice files as Whatspie would, the voice note heard as its transcript", async () => {
    // The model repeats what it was told of each message.
    llm.answerWith((request) => (request.tools?.length ? says(`You said: ${lastCustomer(request)}`) : undefined));
    const realMedia = join(tempDir(), 'real-media');
    const report = await run(
      `
- name: files
  turns:
    - customer: is this bag in stock?
      image: bag.jpg
      expect: { contains: [sent an image, is this bag in stock] }
    - voice: note.oga
      transcript: I would like the brown one in medium
      expect: { contains: [I would like the brown one in medium] }
`,
      {
        files: { 'bag.jpg': Buffer.from([0xff, 0xd8, 0xff, 0xe0, 1, 2, 3]), 'note.oga': Buffer.from('OggS fake voice') },
        bot: { keepMedia: { dir: realMedia }, transcription: { model: 'whisper-1' } },
      },
    );
    expect(failuresOf(report)).toEqual([[[], []]]);
    // Heard as the case says: the configured transcription model was not asked.
    expect(llm.transcriptions).toEqual([]);
    // The files were kept in the trial's own folder, not in MEDIA_DIR.
    expect(existsSync(realMedia)).toBe(false);
  });
});
