// Real completion bodies from the public record (test/fixtures/llm, sources in its README), each answered over HTTP:
// what the customer receives holds the intended answer and nothing else.
import { readdirSync, readFileSync } from 'node:fs';
import { HttpResponse } from 'msw';
import { describe, expect, it } from 'vitest';
import { findContactByPhone } from '../src/store/queries.js';
import { toWebhookReply, type OutgoingMessage } from '../src/whatspie/reply.js';
import { jsonOf, makeBot, storedMessages } from './helpers/app.js';
import { textFrom } from './helpers/fixtures.js';
import { answerWith } from './helpers/llm.js';

interface CorpusCase {
  behaviour: string;
  provider: string;
  source: string;
  status: number;
  body: unknown;
  expect: { messages: OutgoingMessage[]; handoff?: boolean } | { fallback: string };
}

const dir = new URL('./fixtures/llm/', import.meta.url);
const cases = readdirSync(dir)
  .filter((name) => name.endsWith('.json'))
  .map((name) => [name.replace(/\.json$/, ''), JSON.parse(readFileSync(new URL(name, dir), 'utf8')) as CorpusCase] as const);

const FALLBACK = 'Thank you for your message! We could not answer right away, but a member of our team will get back to you as soon as possible.';
// Syntax that must never reach a customer, whatever the provider sent.
const LEAKS = ['<think', '</think', '<tool_call', '</tool_call', '[TOOL_CALLS]', '[ARGS]', '<|', '<function=', '<parameter=', '"name":', '"arguments"', '**', '## ', '](http', 'reasoning'];

describe('the provider corpus', () => {
  it('has a source and a documented behaviour for every body', () => {
    expect(cases.length).toBeGreaterThanOrEqual(30);
    for (const [, c] of cases) {
      expect(c.source.length).toBeGreaterThan(10);
      expect(c.behaviour.length).toBeGreaterThan(5);
    }
  });

  it.each(cases)('%s', async (name, c) => {
    answerWith(() => HttpResponse.json(c.body as object, { status: c.status }));
    const bot = makeBot();
    const from = '6281700000001';
    const reply = await jsonOf(bot.post(textFrom(from, `question for ${name}`)));
    const seen = JSON.stringify(reply);
    for (const leak of LEAKS) expect(seen, `${name} leaked ${leak}`).not.toContain(leak);
    const stored = storedMessages(bot.db).at(-1)!;
    if ('fallback' in c.expect) {
      expect(reply).toEqual({ type: 'chat', body: FALLBACK, simulation: true });
      expect(stored).toMatchObject({ fell_back: 1, fallback_reason: c.expect.fallback });
      return;
    }
    expect(reply).toEqual(toWebhookReply(c.expect.messages));
    expect(stored.fell_back).toBe(0);
    expect(findContactByPhone(bot.db, from)!.handoffAt !== null).toBe(c.expect.handoff ?? false);
  });
});
