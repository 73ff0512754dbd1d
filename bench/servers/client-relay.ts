// Decomposition, not a baseline to beat: the relay again, but through this bot's LLM client (the openai SDK, the
// answer read raw and normalised, src/llm/client.ts) with its system prompt and tool schemas. The gap between it and
// the SDK relay is our client's own work; the gap between it and this bot is the bot's own work (database, history, knowledge, checks).
import { serve } from '@hono/node-server';
import { Hono } from 'hono';
import { toolsFor } from '../../src/agent/tools/index.js';
import { createLlm } from '../../src/llm/client.js';
import { silentLogger } from '../../src/logger.js';
import { loadPrompts } from '../../src/prompts/prompts.js';

const llm = createLlm({ connection: { kind: 'openai', baseURL: process.env.OPENAI_BASE_URL }, model: 'fake-model' });
const prompts = loadPrompts(new URL('../../prompts', import.meta.url).pathname, silentLogger);

const app = new Hono().post('/webhook', async (c) => {
  const { message } = await c.req.json<{ message?: string }>();
  const completion = await llm.complete({
    messages: [
      { role: 'system', content: prompts.systemPrompt() },
      { role: 'user', content: message ?? '' },
    ],
    tools: toolsFor(prompts.mediaCatalog()).map((tool) => tool.spec),
    signal: new AbortController().signal,
    timeoutMs: 4500,
  });
  const text = completion.text ?? (completion.toolCalls[0]?.arguments as { text?: string } | undefined)?.text ?? '';
  return c.json({ type: 'chat', body: text, simulation: true });
});
serve({ fetch: app.fetch, port: Number(process.env.PORT), hostname: '127.0.0.1' }, (info) => console.log(`listening ${info.port}`));
