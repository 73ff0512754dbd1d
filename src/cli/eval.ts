// npm run eval: replays the operators' test conversations (prompts/tests/*.yaml) through the bot's own path on a
// throwaway database, against the configured model, and says which passed. It never touches the real database
// (except --record, which only reads it) and never sends anything through Whatspie.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { llmConfigured, loadConfig, type Config } from '../config.js';
import { parseMediaCatalog, type MediaItem } from '../prompts/media-catalog.js';
import { caseLabel, loadCases, matchesFilter, testFilesIn } from '../eval/cases.js';
import { recordConversation } from '../eval/record.js';
import { jsonReport, junitReport, textReport } from '../eval/report.js';
import { judgeLlmFor, runCases } from '../eval/runner.js';
import { exitQuietlyWhenStdoutCloses, positiveInt, UsageError } from './args.js';
import { openToolStorage } from './tool-storage.js';
import { normaliseNumber } from './numbers.js';
import { cell, visible } from './terminal-text.js';

const USAGE = `Usage: npm run eval -- [FILE.yaml …] [--filter WORDS] [--repeat N] [--min-pass-rate R] [--concurrency N]
                     [--junit FILE] [--json]
       npm run eval -- --record NUMBER [--out FILE]

Runs the test conversations of PROMPTS_DIR/tests/*.yaml (or the files given) through the bot: the same prompts,
knowledge base, catalog and settings (.env) as the server, against the configured model, on a throwaway database.
Nothing is sent through Whatspie and the real database is not touched. prompts/README.md explains the format.

--filter WORDS       only the cases whose name contains every word (case-insensitive)
--repeat N           run each case N times and report its pass rate (models are not deterministic)
--min-pass-rate R    the fraction of runs a case must pass (default 1: every run)
--concurrency N      runs at once (default 4)
--junit FILE         also write a JUnit XML report (a <testcase> per case) for CI systems
--json               print one JSON document instead of lines
--record NUMBER      write the stored conversation with this customer as a test file (reads the real database,
                     read-only); --out FILE writes it there instead of printing it

Exit status: 0 every case passed, 1 a case failed, 2 nothing could be tested (a test file that cannot be read, no
model configured, or the model could not be reached at all).`;

/** Exit status 2: the cases could not be run, as opposed to a case that failed. */
class CannotRun extends Error {}

const options = {
  filter: { type: 'string', multiple: true },
  repeat: { type: 'string' },
  'min-pass-rate': { type: 'string' },
  concurrency: { type: 'string' },
  junit: { type: 'string' },
  json: { type: 'boolean' },
  record: { type: 'string' },
  out: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

function catalogOf(config: Config): MediaItem[] {
  try {
    return parseMediaCatalog(readFileSync(join(config.PROMPTS_DIR, 'media.json'), 'utf8'));
  } catch {
    return [];
  }
}

async function record(config: Config, number: string, out: string | undefined): Promise<void> {
  const phone = normaliseNumber(number, config.DEFAULT_COUNTRY_CODE);
  // Read-only: the one time eval looks at the real database, it cannot change it.
  const storage = await openToolStorage(config.DATABASE_URL ?? config.DATABASE_PATH, { writes: false });
  let text: string | null;
  try {
    text = recordConversation(await storage.reports.transcriptRows({ phone }), { zone: config.TIME_ZONE, catalog: catalogOf(config), now: Date.now() });
  } finally {
    await storage.close();
  }
  if (text === null) throw new UsageError(`no messages from ${phone} in the database`);
  if (out) {
    writeFileSync(out, text);
    console.error(`Wrote ${visible(out)}: correct each turn's expectation, then run it with npm run eval -- ${visible(out)}`);
  } else await new Promise<void>((resolve) => process.stdout.write(text, () => resolve()));
}

async function main(argv: string[]): Promise<number> {
  let values: ReturnType<typeof parseArgs<{ options: typeof options; allowPositionals: true }>>['values'];
  let positionals: string[];
  try {
    ({ values, positionals } = parseArgs({ args: argv, options, allowPositionals: true }));
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  const loaded = loadConfig();
  for (const warning of loaded.warnings) console.error(`Warning: ${warning}`);
  const config = loaded.config;
  if (values.record !== undefined) {
    await record(config, values.record, values.out);
    return 0;
  }
  const repeat = positiveInt('repeat', values.repeat, 1)!;
  const concurrency = positiveInt('concurrency', values.concurrency, 4)!;
  const rateText = values['min-pass-rate'];
  const minPassRate = rateText === undefined ? 1 : Number(rateText);
  if (rateText !== undefined && (!/^\s*(0|1|0?\.\d+|1\.0*)\s*$/.test(rateText) || !(minPassRate >= 0 && minPassRate <= 1))) {
    throw new UsageError(`--min-pass-rate takes a fraction from 0 to 1, such as 0.8, not ${JSON.stringify(rateText)}`);
  }
  const testsDir = join(config.PROMPTS_DIR, 'tests');
  const files = positionals.length > 0 ? positionals : testFilesIn(testsDir);
  if (files.length === 0) throw new CannotRun(`no test files: write some in ${testsDir}/ (see prompts/README.md) or name them`);
  const filter = (values.filter ?? []).flatMap((words) => words.split(/\s+/)).filter(Boolean);
  const cases = loadCases(files, testsDir).filter((c) => matchesFilter(c.name, filter));
  if (cases.length === 0) throw new CannotRun(filter.length > 0 ? `no case's name contains ${JSON.stringify(filter.join(' '))}` : 'the test files hold no cases');
  if (!llmConfigured(config)) throw new CannotRun('no model is configured: set OPENAI_API_KEY (or OPENAI_BASE_URL, or AZURE_OPENAI_ENDPOINT), as for the server');
  const runs = cases.length * repeat;
  console.error(`Running ${cases.length} case${cases.length === 1 ? '' : 's'}${repeat > 1 ? ` ${repeat} times each` : ''} against ${config.AZURE_OPENAI_DEPLOYMENT ?? config.OPENAI_MODEL}, ${Math.min(concurrency, runs)} at once…`);
  const report = await runCases(cases, {
    config,
    repeat,
    minPassRate,
    concurrency,
    judgeLlm: judgeLlmFor(config),
    progress: ({ done, total, case: c, run, passed }) =>
      console.error(`  [${done}/${total}] ${passed ? '✓' : '✗'} ${cell(caseLabel(c), 200)}${repeat > 1 ? ` (run ${run})` : ''}`),
  });
  if (values.junit) writeFileSync(values.junit, junitReport(report));
  await new Promise<void>((resolve) => process.stdout.write(`${values.json ? jsonReport(report) : textReport(report)}\n`, () => resolve()));
  if (report.unreachable) return 2;
  return report.totals.failed > 0 ? 1 : 0;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  exitQuietlyWhenStdoutCloses();
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    async (error: unknown) => {
      const message = (error as Error).message;
      if (error instanceof UsageError) console.error(`Error: ${visible(message)}\nSee: npm run eval -- --help`);
      else console.error(`Error: ${visible(message)}`);
      // A CI step that reads --json's document gets one here too, rather than nothing to parse.
      if (process.argv.includes('--json')) {
        await new Promise<void>((resolve) => process.stdout.write(`${JSON.stringify({ error: { message } })}\n`, () => resolve()));
      }
      process.exit(2);
    },
  );
}
