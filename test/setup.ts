// Every test file shares one msw server: the LLM is mocked, loopback servers of the test itself pass,
// and any other request fails the test, so nothing ever leaves the machine.
import { afterAll, afterEach, beforeAll } from 'vitest';
import { llmRequests, llmServer } from './helpers/llm.js';

beforeAll(() =>
  llmServer.listen({
    onUnhandledRequest(request, print) {
      if (new URL(request.url).hostname === '127.0.0.1') return;
      print.error();
    },
  }),
);
afterEach(() => {
  llmServer.resetHandlers();
  llmRequests.length = 0;
});
afterAll(() => llmServer.close());

// Outbox workers poll on a timer: stop every bot a test built.
afterAll(async () => {
  const { openBots } = await import('./helpers/app.js');
  for (const bot of openBots.splice(0)) {
    try {
      bot.close();
    } catch {
      // Already closed by the test.
    }
  }
});
