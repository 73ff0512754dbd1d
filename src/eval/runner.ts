// Runs test cases through the bot's own path: each run of a case gets a trial bot (trial-bot.ts: the composition
// root, the settings, prompts and model, its own throwaway database and media folder, its own clock for `at:`), and
// each turn is posted to its webhook as Whatspie would post it. What the customer would receive is the webhook's
// answer and whatever the outbox would send through Whatspie's API (a late answer, answers queued behind one):
// recorded by a stand-in for the API, never sent.
import { randomUUID } from 'node:crypto';
import { createReadStream, readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { isIP, type AddressInfo } from 'node:net';
import { basename, join } from 'node:path';
import { chatConnection, transcriptionConnection, whatspieApiFrom } from '../compose.js';
import { llmConfigured, type Config } from '../config.js';
import type { WhatspieApi } from '../delivery/whatspie-client.js';
import { createLlm, type Llm } from '../llm/client.js';
import { createTranscriber, type Transcriber } from '../llm/transcriber.js';
import { publicAddressesOnly } from '../media/download.js';
import { parseMediaCatalog, type MediaItem } from '../prompts/media-catalog.js';
import type { TranscriptRow } from '../store/storage.js';
import { readWebhookReply, type OutgoingMessage } from '../whatspie/reply.js';
import { readLocalTime } from '../cli/chat-clock.js';
import { startTrialBot, type TrialBot, type TrialOptions } from '../cli/trial-bot.js';
import type { Case, Turn } from './cases.js';
import { checkExpectations, type TurnOutcome } from './expectations.js';
import { judge, type Exchange } from './judge.js';

/** Model failures a fallback is stored with (src/llm/client.ts LlmFailure): the model was asked and did not answer. */
const MODEL_FAILURES = new Set(['timeout', 'rate_limited', 'server_error', 'client_error', 'connection_error', 'bad_response', 'provider_error', 'empty_completion']);

export interface TurnReport {
  customer: string;
  /** What the customer would have received, one line each ("[text] …"). */
  sent: OutgoingMessage[];
  failures: string[];
  judge?: { passed: boolean; reason: string };
  line: number;
}

export interface RunReport {
  passed: boolean;
  turns: TurnReport[];
  /** The run could not be made (the trial bot did not start, the webhook answered an error). */
  error?: string;
}

export interface CaseReport {
  file: string;
  name: string;
  line: number;
  passed: boolean;
  runs: number;
  passes: number;
  passRate: number;
  /** The turns of the first run that failed, else of the last run. */
  turns: TurnReport[];
  error?: string;
  ms: number;
}

export interface EvalReport {
  cases: CaseReport[];
  totals: { passed: number; failed: number; promptTokens: number; completionTokens: number; ms: number };
  /** Set when the model could not be reached at all: every call to it failed (exit status 2). */
  unreachable: string | null;
}

export interface RunOptions {
  config: Config;
  repeat?: number;
  minPassRate?: number;
  concurrency?: number;
  /** The judge's model (EVAL_JUDGE_MODEL, else the chat model); null: judge expectations fail, saying so. */
  judgeLlm: Llm | null;
  /** Told each time a run of a case ends. */
  progress?: (event: { done: number; total: number; case: Case; run: number; passed: boolean }) => void;
  /** Builds the bot (tests may wrap it); startTrialBot by default. */
  startBot?: (now: () => number, options: TrialOptions) => Promise<TrialBot>;
}

/** Counts of what the model was asked, across the whole run, to tell "the model could not be reached at all". */
interface ModelCalls {
  answered: number;
  failed: number;
  reasons: Set<string>;
  judged: number;
  judgeFailed: number;
  judgeReasons: Set<string>;
  promptTokens: number;
  completionTokens: number;
}

/** The chat model for judging, or another one (EVAL_JUDGE_MODEL) on the same connection. */
export function judgeLlmFor(config: Config): Llm | null {
  if (!llmConfigured(config)) return null;
  return createLlm({ connection: chatConnection(config), model: config.EVAL_JUDGE_MODEL ?? config.AZURE_OPENAI_DEPLOYMENT ?? config.OPENAI_MODEL });
}

/** A stand-in for Whatspie's send API that keeps what would have been sent, and sends nothing. */
function recordingApi(): WhatspieApi & { sent: { receiver: string; message: OutgoingMessage }[] } {
  const sent: { receiver: string; message: OutgoingMessage }[] = [];
  return {
    sent,
    async send(receiver, message) {
      sent.push({ receiver, message });
      return { outcome: 'sent', whatspieId: `EVAL${sent.length}` };
    },
  };
}

/** Serves a case's local files (image:, voice:, document:) on loopback, so that the bot downloads them as from Whatspie. */
async function fileHost(): Promise<{ urlOf(path: string): string; close(): Promise<void> }> {
  const files = new Map<string, string>();
  const server: Server = createServer((req, res) => {
    const path = files.get(req.url ?? '');
    if (!path) return void res.writeHead(404).end();
    res.writeHead(200, { 'content-type': contentTypeOf(path) });
    createReadStream(path).on('error', () => res.destroy()).pipe(res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    urlOf(path) {
      const key = `/${randomUUID()}/${encodeURIComponent(basename(path))}`;
      files.set(key, path);
      return `${base}${key}`;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

const TYPES: Record<string, string> = { jpg: 'image/jpeg', jpeg: 'image/jpeg', png: 'image/png', webp: 'image/webp', gif: 'image/gif', oga: 'audio/ogg', ogg: 'audio/ogg', opus: 'audio/ogg', mp3: 'audio/mpeg', m4a: 'audio/mp4', wav: 'audio/wav', pdf: 'application/pdf' };
const contentTypeOf = (path: string) => TYPES[path.split('.').pop()!.toLowerCase()] ?? 'application/octet-stream';

/** The Whatspie webhook payload for a turn (the shape `npm run chat` posts). */
function payloadOf(turn: Turn, phone: string, name: string | null, now: number, urlOf: (path: string) => string): Record<string, unknown> {
  const base = {
    from: phone,
    message_id: `EVAL${randomUUID().replaceAll('-', '').slice(0, 16).toUpperCase()}`,
    timestamp: Math.floor(now / 1000),
    participant: null,
    from_user: { name, jid: `${phone}@s.whatsapp.net` },
    is_forwarded: false,
    is_broadcast: false,
  };
  const file = turn.file;
  if (!file) return { ...base, message: turn.customer ?? '' };
  const url = /^https?:\/\//i.test(file.source) ? file.source : urlOf(file.source);
  const fileName = basename(new URL(url).pathname) || null;
  if (file.kind === 'image') return { ...base, type: 'imageMessage', file: { url, caption: turn.customer || null, fileName: null } };
  if (file.kind === 'document') return { ...base, type: 'documentMessage', file: { url, caption: turn.customer || null, fileName: decodeURIComponent(fileName ?? 'document') } };
  return { ...base, type: 'audioMessage', file: { url, caption: null, fileName: null, seconds: 5 } };
}

/** What a turn is shown as: its text, or its file and caption. */
function customerLine(turn: Turn): string {
  if (!turn.file) return turn.customer ?? '';
  const what = `[${turn.file.kind} ${basename(turn.file.source)}]`;
  if (turn.file.kind === 'voice') return turn.transcript ? `${what} "${turn.transcript}"` : what;
  return turn.customer ? `${what} ${turn.customer}` : what;
}

/** The catalog the checks name files by (prompts/media.json); none when it cannot be read (the bot says why in its log). */
function catalogOf(promptsDir: string): MediaItem[] {
  try {
    return parseMediaCatalog(readFileSync(join(promptsDir, 'media.json'), 'utf8'));
  } catch {
    return [];
  }
}

async function runOnce(testCase: Case, options: RunOptions, calls: ModelCalls, catalog: MediaItem[]): Promise<RunReport> {
  const { config } = options;
  const offset = testCase.at ? readLocalTime(testCase.at, config.TIME_ZONE) - Date.now() : 0;
  const now = () => Date.now() + offset;
  // Late answers only where the server has them: with Whatspie's API configured (here it only records).
  const api = whatspieApiFrom(config) ? recordingApi() : null;
  let transcript: string | null = null;
  const heard = config.TRANSCRIPTION_MODEL ? createTranscriber({ model: config.TRANSCRIPTION_MODEL, connection: transcriptionConnection(config) }) : null;
  // The transcript a turn states is what is heard; without one the configured model listens, as on the server.
  const transcriber: Transcriber | null = heard && {
    model: heard.model,
    transcribe: (input) => (transcript !== null ? Promise.resolve(transcript) : heard.transcribe(input)),
  };
  const files = await fileHost();
  let bot: TrialBot;
  try {
    bot = await (options.startBot ?? startTrialBot)(now, {
      config,
      whatspieApi: api,
      transcriber,
      // The case's own files are served on loopback; everything else as the settings say.
      mediaPolicy: { addressAllowed: (address) => isLoopback(address) || config.MEDIA_ALLOW_PRIVATE_HOSTS || publicAddressesOnly(address) },
      toolAnswers: testCase.tools,
    });
  } catch (error) {
    await files.close();
    return { passed: false, turns: [], error: `the bot could not start: ${(error as Error).message}` };
  }
  // Each run is its own customer, so that nothing of another case's conversation is in view.
  const phone = `6299${String(Math.floor(Math.random() * 1e9)).padStart(9, '0')}`;
  const turns: TurnReport[] = [];
  const exchanges: Exchange[] = [];
  let seenRows = 0;
  try {
    for (const turn of testCase.turns) {
      transcript = turn.transcript;
      const sentBefore = api?.sent.length ?? 0;
      const handoffBefore = (await bot.storage.conversations.contactByPhone(phone))?.handoff ?? null;
      const payload = payloadOf(turn, phone, testCase.customerName, now(), files.urlOf);
      const response = await fetch(`${bot.url}/webhook?token=${encodeURIComponent(bot.token)}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(payload),
      });
      const body: unknown = await response.json().catch(() => null);
      const answered = response.ok ? readWebhookReply(body) : null;
      if (!answered) return { passed: false, turns, error: `turn ${turns.length + 1}: the webhook answered ${response.status} ${JSON.stringify(body).slice(0, 300)}` };
      await bot.settled();
      const late = (api?.sent.slice(sentBefore) ?? []).filter((s) => s.receiver === phone).map((s) => s.message);
      const rows = (await bot.storage.reports.transcriptRows({ phone })).slice(seenRows);
      seenRows += rows.length;
      const replies = rows.filter((r) => r.direction === 'out');
      countModelCalls(replies, calls);
      const handoff = (await bot.storage.conversations.contactByPhone(phone))?.handoff ?? null;
      const outcome: TurnOutcome = {
        sent: [...answered, ...late],
        handedOver: handoff !== null && handoff.at !== handoffBefore?.at,
        fellBack: replies.some((r) => r.fellBack === 1),
      };
      const failures = checkExpectations(turn.expect, outcome, catalog);
      const exchange: Exchange = { customer: customerLine(turn), sent: outcome.sent };
      const report: TurnReport = { customer: exchange.customer, sent: outcome.sent, failures, line: turn.line };
      if (turn.expect.judge) {
        const verdict = options.judgeLlm
          ? await judge(options.judgeLlm, exchanges, exchange, turn.expect.judge)
          : { passed: false, reason: 'no model is configured to judge with', promptTokens: 0, completionTokens: 0, unreachable: true };
        calls.judged += 1;
        if (verdict.unreachable) {
          calls.judgeFailed += 1;
          calls.judgeReasons.add(verdict.reason);
        }
        calls.promptTokens += verdict.promptTokens;
        calls.completionTokens += verdict.completionTokens;
        report.judge = { passed: verdict.passed, reason: verdict.reason };
        if (!verdict.passed) failures.push(`judge: ${turn.expect.judge}: ${verdict.reason}`);
      }
      exchanges.push(exchange);
      turns.push(report);
    }
  } finally {
    await bot.close();
    await files.close();
  }
  return { passed: turns.every((t) => t.failures.length === 0), turns };
}

function isLoopback(address: string): boolean {
  if (isIP(address) === 4) return address.startsWith('127.');
  return address === '::1' || address.startsWith('::ffff:127.');
}

/** Tokens and, for each reply, whether the model answered it or failed (a fallback for a model failure). */
function countModelCalls(replies: TranscriptRow[], calls: ModelCalls): void {
  for (const reply of replies) {
    calls.promptTokens += reply.promptTokens ?? 0;
    calls.completionTokens += reply.completionTokens ?? 0;
    if (reply.fellBack === 1 && reply.fallbackReason && MODEL_FAILURES.has(reply.fallbackReason)) {
      calls.failed += 1;
      calls.reasons.add(reply.fallbackReason);
    } else if (reply.promptTokens !== null || (reply.fellBack === 0 && reply.model !== null)) calls.answered += 1;
  }
}

/** Runs every case (each `repeat` times, `concurrency` runs at once) and reports. */
export async function runCases(cases: Case[], options: RunOptions): Promise<EvalReport> {
  const started = performance.now();
  const repeat = options.repeat ?? 1;
  const minPassRate = options.minPassRate ?? 1;
  const catalog = catalogOf(options.config.PROMPTS_DIR);
  const calls: ModelCalls = { answered: 0, failed: 0, reasons: new Set(), judged: 0, judgeFailed: 0, judgeReasons: new Set(), promptTokens: 0, completionTokens: 0 };
  const jobs = cases.flatMap((testCase, index) => Array.from({ length: repeat }, (_, run) => ({ testCase, index, run })));
  const results: { runs: RunReport[]; ms: number }[] = cases.map(() => ({ runs: [], ms: 0 }));
  let next = 0;
  let done = 0;
  const worker = async () => {
    while (next < jobs.length) {
      const job = jobs[next++]!;
      const t0 = performance.now();
      const report = await runOnce(job.testCase, options, calls, catalog).catch((error: unknown): RunReport => ({ passed: false, turns: [], error: (error as Error).message }));
      results[job.index]!.runs[job.run] = report;
      results[job.index]!.ms += performance.now() - t0;
      done += 1;
      options.progress?.({ done, total: jobs.length, case: job.testCase, run: job.run + 1, passed: report.passed });
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(options.concurrency ?? 4, jobs.length)) }, worker));
  const reports = cases.map((testCase, i): CaseReport => {
    const runs = results[i]!.runs;
    const passes = runs.filter((r) => r.passed).length;
    const shown = runs.find((r) => !r.passed) ?? runs.at(-1)!;
    const passRate = passes / runs.length;
    return {
      file: testCase.file,
      name: testCase.name,
      line: testCase.line,
      passed: passRate >= minPassRate,
      runs: runs.length,
      passes,
      passRate,
      turns: shown.turns,
      ...(shown.error && { error: shown.error }),
      ms: Math.round(results[i]!.ms),
    };
  });
  const passed = reports.filter((r) => r.passed).length;
  return {
    cases: reports,
    totals: { passed, failed: reports.length - passed, promptTokens: calls.promptTokens, completionTokens: calls.completionTokens, ms: Math.round(performance.now() - started) },
    unreachable: unreachable(calls),
  };
}

/** Why the model could not be reached at all (every call to it failed), or null. One failure among answers is not that. */
function unreachable(calls: ModelCalls): string | null {
  if (calls.failed > 0 && calls.answered === 0) {
    // A model that is there but slower than the webhook's window fails every call too, and needs another remedy.
    const slow = calls.reasons.has('timeout') ? '; timeout: no answer within REPLY_DEADLINE_MS (or LATE_ANSWER_SECONDS, for a late answer)' : '';
    return `every call to the model failed (${[...calls.reasons].join(', ')})${slow}`;
  }
  if (calls.judgeFailed > 0 && calls.judgeFailed === calls.judged) return `every call to the judge failed: ${[...calls.judgeReasons][0]}`;
  return null;
}
