// Baseline: the least any webhook that calls an LLM over HTTP must do. Parse the webhook, one plain fetch to the
// LLM with a system prompt and the message, return its text as a chat reply. No database, no SDK, no history.
import { readFileSync } from 'node:fs';
import { serve } from '@hono/node-server';
import { Hono } from 'hono';

const systemPrompt = readFileSync(new URL('../../prompts/system.md', import.meta.url), 'utf8');
const llmUrl = `${process.env.OPENAI_BASE_URL}/chat/completions`;

const app = new Hono().post('/webhook', async (c) => {
  const { message } = await c.req.json<{ message?: string }>();
  const response = await fetch(llmUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'fake-model', messages: [{ role: 'system', content: systemPrompt }, { role: 'user', content: message ?? '' }] }),
  });
  const completion = (await response.json()) as { choices: { message: { content: string | null; tool_calls?: { function: { arguments: string } }[] } }[] };
  const choice = completion.choices[0]!.message;
  // The fake model answers with a send_text tool call; take its text as a relay would.
  const text = choice.content ?? JSON.parse(choice.tool_calls?.[0]?.function.arguments ?? '{}').text ?? '';
  return c.json({ type: 'chat', body: text, simulation: true });
});
serve({ fetch: app.fetch, port: Number(process.env.PORT), hostname: '127.0.0.1' }, (info) => console.log(`listening ${info.port}`));
