// Baseline: the webhook a user would write from Whatspie's example with the design's packages. Hono takes the
// webhook, the openai SDK asks the model with a system prompt, the message and a send_text tool, p-timeout races it
// against the window, and a canned reply goes out when time runs out or the call fails. Nothing is stored.
import { readFileSync } from 'node:fs';
import { serve } from '@hono/node-server';
import { Hono } from 'hono';
import OpenAI from 'openai';
import pTimeout from 'p-timeout';

const systemPrompt = readFileSync(new URL('../../prompts/system.md', import.meta.url), 'utf8');
const client = new OpenAI({ apiKey: 'not-needed', baseURL: process.env.OPENAI_BASE_URL, maxRetries: 0 });
const FALLBACK = { type: 'chat', body: 'Thank you for your message! A member of our team will get back to you soon.', simulation: true };
const WINDOW_MS = 4500;

const tools: OpenAI.Chat.ChatCompletionTool[] = [
  {
    type: 'function',
    function: {
      name: 'send_text',
      description: 'Send a text message to the customer.',
      parameters: { type: 'object', properties: { text: { type: 'string' } }, required: ['text'] },
    },
  },
];

const app = new Hono().post('/webhook', async (c) => {
  const { message } = await c.req.json<{ from?: string; message?: string }>();
  const controller = new AbortController();
  try {
    const completion = await pTimeout(
      client.chat.completions.create(
        { model: 'fake-model', messages: [{ role: 'system', content: systemPrompt }, { role: 'user', content: message ?? '' }], tools },
        { signal: controller.signal, timeout: WINDOW_MS },
      ),
      { milliseconds: WINDOW_MS },
    );
    const choice = completion.choices[0]?.message;
    const call = choice?.tool_calls?.find((c) => c.type === 'function' && c.function.name === 'send_text');
    const text = call?.type === 'function' ? (JSON.parse(call.function.arguments) as { text?: string }).text : choice?.content;
    return c.json(text ? { type: 'chat', body: text, simulation: true } : FALLBACK);
  } catch {
    controller.abort();
    return c.json(FALLBACK);
  }
});
serve({ fetch: app.fetch, port: Number(process.env.PORT), hostname: '127.0.0.1' }, (info) => console.log(`listening ${info.port}`));
