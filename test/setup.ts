// Every test file shares one msw server: the LLM is mocked, loopback servers of the test itself pass,
// and any other request fails the test, so nothing ever leaves the machine.
import { afterAll, afterEach, beforeAll } from 'vitest';
import { llmRequests, llmServer } from './helpers/llm.js';

beforeAll(() =>
  llmServer.listen({
    onUnhandledRequest(request, print) {
      const url = new URL(request.url);
      // Loopback servers of the test itself, and data: URLs (the SDK's upload code probes one; no network involved).
      if (url.hostname === '127.0.0.1' || url.protocol === 'data:') return;
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
      await bot.close();
    } catch {
      // Already closed by the test.
    }
  }
});
