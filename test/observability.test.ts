import { HttpResponse } from 'msw';
import { describe, expect, it } from 'vitest';
import { captureLogs, makeBot, SECRET } from './helpers/app.js';
import { freshInbound, textFrom } from './helpers/fixtures.js';
import { answerWith, completion, toolCall } from './helpers/llm.js';

describe('request logs', () => {
  it('one JSON line per request with a request id, the sender, the outcome, the LLM latency and the fallback reason', async () => {
    answerWith((request) =>
      request.messages.at(-1)!.content.includes('break')
        ? new HttpResponse(null, { status: 500 })
        : HttpResponse.json(completion({ content: 'fine' })),
    );
    const logs = captureLogs();
    const bot = makeBot({ logger: logs.logger });
    await bot.post(textFrom('6281500000001', 'hello'));
    await bot.post(textFrom('6281500000002', 'please break'));
    await bot.post('{bad');
    const requests = logs.records().filter((r) => r.msg === 'request');
    expect(requests).toEqual([
      expect.objectContaining({ method: 'POST', path: '/webhook', status: 200, from: '6281500000001', outcome: 'answered', fallbackReason: null, llmLatencyMs: expect.any(Number) }),
      expect.objectContaining({ status: 200, from: '6281500000002', outcome: 'fallback', fallbackReason: 'server_error' }),
      expect.objectContaining({ status: 400 }),
    ]);
    const ids = requests.map((r) => r.reqId);
    expect(new Set(ids).size).toBe(3);
    expect(ids.every((id) => typeof id === 'string' && id.length > 0)).toBe(true);
  });
});

describe('rejected requests and request ids in the log', () => {
  it('a 400, 401 or 413 logs its error code and message, never the token', async () => {
    const logs = captureLogs();
    const bot = makeBot({ logger: logs.logger });
    await bot.post('{bad');
    await bot.post({ from: '62811', timestamp: 1, message: 'no id' });
    await bot.post(freshInbound(), 'wrong-token-wrong-token');
    await bot.post(JSON.stringify({ message: 'x'.repeat(1100 * 1024) }));
    const rejected = logs.records().filter((r) => r.msg === 'request');
    expect(rejected.map((r) => [r.status, (r.error as { code: string }).code])).toEqual([
      [400, 'invalid_json'],
      [400, 'invalid_payload'],
      [401, 'unauthorized'],
      [413, 'payload_too_large'],
    ]);
    expect((rejected[1]!.error as { message: string }).message).toMatch(/message_id/);
    expect((rejected[2]!.error as { message: string }).message).toBe('wrong ?token= (see WEBHOOK_SECRET)');
    expect(logs.text()).not.toContain('wrong-token-wrong-token');
    expect(logs.text()).not.toContain(SECRET);
  });

  it('a client-chosen X-Request-Id is used only when it is a short safe token', async () => {
    const logs = captureLogs();
    const bot = makeBot({ logger: logs.logger });
    const send = (id: string) => bot.app.request('/healthz', { headers: { 'x-request-id': id } });
    await send('proxy-4f1c-abc');
    await send('evil\u001b]0;pwned\u0007');
    await send('a'.repeat(200));
    const ids = logs.records().filter((r) => r.msg === 'request').map((r) => String(r.reqId));
    expect(ids[0]).toBe('proxy-4f1c-abc');
    expect(ids[1]).toMatch(/^[0-9a-f-]{36}$/);
    expect(ids[2]).toMatch(/^[0-9a-f-]{36}$/);
  });
});

describe('GET /metrics', () => {
  it('is off by default', async () => {
    expect((await makeBot().app.request(`/metrics?token=${SECRET}`)).status).toBe(404);
  });

  it('needs the webhook secret', async () => {
    const bot = makeBot({ metricsEnabled: true });
    expect((await bot.app.request('/metrics')).status).toBe(401);
    expect((await bot.app.request('/metrics', { headers: { authorization: 'Bearer nope-nope-nope-nope' } })).status).toBe(401);
  });

  it('counts requests by outcome, replies by type, fallbacks by reason, duplicates, rate limits, and latencies', async () => {
    answerWith((request) => {
      const said = request.messages.at(-1)!.content;
      if (said === 'fail') return HttpResponse.json({}, { status: 429 });
      return HttpResponse.json(completion({ toolCalls: [toolCall('react', { emoji: '👍' }), toolCall('send_text', { text: 'ok' })] }));
    });
    const bot = makeBot({ metricsEnabled: true, rateLimitPerMinute: 2 });
    const first = textFrom('6281500000010', 'hi');
    await bot.post(first);
    await bot.post(first);
    await bot.post(textFrom('6281500000010', 'fail'));
    await bot.post(textFrom('6281500000010', 'too many'));
    await bot.post(freshInbound(), 'wrong-token-wrong-token');
    const response = await bot.app.request('/metrics', { headers: { authorization: `Bearer ${SECRET}` } });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toContain('text/plain');
    const text = await response.text();
    expect(text).toContain('whatsbot_webhook_requests_total{outcome="answered"} 1');
    expect(text).toContain('whatsbot_webhook_requests_total{outcome="duplicate"} 1');
    expect(text).toContain('whatsbot_webhook_requests_total{outcome="fallback"} 1');
    expect(text).toContain('whatsbot_webhook_requests_total{outcome="rate_limit_notice"} 1');
    expect(text).toContain('whatsbot_webhook_requests_total{outcome="unauthorized"} 1');
    expect(text).toContain('whatsbot_replies_total{type="reaction"} 1');
    expect(text).toContain('whatsbot_replies_total{type="text"} 3');
    expect(text).toContain('whatsbot_fallbacks_total{reason="rate_limited"} 1');
    expect(text).toContain('whatsbot_duplicate_deliveries_total 1');
    expect(text).toContain('whatsbot_rate_limited_messages_total 1');
    expect(text).toMatch(/whatsbot_llm_latency_seconds_count 2/);
    expect(text).toMatch(/whatsbot_reply_latency_seconds_count 4/);
  });
});
