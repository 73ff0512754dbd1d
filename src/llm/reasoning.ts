// A model's private reasoning, in the forms servers leave it in the answer text. It never reaches a customer.

const TAG = '(?:think|thinking|reasoning)';
const PAIRED = new RegExp(`<${TAG}>[\\s\\S]*?</${TAG}>`, 'gi');
const CLOSE = new RegExp(`</${TAG}>`, 'gi');
const OPEN = new RegExp(`<${TAG}>`, 'i');

/**
 * The answer without its reasoning: <think>…</think> blocks (also empty ones) are removed; a closing tag with no
 * opening one (Qwen's template opens the block in the prompt) means everything before it was reasoning; an opening
 * tag that never closes (the answer was cut off while thinking) means everything after it was.
 */
export function withoutReasoning(text: string): string {
  let answer = text.replace(PAIRED, '');
  const closes = [...answer.matchAll(CLOSE)];
  const lastClose = closes.at(-1);
  if (lastClose) answer = answer.slice(lastClose.index + lastClose[0].length);
  const open = OPEN.exec(answer);
  if (open) answer = answer.slice(0, open.index);
  return answer;
}
