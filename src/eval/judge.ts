// `judge:` expectations, graded by a model (EVAL_JUDGE_MODEL, else the chat model): it reads the conversation so far
// and what the bot just sent, and answers PASS or FAIL with a one-line reason. Anything else fails the expectation
// and shows what it said: a judge that cannot be understood has not passed anything.
import type { Llm } from '../llm/client.js';
import { describeSentReply } from '../cli/format.js';
import type { OutgoingMessage } from '../whatspie/reply.js';

export interface Verdict {
  passed: boolean;
  /** The judge's reason, or what it said when it was neither pass nor fail, or why it could not be asked. */
  reason: string;
  promptTokens: number;
  completionTokens: number;
  /** The judge could not be asked at all (no connection, an error answer). */
  unreachable: boolean;
}

export interface Exchange {
  customer: string;
  sent: OutgoingMessage[];
}

const JUDGE_TIMEOUT_MS = 60_000;

const INSTRUCTIONS = `You grade one reply of a customer-support bot on WhatsApp against one criterion written by the business.
You are shown the conversation so far, the customer's last message, everything the bot sent in answer to it, and the criterion.
Answer with exactly one line: PASS or FAIL, a colon, and a short reason (one sentence). Nothing else.`;

const shown = (sent: OutgoingMessage[]) => (sent.length === 0 ? '  (nothing)' : sent.map((m) => `  ${describeSentReply(m)}`).join('\n'));

/** What the judge is asked. */
export function judgePrompt(earlier: Exchange[], last: Exchange, criterion: string): string {
  const history = earlier.map((e) => `Customer: ${e.customer}\nBot sent:\n${shown(e.sent)}`).join('\n\n');
  return [
    history ? `Conversation so far:\n${history}` : 'Conversation so far: (none; this is the first message)',
    `Customer's last message: ${last.customer}`,
    `Everything the bot sent in answer:\n${shown(last.sent)}`,
    `Criterion: ${criterion}`,
  ].join('\n\n');
}

/** PASS/FAIL and the reason, from the judge's first line (`**PASS**: …`, `Fail - …` count too); null when neither. */
export function readVerdict(text: string): { passed: boolean; reason: string } | null {
  const first = text.trim().split('\n')[0] ?? '';
  const match = /^[\s*_`"']*(pass|fail)(?:ed)?\b[\s*_`"':.,—–-]*(.*)$/i.exec(first);
  if (!match) return null;
  return { passed: match[1]!.toLowerCase() === 'pass', reason: match[2]!.trim() || '(no reason given)' };
}

export async function judge(llm: Llm, earlier: Exchange[], last: Exchange, criterion: string): Promise<Verdict> {
  try {
    const completion = await llm.complete({
      messages: [
        { role: 'system', content: INSTRUCTIONS },
        { role: 'user', content: judgePrompt(earlier, last, criterion) },
      ],
      tools: [],
      signal: new AbortController().signal,
      timeoutMs: JUDGE_TIMEOUT_MS,
    });
    const tokens = { promptTokens: completion.promptTokens ?? 0, completionTokens: completion.completionTokens ?? 0, unreachable: false };
    const said = completion.text?.trim() ?? '';
    const verdict = readVerdict(said);
    if (!verdict) return { passed: false, reason: `the judge answered neither pass nor fail: ${JSON.stringify(said.slice(0, 200))}`, ...tokens };
    return { ...verdict, ...tokens };
  } catch (error) {
    return { passed: false, reason: `the judge could not be asked: ${(error as Error).message}`, promptTokens: 0, completionTokens: 0, unreachable: true };
  }
}
