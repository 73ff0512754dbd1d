// Every test file shares one msw server; no request ever leaves the machine.
import { afterAll, afterEach, beforeAll } from 'vitest';
import { llmRequests, llmServer } from './helpers/llm.js';

beforeAll(() => llmServer.listen({ onUnhandledRequest: 'error' }));
afterEach(() => {
  llmServer.resetHandlers();
  llmRequests.length = 0;
});
afterAll(() => llmServer.close());
