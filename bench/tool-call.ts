// What one lookup in an operator's tool (prompts/tools/) adds to a reply: the same question answered with and without
// an order lookup, one at a time, against a running server with the instant fake LLM and the fake shop on loopback.
// The difference is the bot's own cost of a tool call: a second LLM request, the HTTP call, its record.
// Run: start the server (PROMPTS_DIR with tools/order_status.yaml aimed at the fake shop), the fake LLM
// (npm run fake-llm) and the fake shop (node --import tsx test/fake-shop.ts), then
//   node --import tsx bench/tool-call.ts --url http://127.0.0.1:3311 --token SECRET [--count 200]
import { parseArgs } from 'node:util';

const { values } = parseArgs({ options: { url: { type: 'string' }, token: { type: 'string' }, count: { type: 'string' } } });
const count = Number(values.count ?? 200);
let id = 0;

async function replyMs(from: string, text: string): Promise<number> {
  id += 1;
  const started = performance.now();
  const response = await fetch(`${values.url}/webhook?token=${values.token}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ message_id: `BENCH${Date.now()}${id}`, from, timestamp: Math.floor(Date.now() / 1000), message: text }),
  });
  await response.text();
  return performance.now() - started;
}

const quantile = (list: number[], q: number) => [...list].sort((a, b) => a - b)[Math.min(list.length - 1, Math.floor(q * list.length))]!;

const results: Record<string, number[]> = { 'without a lookup': [], 'with one lookup': [] };
for (let i = 0; i < count; i += 1) {
  // A customer of their own per message, so that the rate limit and the history stay out of the measure (the shop
  // answers 404 for their numbers: a lookup all the same, and the model's second request).
  results['without a lookup']!.push(await replyMs(`62812990${String(i).padStart(5, '0')}`, 'Where is my order?'));
  results['with one lookup']!.push(await replyMs(`62812991${String(i).padStart(5, '0')}`, 'Where is my order A-1001?'));
}
console.log(`reply time (webhook request to answer), ${count} each, one at a time\n`);
console.log(['', 'p50 ms', 'p95 ms'].join('\t'));
for (const [name, list] of Object.entries(results)) console.log([name, quantile(list, 0.5).toFixed(1), quantile(list, 0.95).toFixed(1)].join('\t'));
