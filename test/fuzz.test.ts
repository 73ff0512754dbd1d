// Thousands of malformed and hostile payloads: every answer is a 4xx JSON error or a valid Whatspie reply,
// nothing crashes, nothing pollutes prototypes, and memory stays flat.
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { webhookReplySchema } from '../src/whatspie/reply.js';
import { makeBot, SECRET, type TestBot } from './helpers/app.js';
import { inboundFixture, inboundNames } from './helpers/fixtures.js';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

const hostileKeys = ['__proto__', 'constructor', 'prototype', 'toString', 'hasOwnProperty', 'valueOf'];

const hostileString = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 200 }),
  fc.string({ unit: 'grapheme-composite', maxLength: 50 }),
  fc.constantFrom('', ' ', '\u0000', '\uD800', '\uDFFF', '\u202E', '\uFEFF', '👨‍👩‍👧‍👦'.repeat(100), '%00', '../../etc/passwd', "'; DROP TABLE messages; --", '"*"', 'NEAR(a b)', 'a OR b AND NOT c'),
  fc.integer({ min: 10_000, max: 300_000 }).map((n) => 'x'.repeat(n)),
);

const hostileValue: fc.Arbitrary<unknown> = fc.oneof(
  hostileString,
  fc.integer(),
  fc.double(),
  fc.boolean(),
  fc.constant(null),
  fc.array(fc.jsonValue({ maxDepth: 3 }), { maxLength: 5 }),
  fc.dictionary(fc.constantFrom(...hostileKeys, 'url', 'caption', 'seconds', 'jid', 'name'), fc.jsonValue({ maxDepth: 2 })),
);

/** A documented payload with some fields replaced, removed or joined by hostile ones. */
const mutatedPayload = fc
  .record({
    fixture: fc.constantFrom(...inboundNames),
    changes: fc.dictionary(
      fc.constantFrom('from', 'message_id', 'timestamp', 'type', 'message', 'file', 'contacts', 'from_user', 'participant', 'is_broadcast', 'is_forwarded', 'is_forwared', ...hostileKeys),
      hostileValue,
      { maxKeys: 4 },
    ),
    drop: fc.subarray(['from', 'message_id', 'timestamp', 'type', 'message', 'file', 'contacts']),
    id: fc.uuid(),
  })
  .map(({ fixture, changes, drop, id }) => {
    const payload: Record<string, unknown> = { ...inboundFixture(fixture), message_id: id };
    for (const key of drop) delete payload[key];
    let body = JSON.stringify({ ...payload, ...changes });
    // Object spread ignores "__proto__" as a key; put it in the JSON text itself.
    if ('__proto__' in changes) body = body.replace(/^\{/, `{"__proto__":${JSON.stringify(changes.__proto__) ?? 'null'},`);
    return body;
  });

const rawBody = fc.oneof(
  mutatedPayload,
  fc.jsonValue({ maxDepth: 4 }).map((v) => JSON.stringify(v)),
  fc.string({ unit: 'binary', maxLength: 300 }),
  fc.integer({ min: 1, max: 200_000 }).map((depth) => `{"from":"1","message_id":"deep${depth}","timestamp":1,"message":"hi","x":${'['.repeat(depth)}${']'.repeat(depth)}}`),
  fc.integer({ min: 1, max: 100_000 }).map((depth) => '{"a":'.repeat(depth) + '1' + '}'.repeat(depth)),
  fc.constantFrom('', 'null', '[]', '{}', '{"__proto__":{"polluted":true}}', '{"constructor":{"prototype":{"polluted":true}}}', '\u0000', '{"from":"1"'),
);

async function check(bot: TestBot, body: string) {
  const response = await bot.app.request(`/webhook?token=${SECRET}`, { method: 'POST', body });
  const json = await response.json();
  if (response.status === 200) {
    expect(webhookReplySchema.safeParse(json).success, body.slice(0, 200)).toBe(true);
  } else {
    expect([400, 413], body.slice(0, 200)).toContain(response.status);
    expect(json).toEqual({ error: { code: expect.any(String), message: expect.any(String) } });
  }
}

describe('fuzzing the webhook', () => {
  it('answers thousands of hostile payloads with a 4xx JSON error or a valid reply, with flat memory', async () => {
    const bot = makeBot({ llm: false });
    const run = (numRuns: number, seed: number) => fc.assert(fc.asyncProperty(rawBody, (body) => check(bot, body)), { numRuns, seed });

    await run(500, 1); // warm-up: code paths compiled, caches filled
    gc();
    const before = process.memoryUsage().heapUsed;
    await run(2500, 2);
    gc();
    const grownMb = (process.memoryUsage().heapUsed - before) / 1024 / 1024;
    expect(grownMb).toBeLessThan(25);

    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(Object.prototype).not.toHaveProperty('polluted');
    // Still serving real customers afterwards.
    const after = await bot.post({ ...inboundFixture('text'), message_id: 'after-fuzz' });
    expect(after.status).toBe(200);
    expect(bot.db.$client.pragma('integrity_check', { simple: true })).toBe('ok');
  }, 600_000); // a fixed amount of work: about 100 s on a quiet machine, several times that with both cores busy
});
