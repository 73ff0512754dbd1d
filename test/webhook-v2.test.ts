// Whatspie's v2 webhook on the same URL as v1: messages answered exactly as v1, other events kept and answered [].
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { runTranscripts } from '../src/cli/transcripts.js';
import { captureLogs, jsonOf, makeBot, SECRET, storedMessages } from './helpers/app.js';
import { llmRequests, replyWith } from './helpers/llm.js';

const v2 = (name: string): Record<string, any> => JSON.parse(readFileSync(new URL(`./fixtures/whatspie/v2/${name}.json`, import.meta.url), 'utf8'));
const v1 = (name: string): Record<string, any> => JSON.parse(readFileSync(new URL(`./fixtures/whatspie/inbound/${name}.json`, import.meta.url), 'utf8'));

async function events(dbPath: string) {
  const out: string[] = [];
  await runTranscripts(['events'], { out: (t) => out.push(t), err: (t) => out.push(t), settings: { DATABASE_PATH: dbPath, HANDOFF_HOURS: 24 }, now: Date.now() });
  return out.join('\n');
}

describe('webhook v2', () => {
  it('message_incoming is answered exactly as the v1 message inside it', async () => {
    replyWith({ content: 'Let me check your order.' });
    const v1Bot = makeBot();
    const v2Bot = makeBot();
    const plain = await jsonOf(v1Bot.post(v1('text')));
    const wrapped = await jsonOf(v2Bot.post(v2('message_incoming')));
    expect(wrapped).toEqual(plain);
    expect(wrapped).toEqual({ type: 'chat', body: 'Let me check your order.', simulation: true });
    expect(llmRequests[1]!.messages.at(-1)).toEqual(llmRequests[0]!.messages.at(-1));
    expect(storedMessages(v2Bot.db).map((m) => [m.direction, m.kind, m.text])).toEqual(storedMessages(v1Bot.db).map((m) => [m.direction, m.kind, m.text]));
  });

  it('a v2 image message is read like the v1 one, and a redelivery of it gets the stored reply', async () => {
    replyWith({ content: 'Nice bag!' });
    const bot = makeBot();
    const first = await jsonOf(bot.post(v2('message_incoming_image')));
    const again = await jsonOf(bot.post(v2('message_incoming_image')));
    expect(again).toEqual(first);
    expect(llmRequests).toHaveLength(1);
    expect(llmRequests[0]!.messages.at(-1)!.content).toContain('image with the caption "Check out this product!"');
  });

  it.each(['message_read', 'message_failed', 'device_disconnected'])('%s gets 200 and [], reaches no LLM, and is stored', async (name) => {
    const bot = makeBot();
    const response = await bot.post(v2(name));
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual([]);
    expect(llmRequests).toHaveLength(0);
    const rows = bot.db.$client.prepare('select type, payload from events').all() as { type: string; payload: string }[];
    expect(rows).toEqual([{ type: name, payload: JSON.stringify(v2(name)) }]);
    expect(storedMessages(bot.db)).toEqual([]);
  });

  it('device_disconnected is a warning with its reason, counted in metrics, and shown by transcripts list and events', async () => {
    const logs = captureLogs();
    const bot = makeBot({ logger: logs.logger, metricsEnabled: true });
    await bot.post(v2('device_disconnected'));
    const warning = logs.records().find((r) => r.level === 40);
    expect(warning?.msg).toMatch(/device disconnected.*UNPAIRED.*Logged out from the phone.*Re-pair the phone/);
    expect(logs.records().find((r) => r.msg === 'request')).toMatchObject({ status: 200, whatspieEvent: 'device_disconnected' });
    const metrics = await (await bot.app.request('/metrics', { headers: { authorization: `Bearer ${SECRET}` } })).text();
    expect(metrics).toContain('whatsbot_whatspie_events_total{type="device_disconnected"} 1');
    expect(await events(bot.dbPath)).toMatch(/device_disconnected\s+device 4521 disconnected \(UNPAIRED\): Logged out from the phone/);
    const list: string[] = [];
    await runTranscripts(['list'], { out: (t) => list.push(t), err: (t) => list.push(t), settings: { DATABASE_PATH: bot.dbPath, HANDOFF_HOURS: 24 }, now: Date.now() });
    expect(list.join('\n')).toMatch(/^WARNING: Whatspie reported at .*device 4521 disconnected/);
  });

  it('message_failed names the message and the reason', async () => {
    const bot = makeBot();
    await bot.post(v2('message_failed'));
    expect(await events(bot.dbPath)).toContain('message 36259783 failed: Receiver number is not registered on WhatsApp');
  });

  it('an unknown event type is stored and answered [], never a 4xx', async () => {
    const bot = makeBot();
    for (const body of [
      { type: 'device_connected', data: { device_Id: 1 } },
      { type: 'message_read', data: 'not an object' },
      { type: 'message_failed', data: null },
      { type: 'x'.repeat(500), data: {} },
    ]) {
      const response = await bot.post(body);
      expect(response.status).toBe(200);
      expect(await response.json()).toEqual([]);
    }
    expect(bot.db.$client.prepare('select count(*) from events').pluck().get()).toBe(4);
    expect(llmRequests).toHaveLength(0);
  });

  it('unknown extra fields anywhere are ignored', async () => {
    replyWith({ content: 'ok' });
    const bot = makeBot();
    const body = { ...v2('message_incoming'), version: 2, device: { id: 9 }, data: { ...v1('text'), message_id: 'EXTRA-1', extra: { deep: true }, from_user: { name: 'A', jid: '62856123456@s.whatsapp.net', avatar: 'x' } } };
    expect(await jsonOf(bot.post(body))).toEqual({ type: 'chat', body: 'ok', simulation: true });
    expect(await jsonOf(bot.post({ ...v2('message_read'), data: { ...v2('message_read').data, new_field: 1 }, at: 'now' }))).toEqual([]);
  });

  it('a v2 message_incoming without a valid message is a 400 that says where', async () => {
    const bot = makeBot();
    const response = await bot.post({ type: 'message_incoming', data: { from: '62811' } });
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ error: { code: 'invalid_payload', message: expect.stringContaining('data: message_id') } });
  });
});
