// npm run eval as an operator runs it (dist/cli/eval.js, a process of its own, settings from the environment), against
// the fake OpenAI-compatible server and the fake Whatspie: its output, exit statuses, --filter, --json, --junit,
// --record, and the real database and Whatspie left alone.
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { copyPrompts, makeBot, tempDir, WHATSPIE_DEVICE, WHATSPIE_TOKEN } from './helpers/app.js';
import { textFrom } from './helpers/fixtures.js';
import { startFakeOpenAI, type FakeOpenAI } from './fake-openai.js';
import { startFakeWhatspie, type FakeWhatspie } from './fake-whatspie.js';

const root = fileURLToPath(new URL('../', import.meta.url));
const CUSTOMER = '628111222333';

const CASES = `- name: the price list goes out as a document
  turns:
    - customer: Can I have the price list?
      expect: { sends: document price_list }
    - customer: thank you!
      expect: { contains: [welcome], judge: Thanks the customer warmly. }

- name: a wrong expectation about thanks
  turns:
    - customer: thank you!
      expect:
        contains: [sama-sama]
`;

let llm: FakeOpenAI;
let whatspie: FakeWhatspie;
let promptsDir: string;
let dbPath: string;

/** Runs `npm run eval`'s entry point; resolves with its exit status and what it printed on each stream. */
function evalCli(args: string[], env: Record<string, string> = {}): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, ['dist/cli/eval.js', ...args], {
    cwd: root,
    env: {
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? '',
      DATABASE_PATH: dbPath,
      PROMPTS_DIR: promptsDir,
      OPENAI_BASE_URL: llm.url,
      OPENAI_API_KEY: 'sk-test',
      WHATSPIE_API_URL: whatspie.url,
      WHATSPIE_API_TOKEN: WHATSPIE_TOKEN,
      WHATSPIE_DEVICE: WHATSPIE_DEVICE,
      RATE_LIMIT_PER_MINUTE: '0',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
  child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
  return new Promise((resolve) => child.on('exit', (code) => resolve({ code, stdout, stderr })));
}

/** Every file of the real database's folder and a hash of its bytes. */
function snapshot(dir: string): Record<string, string> {
  return Object.fromEntries(readdirSync(dir).sort().map((name) => [name, createHash('sha256').update(readFileSync(join(dir, name))).digest('hex')]));
}

beforeAll(async () => {
  llm = await startFakeOpenAI();
  whatspie = await startFakeWhatspie();
  promptsDir = copyPrompts();
  mkdirSync(join(promptsDir, 'tests'));
  writeFileSync(join(promptsDir, 'tests', 'shop.yaml'), CASES);
  // The real database, with a real conversation in it (for --record).
  dbPath = join(tempDir(), 'bot.db');
  const bot = makeBot({ dbPath, promptsDir, llmBaseUrl: llm.url });
  await bot.post(textFrom(CUSTOMER, 'Can I have the price list?'));
  await bot.post(textFrom(CUSTOMER, 'thank you!'));
  await bot.close();
});
afterAll(async () => {
  await llm.close();
  await whatspie.close();
});

// Each test starts node processes, which take seconds on a loaded machine.
describe('npm run eval', { timeout: 240_000 }, () => {
  it('prints a line per case, the failures with what was sent, totals; writes JUnit; exits 1 when a case failed', async () => {
    const junit = join(tempDir(), 'eval.xml');
    const { code, stdout, stderr } = await evalCli(['--junit', junit, '--concurrency', '1']);
    expect(code).toBe(1);
    expect(stderr).toContain('Running 2 cases against gpt-4.1-mini, 1 at once…');
    expect(stderr).toContain('[1/2] ✓ shop.yaml: the price list goes out as a document');
    expect(stderr).toContain('[2/2] ✗ shop.yaml: a wrong expectation about thanks');
    expect(stdout).toContain('✓ the price list goes out as a document  shop.yaml:1\n    judge ✓ turn 2: the fake model passes everything it is asked to judge\n');
    expect(stdout).toContain(
      '✗ a wrong expectation about thanks  shop.yaml:8\n' +
        '    turn 1 (line 10), customer: thank you!\n' +
        '      ✗ contains: no "sama-sama"\n' +
        '      sent: [reaction] 🙏\n' +
        '      sent: [text] You are welcome!\n',
    );
    expect(stdout).toMatch(/\n1 passed, 1 failed; \d+ prompt \+ \d+ completion tokens; [\d.]+ m?s\n$/);
    const xml = readFileSync(junit, 'utf8');
    expect(xml).toMatch(/<testsuite name="shop.yaml" tests="2" failures="1" time="[\d.]+">/);
    expect(xml).toMatch(/<testcase classname="shop.yaml" name="the price list goes out as a document" time="[\d.]+"\/>/);
    expect(xml).toMatch(/<testcase classname="shop.yaml" name="a wrong expectation about thanks" time="[\d.]+">\n\s+<failure message="contains: no &quot;sama-sama&quot;">turn 1 \(line 10\), customer: thank you!/);
  });

  it('--filter runs only the cases whose name has the words; --json prints one document; exits 0 when all passed', async () => {
    const { code, stdout } = await evalCli(['--filter', 'PRICE document', '--json']);
    expect(code).toBe(0);
    const report = JSON.parse(stdout);
    expect(report.cases).toHaveLength(1);
    expect(report.cases[0]).toMatchObject({
      file: join(promptsDir, 'tests', 'shop.yaml'),
      name: 'the price list goes out as a document',
      passed: true,
      runs: 1,
      passRate: 1,
      turns: [
        { customer: 'Can I have the price list?', sent: [{ kind: 'document', fileName: 'price_list.pdf' }], failures: [] },
        { customer: 'thank you!', sent: [{ kind: 'reaction' }, { kind: 'text', text: 'You are welcome!' }], failures: [], judge: { passed: true } },
      ],
    });
    expect(report.totals).toMatchObject({ passed: 1, failed: 0 });
    for (const key of ['promptTokens', 'completionTokens', 'ms']) expect(report.totals[key]).toBeGreaterThan(0);
  });

  it('refuses a file it cannot read before anything runs, with its path and line; exits 2', async () => {
    const broken = join(tempDir(), 'broken.yaml');
    writeFileSync(broken, '- name: fine\n  turns: [{ customer: hi }]\n- name: typo\n  turns:\n    - customer: hi\n      expects: { sends: text }\n');
    const before = llm.requests;
    const { code, stderr, stdout } = await evalCli([join(promptsDir, 'tests', 'shop.yaml'), broken]);
    expect(code).toBe(2);
    expect(stderr).toContain(`Error: ${broken} line 6: [1].turns[0].expects: "expects" is not something a test file knows (did you mean expect:?)`);
    expect(stdout).toBe('');
    expect(llm.requests).toBe(before);
    // With --json, the reason is also one JSON document on stdout, for the CI step that parses it.
    const asJson = await evalCli([broken, '--json']);
    expect(asJson.code).toBe(2);
    expect(JSON.parse(asJson.stdout)).toEqual({ error: { message: expect.stringContaining(`${broken} line 6: [1].turns[0].expects`) } });
    expect((await evalCli([join(tempDir(), 'missing.yaml'), '--json'])).stdout).toMatch(/^\{"error":\{"message":".*missing\.yaml.*"\}\}\n$/);
  });

  it('exits 2 when the model cannot be reached at all', async () => {
    const { code, stdout } = await evalCli(['--filter', 'price'], { OPENAI_BASE_URL: 'http://127.0.0.1:9/v1' });
    expect(code).toBe(2);
    expect(stdout).toContain('The model could not be reached: every call to the model failed (connection_error)');
  });

  it('never touches the real database, and sends nothing through Whatspie, late answers included', async () => {
    const slow = await startFakeOpenAI({ latency: 1500 });
    try {
      const before = snapshot(join(dbPath, '..'));
      const { code, stdout } = await evalCli(['--filter', 'price'], { OPENAI_BASE_URL: slow.url, REPLY_DEADLINE_MS: '1000' });
      expect(stdout).toContain('✓ the price list goes out as a document');
      expect(code).toBe(0);
      expect(slow.requests).toBeGreaterThanOrEqual(2);
      expect(snapshot(join(dbPath, '..'))).toEqual(before);
      expect(whatspie.requests).toEqual([]);
    } finally {
      await slow.close();
    }
  });

  it('--record turns a stored conversation into a test file that runs', async () => {
    const out = join(tempDir(), 'recorded.yaml');
    const before = snapshot(join(dbPath, '..'));
    const recorded = await evalCli(['--record', `+${CUSTOMER}`, '--out', out]);
    expect(recorded.code).toBe(0);
    expect(recorded.stderr).toContain(`Wrote ${out}`);
    // Read-only: the database file is as it was (a SQLite reader may leave its -shm and an empty -wal beside it).
    expect(snapshot(join(dbPath, '..'))['bot.db']).toBe(before['bot.db']);
    const text = readFileSync(out, 'utf8');
    expect(text).toContain(`- name: conversation with ${CUSTOMER}, recorded `);
    expect(text).toContain('    - customer: Can I have the price list?\n      expect:\n        # the bot sent: [document] price_list.pdf "Here is our price list." <https://example.com/files/price-list.pdf>\n        sends: document price-list\n');
    expect(text).toContain('    - customer: thank you!\n      expect:\n        # the bot sent: [reaction] 🙏\n        # the bot sent: [text] You are welcome!\n        sends: text\n');
    const run = await evalCli([out]);
    expect(run.stdout).toContain(`✓ conversation with ${CUSTOMER}`);
    expect(run.code).toBe(0);
  });
});
